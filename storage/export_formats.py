"""The export's file formats: JSON, CSV (a zip or a folder of files) and XLSX, each written record by record.

Nothing here knows the database: an `Export` is a summary plus sheets, each sheet a column list and
a function that opens a stream of batches of records, each batch column by column (storage/export.py
builds them). docs/export.md documents every column.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import csv
import io
import json
import re
import shutil
import threading
import zipfile
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import IO, Any, BinaryIO, Final, cast
from zoneinfo import ZoneInfo

import rustpy_xlsxwriter

from storage.private_files import create_private, private_folder, private_opener

Value = str | int | float | datetime | None
# Records a batch at a time (a page of the database), column by column in the sheet's order: a column
# is converted or checked at once (in C where it can be), where a record takes a Python step per value.
Batch = Sequence[Sequence[Value]]

FORMULA_STARTS: Final = frozenset("=+-@\t\r")
_LINE_STARTING_FORMULA: Final = re.compile("\n[" + re.escape("".join(sorted(FORMULA_STARTS))) + "]")
_TEXTS: Final = frozenset({str, type(None)})
SUMMARY: Final = "summary"
SUMMARY_COLUMNS: Final = ("measure", "count", "since", "until")
BOUNDS: Final = frozenset({"since", "until"})
XLSX_MAX_ROWS: Final = 1_048_576  # header included
XLSX_MAX_TEXT: Final = 32_767  # characters in a cell
XLSX_TIME: Final = "yyyy-mm-dd hh:mm:ss"
ABOUT: Final = "about"
ABOUT_WIDTHS: Final = (14.0, 30.0, 80.0)
# A column's width (characters) by the end of its name: what its cells usually hold.
WIDTHS: Final = (
    ("_at", 20),
    ("_until", 20),
    ("_since", 20),
    ("slot", 20),
    ("_label", 28),
    ("reasons", 48),
    ("_id", 10),
)
# zlib's fastest level: the default (6) took three times as long for a zip not a third smaller
# (docs/benchmarks.md, "Why the code is as it is").
ZIP_LEVEL: Final = 1
COPY_CHUNK: Final = 1 << 20


@dataclass(frozen=True)
class Sheet:
    """One kind of record: its name (file, sheet and JSON key), its columns, and how to stream them."""

    name: str
    columns: tuple[str, ...]
    batches: Callable[[], AsyncGenerator[Batch]]
    # CSV only: more of the sheet's records, written by another process (bot.exporting.Helper) as
    # CSV lines in UTF-8 into a file, with their number; appended after the sheet's own batches.
    rest: Callable[[], Awaitable[tuple[Path, int]]] | None = None
    timed: frozenset[str] = frozenset()  # its columns of times


@dataclass(frozen=True)
class Export:
    """What one export holds; `progress(n)` is told whenever n more records were written."""

    exported_at: datetime
    since: datetime | None
    until: datetime | None
    summary: Mapping[str, int]
    sheets: Sequence[Sheet]
    progress: Callable[[int], object] | None = None
    time_zone: str | None = None  # the zone of its times (None: UTC)


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

    Told in C before a Python step per value: the column's texts joined, one to a line, and
    searched once for a line starting a formula (a text holding a line break may be a false alarm:
    then each text is looked at).
    """
    texts = _texts(column)
    if not texts or not _LINE_STARTING_FORMULA.search("\n" + "\n".join(texts)):
        return column
    return [escape_formula(value) if type(value) is str else value for value in column]


def records(batch: Batch) -> Iterator[tuple[Value, ...]]:
    return zip(*batch, strict=True)


async def _batches(export: Export, sheet: Sheet) -> AsyncGenerator[Batch]:
    async with aclosing(sheet.batches()) as stream:  # closed (its query too) when this is, not when collected
        async for batch in stream:
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


class _WritingStopped(Exception):
    """Raised in the writing thread when the export was cancelled, so that the file is not finished."""


