"""Exports made in a process of their own: a coordinator's in chat, while the bot goes on serving.

An export of a big program reads and writes for seconds (about 10 s at 100,000 participants). In
the bot's process that would stop its event loop for as long, and everyone's replies with it; and
inside a transaction of the bot's it would hold SQLite's write lock. A child process reads a
snapshot of its own instead (`snapshot`: a plain BEGIN on SQLite, which never takes the write
lock), on the other core, and writes the file; the bot only waits for it, asleep.

`python -m bot.exporting` is the child: it reads its request (database, format, file, time,
answer columns) as JSON on standard input, so that no password in a database URL shows in the
list of processes.

A CSV export is written by two processes, one per core (`Helper`, forked): each reads half the
participants, and the helper the meetings, follow-ups and referrals too, from one snapshot shared
between them; its CSV lines are appended to the file the other writes. The XLSX is one workbook
written in order, and rust_xlsxwriter's part of it already runs outside the GIL; the JSON goes to
standard output or a coordinator's chat, where nobody waits for it.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import traceback
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.export_process import CHILD_SECONDS, PARTICIPANTS, ExportFailed
from bot.reporting import program_of, write_requested_report
from handlers.matching.reasons import stored_in_words
from storage.database import open_engine, session_factory
from storage.export import (
    AS_STORED,
    Ids,
    Period,
    Reasons,
    Shape,
    export_of,
    participant_at,
    shape_for,
    sheets,
)
from storage.export_about import about_sheet
from storage.export_formats import Batch, Export, write_csv, write_csv_rows, write_json, write_xlsx
from storage.private_files import private_opener
from storage.tables import ParticipantRow

log = logging.getLogger(__name__)

CHILD_NICENESS: Final = 10
HELPER_SHEETS: Final = frozenset({PARTICIPANTS, "meetings", "follow_ups", "referrals"})
# The first process's part of the participants. It also writes the matches and compresses the whole
# zip, the helper's lines too, while the helper writes the other three kinds: with half each, both
# end at about the same time (docs/benchmarks.md, "Why the code is as it is").
OWN_SHARE: Final = 0.5
HELPER_ENDING_SECONDS: Final = 10.0  # a helper that wrote its part only closes its transaction
# How long the export holds SQLite's write lock at most while the helper begins reading (it takes
# milliseconds): nobody can write meanwhile, so a helper this slow fails the export instead.
LOCKED_SECONDS: Final = 5.0
FORKING: Final = multiprocessing.get_context("fork")
SNAPSHOT_ID: Final = re.compile("[0-9A-F]+(-[0-9A-F]+)+")


@asynccontextmanager
async def snapshot(database_url: str, helper: Helper | None = None) -> AsyncIterator[AsyncSession]:
    """A read-only transaction on its own engine: every record as of its start, however long the reading.

    SQLite's transactions are snapshots already; PostgreSQL's default (READ COMMITTED) would let each
    query see what was committed meanwhile, and a match could then name a participant the export lacks.
    With a `helper`, its snapshot is this one.
    """
    isolation = {} if database_url.startswith("sqlite") else {"isolation_level": "REPEATABLE READ"}
    reader = open_engine(database_url, reading=True, **isolation)
    # An export makes millions of lists, dicts and texts, none in a cycle, each freed as soon as it
    # is written: the garbage collector's passes over them found nothing and cost time (docs/benchmarks.md).
    gc.disable()
    try:
        async with session_factory(reader)() as session, session.begin():
            if helper is not None:
                await helper.share(session)
            yield session
    finally:
        gc.enable()
        await reader.dispose()


async def _begin_reading(session: AsyncSession) -> None:
    # SQLite takes a reading transaction's snapshot at its first read, not at BEGIN.
    await session.execute(select(ParticipantRow.id).limit(1))


class Helper:
    """A second process writing part of a CSV export, from the same snapshot as the first.

    The export reads and writes in Python for seconds, on one core: two processes halve it. The
    helper is this process forked as the export begins, before it opens the database: it starts
    in milliseconds, with every module already imported (a fresh interpreter took 0.5 s, for which
    the export would wait). It opens the database only when `share` asks, once the export has
    opened it and brought its schema up to date: before, it could meet the migrations writing a new
    SQLite file ("database is locked"). Then `share` makes its snapshot the export's own, and `take_part` gives
    it the participants above the middle one, the meetings, the follow-ups and the referrals: it
    writes their CSV lines to files, which the export appends where they belong (`Sheet.rest`).
    The two talk through a pipe, a message at a time.
    """

    def __init__(self, database_url: str, process: BaseProcess, connection: Connection, folder: Path) -> None:
        self.database_url = database_url
        self.process = process
        self.connection = connection
        self.folder = folder
        self.written: dict[str, int] = {}

    @classmethod
    def start(cls, database_url: str) -> Helper:
        folder = Path(tempfile.mkdtemp(prefix="frontdoor-export-"))
        ours, theirs = FORKING.Pipe()
        process = FORKING.Process(target=_help, args=(theirs, database_url, folder), name="export-helper", daemon=True)
        process.start()
        theirs.close()  # the helper's end is the helper's alone: when it ends, ours reads end of file
        return cls(database_url, process, ours, folder)

    async def share(self, session: AsyncSession) -> None:
        """The helper's reading transaction made to see exactly what `session`'s sees, before either reads."""
        self.connection.send({"connect": True})
        await self._hear("connected")
        if session.get_bind().dialect.name == "postgresql":
            self.connection.send({"snapshot": await session.scalar(text("SELECT pg_export_snapshot()"))})
            await self._hear("reading")
            return
        # SQLite cannot hand a snapshot over, but two taken while nobody can commit are the same one:
        # the write lock is held for the moment both begin (milliseconds; writers wait for it).
        writer = open_engine(self.database_url)
        try:
            async with writer.connect() as lock, lock.begin():
                await _begin_reading(session)
                self.connection.send({"snapshot": None})
                await self._hear("reading", LOCKED_SECONDS)
        finally:
            await writer.dispose()

    async def take_part(
        self,
        session: AsyncSession,
        source: Export,
        keys: Sequence[str],
        reasons: Reasons | None = None,
        shape: Shape = AS_STORED,
    ) -> Export:
        """`source` (made with `reasons` and `shape`) with the helper's part handed over: the
        participants from the middle one on, and the sheets it writes whole, each appended after
        what this process writes of the sheet."""
        period = Period(source.since, source.until)
        middle = await participant_at(session, period, OWN_SHARE)  # None: no participant for either
        self.connection.send({"keys": list(keys), "period": period, "after": middle, "shape": shape})
        mine = sheets(session, keys, period, Ids(through=middle), reasons, shape)
        parts = [
            replace(own, rest=partial(self._rows, own.name), batches=own.batches if own.name == PARTICIPANTS else _none)
            if own.name in HELPER_SHEETS
            else own
            for own in mine
        ]
        return replace(source, sheets=parts)

    async def close(self, *, finished: bool) -> None:
        """After a finished export, the helper is let end its transaction and exit; otherwise it is
        stopped. Its files are removed either way."""
        try:
            if finished:
                await asyncio.wait_for(asyncio.to_thread(self.process.join), HELPER_ENDING_SECONDS)
        finally:
            if self.process.exitcode is None:
                self.process.kill()
            await asyncio.to_thread(self.process.join)  # a message still awaited then reads end of file
            self.connection.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    async def _rows(self, sheet: str) -> tuple[Path, int]:
        while sheet not in self.written:
            self.written.update(await self._heard())
        return self.folder / f"{sheet}.csv", self.written[sheet]

    async def _hear(self, expected: str, seconds: float = CHILD_SECONDS) -> None:
        if (said := await self._heard(seconds)) != {"said": expected}:
            raise ExportFailed(f"the export's helper said {said!r} where {expected!r} was expected")

    async def _heard(self, seconds: float = CHILD_SECONDS) -> dict[str, Any]:
        try:
            message: dict[str, Any] = await asyncio.wait_for(asyncio.to_thread(self.connection.recv), seconds)
        except TimeoutError:
            raise ExportFailed(f"the export's helper said nothing for {seconds:g} s") from None
        except EOFError:
            raise ExportFailed(f"the export's helper ended with {self.process.exitcode}, saying nothing") from None
        if "failed" in message:
            log.error("the export's helper failed:\n%s", message["failed"])
            raise ExportFailed(f"the export's helper failed: {message['failed'].strip().splitlines()[-1]}")
        return message


@asynccontextmanager
async def helping(database_url: str, kind: str, out: Path | None) -> AsyncIterator[Helper | None]:
    """A helper for an export of `kind` to `out`, if it can use one (a CSV file or folder), closed afterwards.

    Entered before anything else of the export, so that the helper is forked while this process
    holds no database connection and runs no thread but its own.
    """
    if kind != "csv" or out is None:
        yield None
        return
    helper = Helper.start(database_url)
    try:
        yield helper
    except BaseException:
        await helper.close(finished=False)
        raise
    await helper.close(finished=True)


async def _none() -> AsyncGenerator[Batch]:
    return
    yield  # an async generator of no batches


def _help(connection: Connection, database_url: str, folder: Path) -> None:
    """The helper process: `_helping`, and what went wrong, if anything, told to the export."""
    try:
        asyncio.run(_helping(connection, database_url, folder))
    except BaseException:
        connection.send({"failed": traceback.format_exc()})
        sys.exit(1)


async def _helping(connection: Connection, database_url: str, folder: Path) -> None:
    connection.recv()  # asked to connect (Helper.share): the database is ready
    async with snapshot(database_url) as session:
        await session.connection()
        connection.send({"said": "connected"})
        exported = connection.recv()["snapshot"]  # nothing else to do meanwhile: it waits
        if exported is not None:  # PostgreSQL's snapshot id, e.g. 00000003-0000001B-1: checked, as it is not bound
            if not SNAPSHOT_ID.fullmatch(exported):
                raise ValueError(f"not a snapshot id: {exported!r}")
            await session.execute(text(f"SET TRANSACTION SNAPSHOT '{exported}'"))
        await _begin_reading(session)
        connection.send({"said": "reading"})
        part = connection.recv()
        period: Period = part["period"]
        source = Export(datetime.now(UTC), period.since, period.until, {}, [])
        for sheet in sheets(session, part["keys"], period, Ids(after=part["after"]), shape=part["shape"]):
            if sheet.name in HELPER_SHEETS:
                lines = folder / f"{sheet.name}.csv"
                with open(lines, "w", encoding="utf-8", newline="", opener=private_opener) as out:
                    count = await write_csv_rows(source, sheet, out)
                connection.send({sheet.name: count})  # once the file is closed, all of it written


async def write_export(
    kind: str, source: Export, out: Path | None, about: Sequence[Mapping[str, str]] = ()
) -> dict[str, int]:
    """A single file is written under a .part name and renamed when complete; a folder file by file.

    Every file is private (0600) from its creation on, whatever the umask: it holds everyone's data.

    `out` None: JSON on standard output.
    """
    if out is None:
        return await write_json(source, sys.stdout)
    if kind == "csv" and out.suffix.lower() != ".zip":
        return await write_csv(source, out)
    temporary = out.with_name(out.name + ".part")
    try:
        if kind == "json":
            with open(temporary, "w", encoding="utf-8", opener=private_opener) as text:
                counts = await write_json(source, text)
        elif kind == "xlsx":
            counts = await write_xlsx(
                source, temporary, about
            )  # a path: given a file, it would hold the workbook in memory
        else:
            with open(temporary, "wb", opener=private_opener) as binary:
                counts = await write_csv(source, binary)
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    return counts


async def _child(request: dict[str, Any]) -> None:
    if "report" in request:  # the monthly report: a few dozen rows of figures
        async with snapshot(str(request["database_url"])) as session:
            rows = await write_requested_report(session, request)
        print(json.dumps({"rows": rows}))
        return
    now = datetime.fromisoformat(str(request["now"]))
    database_url, kind, keys = str(request["database_url"]), str(request["kind"]), list(request["keys"])
    out = Path(str(request["out"]))
    program, t = program_of(request)
    reasons = stored_in_words(t, program) if "program_file" in request else None
    shape = shape_for(kind, program, t, keys)
    async with helping(database_url, kind, out) as helper, snapshot(database_url, helper) as session:
        source = await export_of(session, keys, Period(), now, reasons=reasons, shape=shape)
        source = source if helper is None else await helper.take_part(session, source, keys, reasons, shape)
        counts = await write_export(kind, source, out, about_sheet(t, source))
    print(json.dumps(counts))  # for the parent's audit of what left the program


if __name__ == "__main__":
    # Behind the bot for the CPU: where both want the same core, people's replies come first and
    # the export, which nobody watches move, a little later.
    os.nice(CHILD_NICENESS)
    asyncio.run(_child(json.loads(sys.stdin.read())))
