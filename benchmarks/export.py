"""4. Export: every record of a big program as CSV (a zip) and as XLSX, time and peak memory.

The program: 100,000 participants (--tiny: 500) over two years, every one with their form's answers,
and 40,000 proposals (--tiny: 200) with the meetings, follow-ups and referrals they led to. Each
export runs `frontdoor export`'s own code (bot.commands.export) in a fresh process, as a coordinator
runs it; the time is that call's (the database opened and checked, every record read and written,
the file in place), the memory is the process's peak resident set (Python and every import
included), plus its helper's for the CSV (bot.exporting.Helper, a second process, writes half of
it). The process's whole wall time, start-up included, is given beside it.

Then a coordinator asks for each in chat, on a copy of the program, as the running bot serves it:
the request handled, the job runner making the file (in a process of its own, bot.exporting) and
queuing it. What is measured is the bot's longest pause meanwhile: the longest its event loop did
not run, when nobody's update could be handled.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import Figure, scratch, sized, sqlite_url

NAME = "export"
TARGETS = {"csv": 3.0, "xlsx": 15.0}
TARGET_MB = 200.0
ROOT = Path(__file__).resolve().parent.parent
COORDINATOR = 1  # a Telegram user id no participant of the population has


@dataclass(frozen=True)
class Size:
    participants: int
    matches: int


FULL = Size(participants=100_000, matches=40_000)
TINY = Size(participants=500, matches=200)


async def build_program(path: Path, size: Size) -> dict[str, int]:
    from benchmarks import population
    from handlers.core.program import load_program
    from storage.database import open_engine, upgrade

    engine = open_engine(sqlite_url(path))
    try:
        await upgrade(engine)
        now = datetime.now(UTC)
        connectees = size.participants * 3 // 4
        people = await population.people(
            engine,
            load_program(),
            connectees=connectees,
            connectors=size.participants - connectees,
            now=now,
            mixed=True,
        )
        counts = people.counts | await population.history(engine, people, matches=size.matches, now=now)
    finally:
        await engine.dispose()
    return counts


async def program_at(path: Path, size: Size) -> tuple[dict[str, int], str]:
    """The program's database at `path` and its counts: built, or the one a kept folder holds already.

    With FRONTDOOR_BENCH_DIR the database and a note of the size it was built for are kept (the
    exports only read it), so that the next run of the same size skips the minute of building.
    """
    note = path.with_suffix(".json")
    if path.exists() and note.exists():
        kept = json.loads(note.read_text())
        if kept.get("size") == asdict(size):
            return kept["counts"], "reused from the last run"
    path.unlink(missing_ok=True)
    note.unlink(missing_ok=True)
    started = time.perf_counter()
    counts = await build_program(path, size)
    built = time.perf_counter() - started
    note.write_text(json.dumps({"size": asdict(size), "counts": counts}))
    return counts, f"written in {built:.0f} s"


def _child(url: str, kind: str, out: str) -> None:
    """In the fresh process: `frontdoor export --format KIND --out OUT`'s work, timed; JSON on stdout."""
    from bot import commands
    from bot.config import Settings

    started = time.perf_counter()
    asyncio.run(commands.export(Settings(database_url=url), kind=kind, out=Path(out), since=None, until=None))
    seconds = time.perf_counter() - started
    helper = helper_peak_kb()
    print(json.dumps({"seconds": seconds, "peak_mb": (peak_resident_kb() + helper) / 1024, "helper_mb": helper / 1024}))


def helper_peak_kb() -> int:
    """The peak resident set of the export's helper process (bot.exporting.Helper; a CSV export
    has one), in KiB: the largest of this process's children that ended, 0 if none did. The helper
    is forked from this process: the pages the two share count in each, so the sum of their peaks
    is more than they held together."""
    import resource

    return max_rss_kb(resource.RUSAGE_CHILDREN)


