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

The WhatsApp door beside them (issue 29; benchmarks.whatsapp_door): the same crowd, its intake
rehearsed on WhatsApp, each message POSTed signed to `frontdoor run --whatsapp` (a process, on a
database of its own) at the same rate; its latency runs from the POST leaving this process to the
first reply reaching the stub Graph API's /messages. The pair rate is kept as Meta counts it (45 at
once to a person, then one every 6 s), as Telegram's one a second per chat is. No target: reported.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import statements, whatsapp_door
from benchmarks.common import Figure, FirstReplies, fresh_database, percentile, scratch, sized
from benchmarks.harness import LIBRARIES, Watch, running_frontdoor, settings_for
from benchmarks.intake import Offered, crowd, rehearse
from benchmarks.telegram_stub import StubBotAPI
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
        figures += await _whatsapp(folder / whatsapp_door.DOOR, size, database)
        if size.counted:
            figures += await _counted(folder / "counted", crowd(scripts, size.counted, size.steps), size, database)
    return figures


async def _whatsapp(folder: Path, size: Size, database: str) -> list[Figure]:
    from handlers.core.program import load_program

    scripts = await rehearse(folder, list(load_program().languages[: size.languages]), whatsapp_door.DOOR)
    posted = whatsapp_door.crowd(scripts, size.users, size.steps)
    measured = await whatsapp_door.on_database(database, folder / "door", posted, size.rate)
    latencies = measured.latencies
    note = (
        f"{len(latencies):,} of {len(posted):,} messages answered, POSTed at {size.rate:g}/s by {size.users:,} people "
        f"({size.steps} steps each); max {max(latencies) * 1000:,.1f} ms; messages still unanswered when the last "
        f"was POSTed: {measured.backlog:,}; {whatsapp_door.cpu_note(measured)}"
    )
    return [
        Figure(NAME, "p99 message to first reply, WhatsApp", percentile(latencies, 0.99) * 1000, "ms", note=note),
        Figure(NAME, "p95 message to first reply, WhatsApp", percentile(latencies, 0.95) * 1000, "ms"),
        Figure(NAME, "p50 message to first reply, WhatsApp", percentile(latencies, 0.50) * 1000, "ms"),
    ]


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
        Figure(NAME, f"p95 update to first reply, on {library}", percentile(latencies, 0.95) * 1000, "ms"),
        Figure(NAME, f"p50 update to first reply, on {library}", p50, "ms"),
    ]


async def offer_at_rate(
    settings: Settings, offered: list[Offered], rate: float, library: str, watch: Watch | None = None
) -> tuple[list[float], int]:
    api = StubBotAPI()
    replies = FirstReplies(sum(1 for item in offered if item.replies))
    api.on_send = lambda call: replies.replied(call.chat_id or 0, call.at)
    async with running_frontdoor(api, settings, library, watch):
        await asyncio.sleep(0.5)  # the first long poll is waiting, as on a bot that has been running
        start = time.perf_counter()
        for index, item in enumerate(offered):
            due = start + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            replies.offered(item.user_id, time.perf_counter(), item.replies)
            api.offer([item.update])
        backlog = replies.remaining
        try:
            await asyncio.wait_for(replies.done.wait(), timeout=DRAIN_SECONDS)
        except TimeoutError:
            pass
    return replies.latencies, backlog
