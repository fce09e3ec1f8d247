"""7. A flood: one person sends thousands of messages at once; how long does everyone else wait?

The flooder (user 70,001) sends /start and then 4,999 messages (--tiny: 60), all waiting at the
stub's getUpdates at once, as fast as Telegram hands them over; right behind them, another person
(70,002) sends /start. The bot runs as `frontdoor run` runs it, with Telegram's limits kept by the
sender (30 messages a second, one a second per chat). Figures: the other person's wait, from
their /start reaching the stub to the bot's first message to them; and the flooder's queue, the
most messages pending for the flooder's chat at any moment (sampled every 0.1 s from another
connection), until the bot has taken in the whole flood and answered the other person.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy import text

from benchmarks.common import Figure, scratch, sized, sqlite_url
from benchmarks.harness import running_frontdoor, settings_for
from benchmarks.intake import Step, update
from benchmarks.telegram_stub import Call, StubBotAPI
from bot import flood as flood_allowance
from handlers.core.events import EventKind
from storage.database import open_engine

NAME: Final = "flood"
TARGET_WAIT_SECONDS: Final = 2.0  # issue 21
TARGET_QUEUE: Final = 49  # "under 50 messages"
FLOODER: Final = 70_001
OTHER: Final = 70_002
SAMPLE_SECONDS: Final = 0.1


@dataclass(frozen=True)
class Size:
    messages: int
    timeout: float  # seconds the flood may take to be taken in before the run gives up


FULL = Size(messages=5000, timeout=600.0)
TINY = Size(messages=60, timeout=60.0)


def flood(messages: int) -> list[dict[str, object]]:
    """The flooder's /start and messages, then the other person's /start: as Telegram holds them."""
    steps = [Step(EventKind.COMMAND, "start", None, 1)]
    steps += [Step(EventKind.TEXT, f"hello {index}", None, 1) for index in range(1, messages)]
    updates = [update(index, FLOODER, "en", step) for index, step in enumerate(steps, start=1)]
    return updates + [update(len(updates) + 1, OTHER, "en", Step(EventKind.COMMAND, "start", None, 1))]


async def run(tiny: bool = False, **overrides: float) -> list[Figure]:
    size = sized(FULL, TINY, tiny, overrides)
    with scratch(NAME) as folder:
        wait, queue, notes, took = await _flood(folder, size)
    note = (
        f"{size.messages:,} messages from one person; the flood taken in after {took:.1f} s; "
        f"the flooder got {notes:,} messages meanwhile"
    )
    return [
        Figure(NAME, "another person's /start answered in", wait, "s", TARGET_WAIT_SECONDS, False, note),
        Figure(NAME, "the flooder's queue at its longest", queue, "", TARGET_QUEUE, False),
    ]


async def _flood(folder: Path, size: Size) -> tuple[float, int, int, float]:
    api = StubBotAPI()
    answered = asyncio.Event()
    answered_at: list[float] = []

    def on_send(call: Call) -> None:
        if call.chat_id == OTHER and not answered_at:
            answered_at.append(call.at)
            answered.set()

    api.on_send = on_send
    updates = flood(size.messages)
    settings = settings_for(folder, send_rate=30.0, chat_interval=1.0, person_burst=flood_allowance.BURST)
    async with running_frontdoor(api, settings):
        await asyncio.sleep(0.5)  # the first long poll is waiting, as on a bot that has been running
        started = time.perf_counter()
        api.offer(updates)
        queue, took = await _watch(folder / "frontdoor.db", api, len(updates), answered, started + size.timeout)
    flooder = sum(1 for call in api.sent() if call.chat_id == FLOODER)
    wait = answered_at[0] - started if answered_at else float("inf")
    return wait, queue, flooder, took


async def _watch(
    database: Path, api: StubBotAPI, offered: int, answered: asyncio.Event, deadline: float
) -> tuple[int, float]:
    """The flooder's longest queue, until every update is taken in and handled and the other answered."""
    engine = open_engine(sqlite_url(database), reading=True)
    longest, started = 0, time.perf_counter()
    try:
        while time.perf_counter() < deadline:
            async with engine.connect() as connection:
                pending = (
                    await connection.execute(
                        text("SELECT count(*) FROM outbox WHERE chat_id = :chat AND status = 'pending'"),
                        {"chat": FLOODER},
                    )
                ).scalar_one()
                waiting = (
                    await connection.execute(text("SELECT count(*) FROM incoming_updates WHERE status = 'pending'"))
                ).scalar_one()
            longest = max(longest, int(pending))
            if answered.is_set() and api.confirmed >= offered and waiting == 0:
                break
            await asyncio.sleep(SAMPLE_SECONDS)
    finally:
        await engine.dispose()
    return longest, time.perf_counter() - started
