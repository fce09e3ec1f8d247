"""One person sends 5,000 messages as fast as Telegram takes them; another's /start must not wait behind them.

`frontdoor run` against the Bot API emulator, keeping Telegram's limits (30 messages a second, one
a second per chat), on a SQLite file and on PostgreSQL. No clock is read: what is checked is the
order things happen in, and what is queued.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.pipeline import CHAT_QUEUE
from storage.tables import OutboxRow
from tests.e2e.bot_process import BotProcess
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.store import Store
from tests.security.test_flooding import SLOW_DOWN

FLOOD = 5000
FLOODER, OTHER = 4001, 4002


@pytest.fixture
async def telegram() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        emulator.rate_limit = (30.0, 1.0)  # Telegram's, answered with 429 beyond
        yield emulator


@pytest.fixture
async def bot(telegram: BotApiEmulator, tmp_path: Path, database_url: str) -> AsyncIterator[BotProcess]:
    # A person's allowance and Telegram's pace for one chat, not the quick ones the conversation tests use.
    settings = {"FRONTDOOR_CHAT_INTERVAL": "1", "FRONTDOOR_PERSON_BURST": "10"}
    process = BotProcess(telegram, tmp_path, database_url, environment=settings)
    await process.start()
    yield process
    process.stop()


async def test_while_one_person_sends_5000_messages_another_persons_start_is_answered_first(
    telegram: BotApiEmulator, bot: BotProcess
) -> None:
    store = Store(bot.database_url)
    flooder, other = telegram.user(FLOODER, first_name="Flo"), telegram.user(OTHER, first_name="Ann")
    flooder.send("/start")
    for n in range(1, FLOOD):
        flooder.send(f"spam {n}")
    other.send("/start")

    queued: list[int] = []
    watching = asyncio.create_task(watch(store, queued))
    try:
        await other.wait_for("Which language", timeout=300)
        answered_when_flooder_had = len(flooder.inbox)
        await flooder.wait_for(SLOW_DOWN, timeout=60)
        await flooder.wait_idle(quiet=2.0, timeout=120)
    finally:
        watching.cancel()
    longest = max(queued, default=0)

    assert answered_when_flooder_had < CHAT_QUEUE, "the other person did not wait behind the flood's replies"
    assert [message.text for message in flooder.inbox].count(SLOW_DOWN) == 1
    assert len(flooder.inbox) < CHAT_QUEUE, "a reply for each of 5,000 messages was never queued"
    assert max(longest, await waiting_for(store, FLOODER)) < CHAT_QUEUE, "the flooder's queue, all along"
    assert not [call for call in telegram.calls if call.status == 429], "Telegram's limits kept"


async def watch(store: Store, queued: list[int]) -> None:
    """The flooder's queue, looked at every 0.2 s until cancelled."""
    while True:
        queued.append(await waiting_for(store, FLOODER))
        await asyncio.sleep(0.2)


async def waiting_for(store: Store, chat_id: int) -> int:
    query = select(func.count()).where(OutboxRow.chat_id == chat_id, OutboxRow.status == "pending")
    return int((await store.rows(query))[0][0])
