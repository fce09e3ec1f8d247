"""The export's file formats: JSON, CSV (a zip or a folder of files) and XLSX, each written record by record.

Nothing here knows the database: an `Export` is a summary plus sheets, each sheet a column list and
a function that opens a stream of batches of records, each batch column by column (storage/export.py
builds them). docs/export.md documents every column.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import methodcaller
from pathlib import Path
from typing import IO, Final, cast

import xlsxwriter

Value = str | int | float | None
# Records a batch at a time (a page of the database), column by column in the sheet's order: a column
# can be checked or escaped at once (in C), where a record would take a Python step per value.
Batch = Sequence[Sequence[Value]]

FORMULA_STARTS: Final = frozenset("=+-@\t\r")
_RUNNABLE: Final = methodcaller("startswith", tuple(FORMULA_STARTS))
_TEXTS: Final = frozenset({str, type(None)})
SUMMARY: Final = "summary"
SUMMARY_COLUMNS: Final = ("measure", "count", "since", "until")
XLSX_MAX_ROWS: Final = 1_048_576  # header included
# zlib's fastest level: the default (6) took three times as long (0.9 s against 0.3 s for 100,000
# participants) for a zip 28% smaller.
ZIP_LEVEL: Final = 1


@dataclass(frozen=True)
class Sheet:
    """One kind of record: its name (file, sheet and JSON key), its columns, and how to stream them."""

    name: str
    columns: tuple[str, ...]
    batches: Callable[[], AsyncIterator[Batch]]


@dataclass(frozen=True)
class Export:
    """What one export holds; `progress(n)` is told whenever n more records were written."""

    exported_at: datetime
    since: datetime | None
    until: datetime | None
    summary: Mapping[str, int]
    sheets: Sequence[Sheet]
    progress: Callable[[int], object] | None = None


def iso(moment: datetime | None) -> str | None:
    """A time as ISO 8601 UTC to the second, e.g. 2026-11-23T15:00:00+00:00."""
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def escape_formula(text: str) -> str:
    """A text cell for CSV or XLSX, made safe from formula injection (OWASP "CSV injection").

    Spreadsheets run a cell that begins with = + - @ (or a tab or carriage return before one) as a
    formula, so a participant could type `=HYPERLINK(...)` into a coordinator's spreadsheet. Such a
    text gets a leading apostrophe, which spreadsheets show as text; strip one leading ' to undo.
    JSON is data, not a spreadsheet: it is never escaped.
    """
    return "'" + text if text[:1] in FORMULA_STARTS else text


def summary_rows(export: Export) -> list[tuple[Value, ...]]:
    since, until = iso(export.since), iso(export.until)
    return [(measure, count, since, until) for measure, count in export.summary.items()]


def escaped(column: Sequence[Value]) -> Sequence[Value]:
    """The column with `escape_formula` applied to its texts; itself, as most are, when none needs it.

    Told in C (the types present; any text starting a formula) before a Python step per value.
    """
    if not any(map(_RUNNABLE, _texts(column))):
        return column
    return [escape_formula(value) if type(value) is str else value for value in column]


def records(batch: Batch) -> Iterator[tuple[Value, ...]]:
    return zip(*batch, strict=True)


async def _batches(export: Export, sheet: Sheet) -> AsyncGenerator[Batch]:
    async for batch in sheet.batches():
        yield batch
        if export.progress is not None:
            export.progress(len(batch[0]))


async def write_json(export: Export, out: IO[str]) -> dict[str, int]:
    """{"exported_at", "period", "summary", "participants": [...], ...}, one record per line; counts by sheet."""
    head = {
        "exported_at": iso(export.exported_at),
        "period": {"since": iso(export.since), "until": iso(export.until)},
        "summary": dict(export.summary),
    }
    out.write(json.dumps(head, ensure_ascii=False)[:-1])  # left open for the sheets
    counts: dict[str, int] = {}
    for sheet in export.sheets:
        out.write(f", {json.dumps(sheet.name)}: [")
        count = 0
        async for batch in _batches(export, sheet):
            for values in records(batch):
                record = dict(zip(sheet.columns, values, strict=True))
                out.write(("\n  " if count == 0 else ",\n  ") + json.dumps(record, ensure_ascii=False))
                count += 1
        out.write("\n]" if count else "]")
        counts[sheet.name] = count
    out.write("}\n")
    return counts


async def _write_csv_file(export: Export, sheet: Sheet, out: IO[str]) -> int:
    writer = csv.writer(out)  # writes None as an empty field
    writer.writerow(sheet.columns)
    count = 0
    async for batch in _batches(export, sheet):
        writer.writerows(records([escaped(column) for column in batch]))
        count += len(batch[0])
    return count


def _write_csv_summary(export: Export, out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(SUMMARY_COLUMNS)
    writer.writerows(summary_rows(export))


async def write_csv(export: Export, target: Path | IO[bytes]) -> dict[str, int]:
    """summary.csv and one <sheet>.csv per kind, UTF-8 with a BOM (Excel then reads it right).

    Into a zip archive when `target` is a binary file or a path ending in .zip, else into the folder
    `target` (created), each file written under a .part name and renamed when complete.
    """
    if isinstance(target, Path) and target.suffix.lower() != ".zip":
        return await _write_csv_folder(export, target)
    counts: dict[str, int] = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as archive:
        with io.TextIOWrapper(archive.open(f"{SUMMARY}.csv", "w"), encoding="utf-8-sig", newline="") as out:
            _write_csv_summary(export, out)
        for sheet in export.sheets:
            with io.TextIOWrapper(archive.open(f"{sheet.name}.csv", "w"), encoding="utf-8-sig", newline="") as out:
                counts[sheet.name] = await _write_csv_file(export, sheet, out)
    return counts


async def _write_csv_folder(export: Export, folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name in [SUMMARY, *(sheet.name for sheet in export.sheets)]:
        partial = folder / f"{name}.csv.part"
        with partial.open("w", encoding="utf-8-sig", newline="") as out:
            if name == SUMMARY:
                _write_csv_summary(export, out)
            else:
                sheet = next(sheet for sheet in export.sheets if sheet.name == name)
                counts[name] = await _write_csv_file(export, sheet, out)
        partial.replace(folder / f"{name}.csv")
    return counts


async def write_xlsx(export: Export, target: Path | IO[bytes]) -> dict[str, int]:
    """A workbook: the "summary" sheet, then one sheet per kind; bold frozen header row.

    XlsxWriter's constant_memory mode writes each row to a temporary file as soon as the next one
    starts, so memory stays flat. Texts are written as strings (escaped), numbers as numbers.
    """
    workbook = xlsxwriter.Workbook(
        str(target) if isinstance(target, Path) else target, {"constant_memory": True, "in_memory": False}
    )
    bold = workbook.add_format({"bold": True})
    counts: dict[str, int] = {}
    try:
        worksheet = _add_worksheet(workbook, SUMMARY, SUMMARY_COLUMNS, bold)
        for row, cells in enumerate(summary_rows(export), start=1):
            for column, value in enumerate(cells):
                _write_cell(worksheet, row, column, value)
        for sheet in export.sheets:
            worksheet = _add_worksheet(workbook, sheet.name, sheet.columns, bold)
            row = 0
            async for batch in _batches(export, sheet):
                for record in records(batch):
                    row += 1
                    if row >= XLSX_MAX_ROWS:
                        raise ValueError(f"more {sheet.name} than an XLSX sheet holds; export as csv")
                    for column, value in enumerate(record):
                        _write_cell(worksheet, row, column, value)
            counts[sheet.name] = row
    finally:
        workbook.close()
    return counts


def _add_worksheet(
    workbook: xlsxwriter.Workbook, name: str, columns: Sequence[str], bold: xlsxwriter.format.Format
) -> xlsxwriter.worksheet.Worksheet:
    worksheet = workbook.add_worksheet(name)
    worksheet.freeze_panes(1, 0)
    for column, title in enumerate(columns):
        worksheet.write_string(0, column, title, bold)
    return worksheet


def _write_cell(worksheet: xlsxwriter.worksheet.Worksheet, row: int, column: int, value: Value) -> None:
    if isinstance(value, str):
        worksheet.write_string(row, column, escape_formula(value))
    elif value is not None:
        worksheet.write_number(row, column, value)


def _texts(column: Sequence[Value]) -> list[str]:
    kinds = set(map(type, column))
    if str not in kinds:
        return []
    if kinds <= _TEXTS:  # texts and None: the texts taken in C
        return cast(list[str], list(filter(None, column)))
    return [value for value in column if type(value) is str]
