"""Delivery against Telegram's limits and failures: a 429 storm, an outage, a person who blocked the bot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from tests.e2e.bot_process import BotProcess
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.script import answer
from tests.e2e.store import Store

T = TypeVar("T")

TELEGRAM_LIMITS = (30.0, 1.0)  # messages a second overall, and to one chat


@pytest.fixture
async def bot(telegram: BotApiEmulator, tmp_path: Path, database_url: str) -> AsyncIterator[BotProcess]:
    """`frontdoor run` on a SQLite file, and on PostgreSQL where it is reachable."""
    # Telegram's own pace for one chat, not the quick one the conversation tests use.
    process = BotProcess(telegram, tmp_path, database_url, environment={"FRONTDOOR_CHAT_INTERVAL": "1"})
    await process.start()
    yield process
    process.stop()


@pytest.fixture
def store(bot: BotProcess) -> Store:
    return Store(bot.database_url)


async def until_stored(read: Callable[[], Awaitable[T]], check: Callable[[T], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not check(await read()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not so within 30 s: {what}")
        await asyncio.sleep(0.25)


def delivered(telegram: BotApiEmulator, chat_id: int | None = None) -> list[tuple[int, str]]:
    """(chat, text) of every message Telegram accepted, in the order it accepted them."""
    return [
        (call.params["chat_id"], call.params["text"])
        for call in telegram.calls_to("sendMessage")
        if call.status == 200 and (chat_id is None or call.params["chat_id"] == chat_id)
    ]


async def until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f} s")
        await asyncio.sleep(0.25)


async def test_a_burst_of_3000_messages_to_1000_people_keeps_telegrams_limits(
    telegram: BotApiEmulator, store: Store, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("one run is enough: two workers share a burst on PostgreSQL in test_crashes_and_workers")
    telegram.rate_limit = TELEGRAM_LIMITS  # the emulator answers 429 to anything faster
    chats = range(100_001, 101_001)
    telegram.open_chats(chats)
    burst = [(chat_id, f"Reminder {n} of 3 for {chat_id}") for chat_id in chats for n in (1, 2, 3)]
    await store.queue(burst)

    await until(lambda: len(delivered(telegram)) >= len(burst), 240, "the whole burst was not delivered")
    await asyncio.sleep(1.0)  # anything sent twice would show now

    sent = delivered(telegram)
    assert sorted(sent) == sorted(burst), "every message once"
    for chat_id in (100_001, 100_500, 101_000):
        assert [text for chat, text in sent if chat == chat_id] == [
            f"Reminder {n} of 3 for {chat_id}" for n in (1, 2, 3)
        ]
    assert await store.outbox() == {"sent": len(burst)}
    # The sender keeps the limits itself; should the network bunch requests up all the same, a 429
    # is waited out and its message sent later (checked above: every message arrived, once).
    too_many = len([call for call in telegram.calls_to("sendMessage") if call.status == 429])
    times = [call.time for call in telegram.calls_to("sendMessage") if call.status == 200]
    print(f"\n3,000 messages in {times[-1] - times[0]:.1f} s, {too_many} answers 429")


async def test_after_a_20_second_outage_every_message_arrives_once_and_in_order(
    telegram: BotApiEmulator, store: Store
) -> None:
    amal = telegram.user(601, first_name="Amal")
    bilal = telegram.user(602, first_name="Bilal")
    await answer(bilal, "/start", "Which language would you like to use?")
    await answer(amal, "/start", "Which language would you like to use?")
    await answer(amal, "press:English", "Are you new to the region")
    await answer(amal, "press:I am new to the region", "")
    await answer(amal, "press:I agree", "What name would you like us to call you?")
    before = len(amal.inbox)

    await telegram.refuse_connections(20)
    await store.queue([(602, f"News {n} for Bilal") for n in range(1, 6)])  # written during the outage
    amal.send("Amal Haddad")  # Telegram keeps it until the bot can fetch it again
    await asyncio.sleep(20)
    await telegram.wait_listening()

    await amal.wait_for("Which community do you live in?", after=before, timeout=60)
    await until(lambda: len(delivered(telegram, 602)) >= 6, 60, "Bilal's news did not all arrive")
    await asyncio.sleep(1.0)
    assert [text for _, text in delivered(telegram, 602)][1:] == [f"News {n} for Bilal" for n in range(1, 6)]
    assert [message.text.split("\n\n")[-1] for message in amal.inbox[before:]] == ["Which community do you live in?"], (
        "once"
    )
    assert set(await store.outbox()) == {"sent"}, "nothing left pending or dropped"


async def test_a_person_who_blocked_the_bot_is_marked_unreachable_and_others_are_unaffected(
    telegram: BotApiEmulator, store: Store
) -> None:
    amal = telegram.user(701, first_name="Amal")
    bilal = telegram.user(702, first_name="Bilal")
    for person in (amal, bilal):
        await answer(person, "/start", "Which language would you like to use?")
        await answer(person, "press:English", "Are you new to the region")
        await answer(person, "press:I am new to the region", "")
        await answer(person, "press:I agree", "What name would you like us to call you?")

    telegram.block(701)
    await store.queue([(701, "A reminder for Amal"), (701, "Another for Amal"), (702, "A reminder for Bilal")])
    await answer(bilal, "Bilal Rahimi", "Which community do you live in?")
    await until(lambda: "A reminder for Bilal" in [m.text for m in bilal.inbox], 30, "Bilal's reminder")
    await until_stored(lambda: store.outbox(), lambda outbox: outbox.get("dead") == 2, "Amal's messages dropped")

    blocked_calls = [call for call in telegram.calls if call.chat_id == 701 and call.status == 403]
    assert len(blocked_calls) == 1, "one 403, then nothing more is tried"
    unreachable = await store.unreachable()
    assert unreachable[701] is not None and unreachable[702] is None
    assert await store.dead_reasons() == {"Forbidden: bot was blocked by the user"}
    await answer(bilal, "press:Kitchener", "Which describes your situation best?")