class _Reading:
    """The sheets' batches, read on the event loop and handed to the thread writing the XLSX.

    The next batch is read (SQLite's work outside the GIL) while the thread writes the one before
    (rust_xlsxwriter's work outside it too), so the two overlap instead of taking turns: 12.3 s
    instead of 14.0 s for 100,000 participants, back to back. `convert` prepares each batch on the
    loop's side.
    """

    def __init__(self, export: Export, convert: Callable[[Sequence[Value]], Sequence[Value]]) -> None:
        self.loop = asyncio.get_running_loop()
        self.streams = {sheet.name: _batches(export, sheet) for sheet in export.sheets}
        self.convert = convert
        self.stop = threading.Event()  # set when the writing is cancelled: the thread stops reading

    def batches(self, sheet: Sheet) -> Iterator[Batch]:
        """In the writing thread: the sheet's batches, converted, the next one read ahead."""
        coming = asyncio.run_coroutine_threadsafe(self._next(sheet), self.loop)
        try:
            while batch := coming.result():
                if self.stop.is_set():
                    raise _WritingStopped  # the workbook is left unfinished, not closed as if whole
                coming = asyncio.run_coroutine_threadsafe(self._next(sheet), self.loop)
                yield batch
        finally:
            # A batch still being read when the writing ends is waited for: the streams are
            # closed only after the thread ends, and must not be reading then.
            concurrent.futures.wait([coming])

    async def _next(self, sheet: Sheet) -> Batch | None:
        batch = await anext(self.streams[sheet.name], None)
        return None if batch is None else [self.convert(column) for column in batch]

    async def write(self, writing: Callable[[], object]) -> None:
        """`writing()` run in a worker thread; cancelled, it is told to stop and waited for (it ends
        at once) before the streams are closed."""
        written = asyncio.ensure_future(asyncio.to_thread(writing))
        try:
            await asyncio.shield(written)
        finally:
            self.stop.set()
            await asyncio.wait({written})
            if not written.cancelled():
                written.exception()  # _WritingStopped, once cancelled: expected, not to be logged
            for stream in self.streams.values():
                await stream.aclose()


async def _write_csv_file(export: Export, sheet: Sheet, out: io.TextIOWrapper) -> int:
    csv.writer(out).writerow(sheet.columns)
    count = await write_csv_rows(export, sheet, out)
    if sheet.rest is not None:
        rest, more = await sheet.rest()
        out.flush()  # what the writer holds goes first; the rest is UTF-8 already
        with rest.open("rb") as lines:
            shutil.copyfileobj(lines, out.buffer, COPY_CHUNK)
        if export.progress is not None:
            export.progress(more)
        count += more
    return count