def peak_resident_kb() -> int:
    """This process's own peak resident set, in KiB.

    Not getrusage's ru_maxrss: on Linux that survives exec, so a child forked from the benchmark
    (which holds the whole population, ~500 MB) would report the parent's peak, not its own.
    VmHWM in /proc/self/status starts afresh at exec: it is this program's peak alone.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource  # not Linux: the best there is

    return max_rss_kb(resource.RUSAGE_SELF)


def max_rss_kb(who: int) -> int:
    """getrusage's ru_maxrss for `who`, in KiB (it is KiB on Linux, bytes on macOS)."""
    import resource

    peak = resource.getrusage(who).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def export_in_child(url: str, kind: str, out: Path) -> dict[str, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.export", "--child", url, kind, str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"export {kind} failed:\n{stderr.decode()[-2000:]}")
    measured: dict[str, float] = json.loads(stdout.decode().strip().splitlines()[-1])
    return measured | {"wall": wall, "bytes": out.stat().st_size}


async def run(tiny: bool = False, **overrides: float) -> list[Figure]:
    size = sized(FULL, TINY, tiny, overrides)
    figures: list[Figure] = []
    with scratch(NAME, reuse=("program.db", "program.db-wal", "program.db-shm", "program.json")) as folder:
        database = folder / "program.db"
        counts, built = await program_at(database, size)
        described = ", ".join(f"{count:,} {name}" for name, count in counts.items())
        peaks: list[float] = []
        for kind, suffix in (("csv", "zip"), ("xlsx", "xlsx")):
            result = export_in_child(sqlite_url(database), kind, folder / f"export.{suffix}")
            peaks.append(result["peak_mb"])
            helper = f", its helper process's {result['helper_mb']:.0f} MB included" if result["helper_mb"] else ""
            note = (
                f"{result['bytes'] / 1e6:,.1f} MB file; the whole process {result['wall']:.2f} s, start-up included; "
                f"peak {result['peak_mb']:.0f} MB{helper}"
            )
            if kind == "csv":
                note += f"\n      program: {described} ({built})"
            figures.append(
                Figure(NAME, f"{kind.upper()} export", result["seconds"], "s", TARGETS[kind], False, note=note)
            )
        figures.append(Figure(NAME, "peak memory (either export)", max(peaks), "MB", TARGET_MB, higher_is_better=False))
        for kind in ("csv", "xlsx"):
            pause, took = await export_in_chat(database, folder / "chat.db", kind)
            note = f"the file queued for the coordinator {took:.1f} s after they asked"
            figures.append(Figure(NAME, f"in chat, {kind.upper()}: bot's longest pause", pause * 1000, "ms", note=note))
    return figures


async def export_in_chat(database: Path, copy: Path, kind: str) -> tuple[float, float]:
    """A coordinator's `/export KIND` on a copy of the program (the request and the job write):
    the event loop's longest pause, and the seconds from the request to the file in the outbox."""
    from bot.app import Frontdoor
    from bot.channels import TELEGRAM
    from handlers.core.events import Event, EventKind
    from handlers.core.program import load_program
    from storage.consents import numbered_consents
    from storage.database import open_engine, session_factory, upgrade

    with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    engine = open_engine(sqlite_url(copy))
    await upgrade(engine)  # as the bot does when it starts: the kept program may be older than the code
    program = await numbered_consents(session_factory(engine), load_program(), datetime.now(UTC))
    app = Frontdoor(program, engine, coordinators=frozenset({COORDINATOR}))
    longest = 0.0
    done = asyncio.Event()

    async def watch() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            longest, last = max(longest, now - last), now

    watching = asyncio.create_task(watch())
    started = time.perf_counter()
    try:
        asked = Event(1, COORDINATOR, COORDINATOR, EventKind.COMMAND, text="export", args=kind)
        await app.handle(TELEGRAM, asked)
        run = await app.run_jobs(TELEGRAM)
        took = time.perf_counter() - started
        if COORDINATOR not in run.chats:
            raise RuntimeError(f"the in-chat {kind} export sent nothing: {run}")
    finally:
        done.set()
        await watching
        await app.close()
        copy.unlink()
    return longest, took


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    _child(*sys.argv[2:5])
