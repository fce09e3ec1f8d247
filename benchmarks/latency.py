"""2. Latency at a steady 200 updates a second: from the update reaching the stub to its first reply there.

A crowd (1,000 people; --tiny: 20) takes the intake's first steps, the updates offered evenly at the
rate (each person sends one every users/rate seconds, 5 s at full size). An update's latency runs
from the moment the stub holds it (a waiting getUpdates returns it at once) to the moment the stub
receives the first message the bot sends or edits in answer. Replies are matched to updates per
chat in order, knowing from the rehearsal how many messages each step gets. Sending keeps
Telegram's one message a second per chat; the overall 30/s is lifted (the sending benchmark
measures it), or replies to 200 updates a second could only queue. Measured on each Telegram
library in turn (aiogram, python-telegram-bot), each on a database of its own.

`--database postgresql`: each on a new PostgreSQL database instead of a SQLite file, with its target
(p99 30 ms: issue 27). Then `counted` people take the same steps at the same rate on aiogram once
more, the bot's statements and round trips counted (benchmarks.statements), not timed.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from benchmarks import statements
from benchmarks.common import Figure, fresh_database, percentile, scratch, sized
from benchmarks.harness import LIBRARIES, Watch, running_frontdoor, settings_for
from benchmarks.intake import Offered, crowd, rehearse
from benchmarks.telegram_stub import Call, StubBotAPI
from bot.config import Settings

NAME = "latency"
TARGET_P99_MS = 20.0
TARGETS_MS = {"sqlite": TARGET_P99_MS, "postgresql": 30.0}  # issue 8's on SQLite, issue 27's on PostgreSQL
DRAIN_SECONDS = 600.0  # after the last update is offered, how long its replies may take before giving up


@dataclass(frozen=True)
class Size:
    users: int
    steps: int
    rate: float  # updates offered a second
    languages: int
    counted: int = 200  # people in the run whose statements are counted (0: none)


FULL = Size(users=1000, steps=10, rate=200.0, languages=10)
TINY = Size(users=20, steps=4, rate=50.0, languages=2, counted=5)


@dataclass
class Owed:
    offered_at: float
    replies: int
    first: float | None = None


async def run(tiny: bool = False, database: str = "sqlite", **overrides: float) -> list[Figure]:
    size = sized(FULL, TINY, tiny, overrides)
    with scratch(NAME) as folder:
        from handlers.core.program import load_program

        scripts = await rehearse(folder, list(load_program().languages[: size.languages]))
        offered = crowd(scripts, size.users, size.steps)
        figures: list[Figure] = []
        for library in LIBRARIES:
            (folder / library).mkdir()
            async with fresh_database(database, folder / library) as url:
                settings = settings_for(folder / library, chat_interval=1.0, database_url=url)
                measured = await offer_at_rate(settings, offered, size.rate, library)
            figures += _figures(library, size, offered, *measured, target=TARGETS_MS[database])
        if size.counted:
            figures += await _counted(folder / "counted", crowd(scripts, size.counted, size.steps), size, database)
    return figures


async def _counted(folder: Path, offered: list[Offered], size: Size, database: str) -> list[Figure]:
    """The statements and round trips of `offered` at the rate, on aiogram."""
    folder.mkdir()
    async with fresh_database(database, folder) as url, statements.counting(url) as (relayed, watch, tally):
        settings = settings_for(folder, chat_interval=1.0, database_url=relayed)
        await offer_at_rate(settings, offered, size.rate, "aiogram", watch)
    return statements.figures(NAME, database, tally, len(offered), f"at {size.rate:g}/s, on aiogram")


def _figures(
    library: str, size: Size, offered: list[Offered], latencies: list[float], backlog: int, *, target: float
) -> list[Figure]:
    p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
    note = (
        f"{len(latencies):,} of {len(offered):,} updates answered, offered at {size.rate:g}/s by {size.users:,} people "
        f"({size.steps} steps each); max {max(latencies) * 1000:,.1f} ms; "
        f"updates still unanswered when the last was offered: {backlog:,}"
    )
    return [
        Figure(
            NAME,
            f"p99 update to first reply, on {library}",
            p99,
            "ms",
            target,
            higher_is_better=False,
            note=note,
        ),
        Figure(NAME, f"p50 update to first reply, on {library}", p50, "ms"),
    ]


async def offer_at_rate(
    settings: Settings, offered: list[Offered], rate: float, library: str, watch: Watch | None = None
) -> tuple[list[float], int]:
    api = StubBotAPI()
    owed: dict[int, deque[Owed]] = {}
    latencies: list[float] = []
    remaining = sum(1 for item in offered if item.replies)
    done = asyncio.Event()

    def on_send(call: Call) -> None:
        nonlocal remaining
        waiting = owed.get(call.chat_id or 0)
        if not waiting:
            return  # a message no update of this run asked for
        head = waiting[0]
        if head.first is None:
            head.first = call.at
            latencies.append(call.at - head.offered_at)
            remaining -= 1
            if remaining == 0:
                done.set()
        head.replies -= 1
        if head.replies <= 0:
            waiting.popleft()

    api.on_send = on_send
    async with running_frontdoor(api, settings, library, watch):
        await asyncio.sleep(0.5)  # the first long poll is waiting, as on a bot that has been running
        start = time.perf_counter()
        for index, item in enumerate(offered):
            due = start + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            if item.replies:
                owed.setdefault(item.user_id, deque()).append(Owed(time.perf_counter(), item.replies))
            api.offer([item.update])
        backlog = remaining
        try:
            await asyncio.wait_for(done.wait(), timeout=DRAIN_SECONDS)
        except TimeoutError:
            pass
    return latencies, backlog
