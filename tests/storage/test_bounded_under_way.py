"""What is under way at once is bounded: while as many replies are being sent (or buttons answered)
as allowed, the next people's updates wait stored, and are handled once there is room."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import select

from bot import incoming as incoming_module
from bot.app import Frontdoor
from bot.delivery import Delivery
from bot.incoming import Incoming
from bot.sender import Sender
from handlers.core.events import Event, EventKind
from storage.tables import IncomingUpdateRow, OutboxRow


class Telegram:
    """The Bot API as the sender sees it; while `answers` is clear, it holds back its answers to
    messages (`holding="sends"`) or to button presses (`holding="buttons"`)."""

    def __init__(self, holding: str = "") -> None:
        self.holding = holding
        self.answers = asyncio.Event()
        self.delivered: list[tuple[int, str]] = []
        self.pressed: list[str] = []

    async def deliver(self, chat_id: int, payload: dict[str, Any]) -> Delivery:
        if self.holding == "sends":
            await self.answers.wait()
        self.delivered.append((chat_id, payload["text"]))
        return Delivery("sent")

    async def answer_button(self, query_id: str, notice: str | None) -> None:
        self.pressed.append(query_id)
        if self.holding == "buttons":
            await self.answers.wait()

    @property
    def chats(self) -> list[int]:
        return [chat for chat, _ in self.delivered]


@asynccontextmanager
async def serving(app: Frontdoor, sender: Sender, telegram: Telegram) -> AsyncIterator[Incoming]:
    incoming, stop = Incoming(app, "telegram", sender, telegram.answer_button, consumers=1), asyncio.Event()
    running = asyncio.create_task(incoming.run(stop))
    try:
        yield incoming
    finally:
        telegram.answers.set()
        stop.set()
        await running


async def poll(incoming: Incoming, user_id: int, update_id: int, kind: EventKind, text: str, answer: str = "") -> None:
    """One long poll's update from this person, stored (and handled, if there is room) as `poll` does."""
    async with incoming.gathering():
        event = Event(update_id, user_id, user_id, kind, text, language_code="en", message_id=7)
        await incoming.receive(event, answer or None)


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(500):  # 5 s at most
        if condition():
            return
        await asyncio.sleep(0.01)


async def stored(app: Frontdoor) -> tuple[list[int], list[int]]:
    """(people with an update waiting, chats with a reply in the outbox)."""
    async with app.sessions() as session:
        waiting = (await session.execute(select(IncomingUpdateRow.user_id))).scalars()
        replied = (await session.execute(select(OutboxRow.chat_id).distinct())).scalars()
        return list(waiting), sorted(replied)


async def test_while_as_many_replies_as_allowed_are_being_sent_the_next_persons_update_waits_stored(
    app: Frontdoor,
) -> None:
    telegram = Telegram(holding="sends")
    sender = Sender(app.sessions, "telegram", telegram.deliver, chat_interval=0, under_way=1)
    async with serving(app, sender, telegram) as bot:
        await poll(bot, 1, 101, EventKind.COMMAND, "start")
        await poll(bot, 2, 102, EventKind.COMMAND, "start")
        await asyncio.sleep(0.2)  # time for the consumer to take user 2's update, if it could
        assert await stored(app) == ([2], [1]), "user 1's reply is being sent: user 2's update waits, unhandled"

        telegram.answers.set()
        await until(lambda: 2 in telegram.chats)
    assert list(dict.fromkeys(telegram.chats)) == [1, 2], "user 2 answered once there was room"
    assert await stored(app) == ([], [1, 2])


async def test_while_as_many_buttons_as_allowed_are_being_answered_the_next_persons_update_waits_stored(
    app: Frontdoor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(incoming_module, "ANSWERING", 1)
    telegram = Telegram(holding="buttons")
    sender = Sender(app.sessions, "telegram", telegram.deliver, chat_interval=0)
    async with serving(app, sender, telegram) as bot:
        await poll(bot, 1, 101, EventKind.COMMAND, "start")
        await poll(bot, 1, 102, EventKind.CHOICE, "lang:en", answer="query-1")
        await until(lambda: telegram.pressed == ["query-1"])
        await poll(bot, 2, 103, EventKind.COMMAND, "start")
        await asyncio.sleep(0.2)  # time for the consumer to take user 2's update, if it could
        assert await stored(app) == ([2], [1]), "user 1's button is being answered: user 2's update waits"

        telegram.answers.set()
        await until(lambda: 2 in telegram.chats)
    assert await stored(app) == ([], [1, 2])


async def test_a_reply_waiting_for_its_chats_pace_does_not_hold_back_the_next_persons_update(app: Frontdoor) -> None:
    telegram = Telegram()
    telegram.answers.set()
    # One message under way at most, and a chat gets one a second: user 1's second reply waits its turn.
    sender = Sender(app.sessions, "telegram", telegram.deliver, chat_interval=1.0, under_way=1)
    async with serving(app, sender, telegram) as bot:
        await poll(bot, 1, 101, EventKind.COMMAND, "start")
        await until(lambda: len(telegram.delivered) == 1)
        await sender.settle(timeout=5)  # recorded as sent: user 1's next reply is leased as it is written
        await poll(bot, 1, 102, EventKind.COMMAND, "help")
        await poll(bot, 2, 103, EventKind.COMMAND, "start")
        await until(lambda: len(telegram.delivered) == 3)
    assert telegram.chats == [1, 2, 1], "user 2 answered while user 1's help waited for its chat's turn"
    assert "/help: " in telegram.delivered[-1][1]