async def write_csv_rows(export: Export, sheet: Sheet, out: IO[str]) -> int:
    """The sheet's own records as CSV lines, no header; how many."""
    # On the loop, not in a thread beside it as the XLSX is: the csv writer holds the GIL, and the
    # two threads taking turns with it cost more than reading ahead won (docs/benchmarks.md).
    writer = csv.writer(out)  # writes None as an empty field
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
    """summary.csv and one <sheet>.csv per kind, UTF-8 with a BOM (Excel then reads it right); texts escaped.

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
    private_folder(folder)
    counts: dict[str, int] = {}
    for name in [SUMMARY, *(sheet.name for sheet in export.sheets)]:
        part = folder / f"{name}.csv.part"
        with open(part, "w", encoding="utf-8-sig", newline="", opener=private_opener) as out:
            if name == SUMMARY:
                _write_csv_summary(export, out)
            else:
                sheet = next(sheet for sheet in export.sheets if sheet.name == name)
                counts[name] = await _write_csv_file(export, sheet, out)
        part.replace(folder / f"{name}.csv")
    return counts


async def write_xlsx(
    export: Export, target: Path | IO[bytes], about: Sequence[Mapping[str, str]] = ()
) -> dict[str, int]:
    """A workbook: the "summary" sheet, one sheet per kind, then `about` (what each sheet and column
    holds, in the reader's language) if given; on each a bold frozen header row with filters.

    Written by rust_xlsxwriter (rustpy-xlsxwriter) in its constant-memory mode, each row to a
    temporary file as it comes: XlsxWriter's Python took about 10 µs a cell, three quarters of the
    time of an export of 4.5 million cells. It pulls each sheet's records from a generator, run in
    a worker thread here while the loop reads (`_Reading`). Texts are written as strings (never run
    as formulas: no apostrophe is needed), numbers as numbers, times as date-time cells in the
    export's time zone, which their column's header names. Column widths are set from each
    column's kind beforehand: a streamed sheet cannot be measured once written.
    """
    reading = _Reading(export, _xlsx_column)
    counts = dict.fromkeys(reading.streams, 0)

    def records_of(sheet: Sheet, header: tuple[str, ...]) -> Iterator[dict[str, Value]]:
        for batch in reading.batches(sheet):
            counts[sheet.name] += len(batch[0])
            if counts[sheet.name] >= XLSX_MAX_ROWS:
                raise ValueError(f"more {sheet.name} than an XLSX sheet holds; export as csv")
            # Each record's keys in the sheet's order: the header is the first record's keys, and
            # the values are taken in order, not by name.
            yield from map(dict, map(partial(zip, header), records(batch)))
        if counts[sheet.name] == 0:
            yield dict.fromkeys(header)  # the header alone: an empty record writes no cell

    headers = {sheet.name: _xlsx_header(sheet.columns, sheet.timed, export.time_zone) for sheet in export.sheets}
    summary_header = _xlsx_header(SUMMARY_COLUMNS, BOUNDS, export.time_zone)
    summary = [dict(zip(summary_header, row, strict=True)) for row in _xlsx_summary_rows(export)]
    sheets: list[tuple[str, Any]] = [(SUMMARY, summary)]
    sheets += [(sheet.name, records_of(sheet, headers[sheet.name])) for sheet in export.sheets]
    widths: dict[str, dict[str, float] | list[float]] = {
        SUMMARY: [_width(*pair) for pair in zip(SUMMARY_COLUMNS, summary_header, strict=True)]
    }
    widths |= {
        sheet.name: [_width(*pair) for pair in zip(sheet.columns, headers[sheet.name], strict=True)]
        for sheet in export.sheets
    }
    if about:  # its sheet and column names, then what they hold
        sheets.append((ABOUT, list(about)))
        widths[ABOUT] = [*ABOUT_WIDTHS[: len(about[0]) - 1], ABOUT_WIDTHS[-1]]
    if isinstance(target, Path):
        create_private(target)  # rust_xlsxwriter rewrites a file in place, keeping its mode
    await reading.write(
        partial(
            rustpy_xlsxwriter.write_worksheets,
            sheets,
            str(target) if isinstance(target, Path) else cast(BinaryIO, target),
            bold_headers=True,
            freeze_panes={"general": {"row": 1, "col": 0}},
            autofilter={name: True for name, _ in sheets},
            column_widths=widths,
            datetime_format=XLSX_TIME,
            autofit=False,
        )
    )
    return counts


def _xlsx_summary_rows(export: Export) -> list[tuple[Value, ...]]:
    """The summary's rows, the period's bounds as date-time cells in the export's zone, if it has one."""
    if export.time_zone is None:
        return summary_rows(export)
    zone = ZoneInfo(export.time_zone)
    since, until = (
        None if bound is None else bound.astimezone(zone).replace(tzinfo=None) for bound in (export.since, export.until)
    )
    return [(measure, count, since, until) for measure, count in export.summary.items()]


def _xlsx_header(columns: tuple[str, ...], timed: frozenset[str], time_zone: str | None) -> tuple[str, ...]:
    """A sheet's columns, each time column's naming its zone: `created_at (America/Toronto)` (no
    zone: its times are ISO 8601 texts, which say their offset)."""
    if time_zone is None:
        return columns
    return tuple(f"{name} ({time_zone})" if name in timed else name for name in columns)


def _width(name: str, header: str) -> float:
    """A column's width in characters, by what it holds: the header fits, with its filter's button."""
    held = next((width for ending, width in WIDTHS if name.endswith(ending)), 18 if name.startswith("answer_") else 12)
    return float(max(len(header) + 4, held))


def _texts(column: Sequence[Value]) -> list[str]:
    kinds = set(map(type, column))
    if str not in kinds:
        return []
    if kinds <= _TEXTS:  # texts and None: the texts taken in C
        return cast(list[str], list(filter(None, column)))
    return [value for value in column if type(value) is str]


def _xlsx_column(column: Sequence[Value]) -> Sequence[Value]:
    """A column as cells, as XlsxWriter wrote them: texts cut at 32,767 characters (a cell's limit,
    which rust_xlsxwriter enforces by failing), True and False as the numbers 1 and 0. A text cell is
    never a formula in a workbook, so it is not escaped as in CSV."""
    if bool in set(map(type, column)):
        column = [int(value) if type(value) is bool else value for value in column]
    if max(map(len, _texts(column)), default=0) > XLSX_MAX_TEXT:
        column = [value[:XLSX_MAX_TEXT] if type(value) is str else value for value in column]
    return column
