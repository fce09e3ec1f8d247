"""4. Export: every record of a big program as CSV (a zip) and as XLSX, time and peak memory.

The program: 100,000 participants (--tiny: 500) over two years, every one with their form's answers,
and 40,000 proposals (--tiny: 200) with the meetings, follow-ups and referrals they led to. Each
export runs `frontdoor export`'s own code (bot.commands.export) in a fresh process, as a coordinator
runs it; the time is that call's (the database opened and checked, every record read and written,
the file in place), the memory is the process's peak resident set (Python and every import
included). The process's whole wall time, start-up included, is given beside it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import Figure, scratch, sized, sqlite_url

NAME = "export"
TARGETS = {"csv": 3.0, "xlsx": 15.0}
TARGET_MB = 200.0
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Size:
    participants: int
    matches: int


FULL = Size(participants=100_000, matches=40_000)
TINY = Size(participants=500, matches=200)


async def build_program(path: Path, size: Size) -> dict[str, int]:
    from benchmarks import population
    from handlers.program import load_program
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
    print(json.dumps({"seconds": seconds, "peak_mb": peak_resident_kb() / 1024}))


def peak_resident_kb() -> int:
    """This process's own peak resident set, in KiB.

    Not getrusage's ru_maxrss: on Linux that survives exec, so a child forked from the benchmark
    (which holds the whole population, ~500 MB) would report the parent's peak, not its own.
    VmHWM in /proc/self/status starts afresh at exec: it is this program's peak alone.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource  # not Linux: the best there is (ru_maxrss is KiB on Linux, bytes on macOS)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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
            note = (
                f"{result['bytes'] / 1e6:,.1f} MB file; the whole process {result['wall']:.2f} s, start-up included; "
                f"peak {result['peak_mb']:.0f} MB"
            )
            if kind == "csv":
                note += f"\n      program: {described} ({built})"
            figures.append(
                Figure(NAME, f"{kind.upper()} export", result["seconds"], "s", TARGETS[kind], False, note=note)
            )
    figures.append(Figure(NAME, "peak memory (either export)", max(peaks), "MB", TARGET_MB, higher_is_better=False))
    return figures


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    _child(*sys.argv[2:5])
