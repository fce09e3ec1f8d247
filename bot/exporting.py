"""Exports made in a process of their own: a coordinator's in chat, while the bot goes on serving.

An export of a big program reads and writes for seconds (about 10 s at 100,000 participants). In
the bot's process that would stop its event loop for as long, and everyone's replies with it; and
inside a transaction of the bot's it would hold SQLite's write lock. A child process reads a
snapshot of its own instead (`snapshot`: a plain BEGIN on SQLite, which never takes the write
lock), on the other core, and writes the file; the bot only waits for it, asleep.

`python -m bot.exporting` is the child: it reads its request (database, format, file, time,
answer columns) as JSON on standard input, so that no password in a database URL shows in the
list of processes.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.events import Document
from storage.database import open_engine, session_factory
from storage.export import SUFFIXES, Period, export_of
from storage.export_formats import Export, write_csv, write_json, write_xlsx

log = logging.getLogger(__name__)

# Far beyond a big program's export (seconds); a child still running then is stuck, and stopped.
CHILD_SECONDS: Final = 600.0
CHILD_NICENESS: Final = 10


class ExportFailed(RuntimeError):
    """The child process did not write the export; the message ends with what it printed last."""


@asynccontextmanager
async def snapshot(database_url: str) -> AsyncIterator[AsyncSession]:
    """A read-only transaction on its own engine: every record as of its start, however long the reading.

    SQLite's transactions are snapshots already; PostgreSQL's default (READ COMMITTED) would let each
    query see what was committed meanwhile, and a match could then name a participant the export lacks.
    """
    isolation = {} if database_url.startswith("sqlite") else {"isolation_level": "REPEATABLE READ"}
    reader = open_engine(database_url, reading=True, **isolation)
    # An export makes millions of lists, dicts and texts, none in a cycle, each freed as soon as it
    # is written: the garbage collector's passes over them found nothing and cost some 15% of the time.
    gc.disable()
    try:
        async with session_factory(reader)() as session, session.begin():
            yield session
    finally:
        gc.enable()
        await reader.dispose()


async def write_export(kind: str, source: Export, out: Path | None) -> dict[str, int]:
    """A single file is written under a .part name and renamed when complete; a folder file by file.

    `out` None: JSON on standard output.
    """
    if out is None:
        return await write_json(source, sys.stdout)
    if kind == "csv" and out.suffix.lower() != ".zip":
        return await write_csv(source, out)
    temporary = out.with_name(out.name + ".part")
    try:
        if kind == "json":
            with temporary.open("w", encoding="utf-8") as text:
                counts = await write_json(source, text)
        elif kind == "xlsx":
            counts = await write_xlsx(source, temporary)  # a path: given a file, it would hold the workbook in memory
        else:
            with temporary.open("wb") as binary:
                counts = await write_csv(source, binary)
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    return counts


class ExportProcess:
    """The whole export as one document for a coordinator's chat, made by `python -m bot.exporting`."""

    def __init__(self, database_url: str, keys: Sequence[str]) -> None:
        self.database_url = database_url
        self.keys = list(keys)

    async def document(self, kind: str, now: datetime) -> Document:
        """Every record as `kind` (csv: a zip of CSV files, xlsx, json), as of `now`; the bot's loop stays free."""
        if kind not in SUFFIXES:
            raise ValueError(f"no export format {kind!r}; one of {', '.join(SUFFIXES)}")
        filename = f"frontdoor-export-{now.date().isoformat()}.{SUFFIXES[kind]}"
        with tempfile.TemporaryDirectory(prefix="frontdoor-export-") as folder:
            out = Path(folder) / filename
            request = {"database_url": self.database_url, "kind": kind, "out": str(out), "now": now.isoformat()}
            await self._run(json.dumps(request | {"keys": self.keys}).encode())
            return Document(filename, await asyncio.to_thread(out.read_bytes))

    async def _run(self, request: bytes) -> None:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.exporting",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, printed = await asyncio.wait_for(child.communicate(request), timeout=CHILD_SECONDS)
        except BaseException:  # stuck, or the bot is stopping: the child must not outlive the wait
            if child.returncode is None:
                child.kill()
                await child.wait()
            raise
        if child.returncode != 0:
            told = printed.decode(errors="replace").strip() or "(nothing)"
            log.error("the export process ended with %s, saying:\n%s", child.returncode, told)
            raise ExportFailed(f"the export process ended with {child.returncode}: {told.splitlines()[-1]}")


async def _child(request: dict[str, str | list[str]]) -> None:
    now = datetime.fromisoformat(str(request["now"]))
    async with snapshot(str(request["database_url"])) as session:
        source = await export_of(session, list(request["keys"]), Period(), now)
        await write_export(str(request["kind"]), source, Path(str(request["out"])))


if __name__ == "__main__":
    # Behind the bot for the CPU: where both want the same core, people's replies come first and
    # the export, which nobody watches move, a little later.
    os.nice(CHILD_NICENESS)
    asyncio.run(_child(json.loads(sys.stdin.read())))
