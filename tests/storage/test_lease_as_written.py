"""A person's replies leased in the transaction that writes them, as they are, when nothing of their
chat's is waiting before them: and looked for as before when something is, so each chat still reads
its messages in the order they were written."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import Batch, Frontdoor, Handled, Received
from bot.sender import Sender
from handlers.core.events import Event, EventKind
from storage.outbox import SqlOutbox
from storage.tables import OutboxRow
from storage.unit_of_work import UnitOfWork
from tests.support.clock import NOW
from tests.support.recording_telegram import Telegram

START = Event(101, 1, 1, EventKind.COMMAND, "start", language_code="en", message_id=7)


@pytest.fixture
def looked_for(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The chats whose waiting messages a claim looked for (SqlOutbox.claim), as they are asked for."""
    chats: list[int] = []
    claim = SqlOutbox.claim
    asked = inspect.signature(claim)

    async def spied(self: SqlOutbox, *args: Any, **kwargs: Any) -> Any:
        chats.extend(asked.bind(self, *args, **kwargs).arguments.get("chat_ids") or [])  # None: every chat
        return await claim(self, *args, **kwargs)

    monkeypatch.setattr(SqlOutbox, "claim", spied)
    return chats


async def stored(app: Frontdoor, chat_id: int) -> list[tuple[str, str, str | None, int]]:
    """Each message to the chat: its text (empty once sent), status, the worker holding it, its tries."""
    async with app.sessions() as session:
        rows = (
            await session.execute(select(OutboxRow).where(OutboxRow.chat_id == chat_id).order_by(OutboxRow.id))
        ).scalars()
        return [(row.payload.get("text", ""), row.status, row.claimed_by, row.attempts) for row in rows]


async def test_a_newcomer_s_welcome_is_leased_as_it_is_written_and_sent_without_being_looked_for(
    app: Frontdoor, looked_for: list[int]
) -> None:
    telegram = Telegram()
    sender = Sender(app.sessions, "telegram", telegram, worker="worker-1", clock=lambda: NOW)

    new, batch = await app.receive_all("telegram", [(START, None)], handle=10, lease=sender.lease)

    assert new == 1 and batch.leased is not None
    welcome = [text for text, _, _, _ in await stored(app, 1)]
    assert welcome and [payload["text"] for _, _, payload, _ in batch.leased.messages] == welcome
    assert await stored(app, 1) == [(text, "pending", "worker-1", 1) for text in welcome], "leased, this try counted"
    assert looked_for == [], "nothing of the chat's was waiting: no claim looked for it"

    sender.deliver_leased(batch.leased)
    await sender.settle(timeout=10)
    assert telegram.sent == [(1, text) for text in welcome]


async def test_a_reply_written_while_an_older_message_of_the_chat_is_being_sent_waits_behind_it(
    app: Frontdoor, looked_for: list[int]
) -> None:
    async with UnitOfWork(app.sessions) as uow:
        await uow.outbox.add("telegram", 1, [{"text": "Your meeting is tomorrow at 10:00."}], NOW)
        await uow.commit()
    other_telegram, telegram = Telegram(), Telegram()
    other = Sender(app.sessions, "telegram", other_telegram, worker="worker-2", clock=lambda: NOW)
    async with UnitOfWork(app.sessions) as uow:
        await uow.workers.beat("worker-2", NOW, "telegram")  # alive: what it holds is not taken over
        in_flight = await other.lease(uow, [1])
        await uow.commit()
    sender = Sender(app.sessions, "telegram", telegram, worker="worker-1", clock=lambda: NOW)

    _, batch = await app.receive_all("telegram", [(START, None)], handle=10, lease=sender.lease)

    assert batch.leased is not None and batch.leased.messages == [], "behind the message another worker sends"
    assert 1 in looked_for, "something of the chat's was waiting: looked for, as before"
    reminder, *welcome = await stored(app, 1)
    assert reminder[1:] == ("pending", "worker-2", 1)
    assert welcome and all(held[1:] == ("pending", None, 0) for held in welcome)

    other.deliver_leased(in_flight)
    await other.settle(timeout=10)
    await sender.send()
    assert other_telegram.sent == [(1, "Your meeting is tomorrow at 10:00.")]
    assert telegram.sent == [(1, text) for text, _, _, _ in welcome], "then the welcome, in order"


async def test_more_replies_than_a_chat_s_share_of_a_lease_go_the_long_way(
    app: Frontdoor, looked_for: list[int]
) -> None:
    sender = Sender(app.sessions, "telegram", Telegram(), worker="worker-1", clock=lambda: NOW)
    payloads = [{"text": f"line {n}"} for n in range(31)]  # one a second for the lease's 30 seconds: 30
    async with UnitOfWork(app.sessions) as uow:
        ids = await uow.outbox.add("telegram", 1, payloads, NOW)
        leased = await sender.lease(uow, [1], {1: list(zip(ids, payloads, strict=True))})
        await uow.commit()

    assert looked_for == [1]
    assert [payload["text"] for _, _, payload, _ in leased.messages] == [f"line {n}" for n in range(30)]


def test_a_chat_two_updates_of_a_batch_wrote_to_is_looked_for_not_leased_as_written() -> None:
    """Someone's answer proposes a meeting to a volunteer who wrote in the same batch: the volunteer's
    chat has two writers, so neither knows its replies are the chat's oldest."""
    newcomer = Event(1, 1, 1, EventKind.TEXT, "yes")
    volunteer = Event(2, 2, 2, EventKind.TEXT, "hello")
    batch = Batch(
        [
            Received(newcomer, Handled(outbox_ids=[10], chats=[1, 2], written=[(10, {"text": "Thanks!"})]), None),
            Received(volunteer, Handled(outbox_ids=[12], chats=[2], written=[(12, {"text": "Hello"})]), None),
        ]
    )
    assert batch.written == {1: [(10, {"text": "Thanks!"})]}
