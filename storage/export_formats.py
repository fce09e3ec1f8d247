"""The export's file formats: JSON, CSV (a zip or a folder of files) and XLSX, each written record by record.

Nothing here knows the database: an `Export` is a summary plus sheets, each sheet a column list and
a function that opens a stream of flat records (storage/export.py builds them). docs/export.md
documents every column.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Final

import xlsxwriter

Value = str | int | float | None
Record = Mapping[str, Value]

FORMULA_STARTS: Final = frozenset("=+-@\t\r")
SUMMARY: Final = "summary"
SUMMARY_COLUMNS: Final = ("measure", "count", "since", "until")
XLSX_MAX_ROWS: Final = 1_048_576  # header included
# zlib's fastest level: the default (6) took three times as long (0.9 s against 0.3 s for 100,000
# participants) for a zip 28% smaller.
ZIP_LEVEL: Final = 1


@dataclass(frozen=True)
class Sheet:
    """One kind of record: its name (file, sheet and JSON key), its columns, and how to stream it."""

    name: str
    columns: tuple[str, ...]
    records: Callable[[], AsyncIterator[Record]]


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


async def _records(export: Export, sheet: Sheet) -> AsyncIterator[Record]:
    async for record in sheet.records():
        yield record
        if export.progress is not None:
            export.progress(1)


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
        async for record in _records(export, sheet):
            out.write(("\n  " if count == 0 else ",\n  ") + json.dumps(record, ensure_ascii=False))
            count += 1
        out.write("\n]" if count else "]")
        counts[sheet.name] = count
    out.write("}\n")
    return counts


def _csv_cell(value: Value) -> str | int | float:
    if value is None:
        return ""
    return escape_formula(value) if isinstance(value, str) else value


async def _write_csv_file(export: Export, sheet: Sheet, out: IO[str]) -> int:
    writer = csv.writer(out)
    writer.writerow(sheet.columns)
    count = 0
    columns, starts = sheet.columns, FORMULA_STARTS
    async for record in _records(export, sheet):
        # _csv_cell, inlined: this runs for every cell of the export.
        cells = map(record.get, columns)
        writer.writerow(
            [
                "" if value is None else ("'" + value if type(value) is str and value[:1] in starts else value)
                for value in cells
            ]
        )
        count += 1
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
            async for record in _records(export, sheet):
                row += 1
                if row >= XLSX_MAX_ROWS:
                    raise ValueError(f"more {sheet.name} than an XLSX sheet holds; export as csv")
                for column, name in enumerate(sheet.columns):
                    _write_cell(worksheet, row, column, record.get(name))
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
