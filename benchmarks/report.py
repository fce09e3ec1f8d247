"""9. The monthly report for funders at 100,000 participants: `frontdoor report`'s work, timed.

The program is the export benchmark's (benchmarks/export.py: 100,000 participants over two years,
40,000 proposals with their meetings, follow-ups and referrals; --tiny: 500). The report of last
month is made as `frontdoor report --format xlsx` makes it (bot.commands.report: the database
opened, every figure counted by it, the workbook written), once, in this process.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import Figure, scratch, sized, sqlite_url
from benchmarks.export import FULL, TINY, program_at

NAME = "report"
TARGET = 5.0


async def run(tiny: bool = False, **overrides: float) -> list[Figure]:
    from bot import commands
    from bot.config import Settings
    from storage.report import Month

    size = sized(FULL, TINY, tiny, overrides)
    with scratch(NAME, reuse=("program.db", "program.db-wal", "program.db-shm", "program.json")) as folder:
        database = folder / "program.db"
        counts, built = await program_at(database, size)
        now = datetime.now(UTC)
        month = Month(now.year, now.month, "America/Toronto").shifted(-1)
        out = Path(folder) / "report.xlsx"
        started = time.perf_counter()
        await commands.report(
            Settings(database_url=sqlite_url(database)), month=month, kind="xlsx", out=out, language="en"
        )
        seconds = time.perf_counter() - started
    described = ", ".join(f"{count:,} {name}" for name, count in counts.items())
    note = f"the report of {month}; program: {described} ({built})"
    return [Figure(NAME, "monthly report, XLSX", seconds, "s", TARGET, False, note=note)]
