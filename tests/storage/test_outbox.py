"""The outbox on a real database: claimed in order per chat, retried, never lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Delivery
from bot.sender import Sender
from storage.tables import OutboxRow, ParticipantRow
from storage.unit_of_work import UnitOfWork

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


async def write(sessions: async_sessionmaker[AsyncSession], chat_id: int, *texts: str) -> list[int]:
    async with UnitOfWork(sessions) as uow:
        ids = await uow.outbox.add("telegram", chat_id, [{"text": text} for text in texts], NOW)
        await uow.commit()
    return ids


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        rows = (await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars()
        return {row.payload["text"]: row.status for row in rows}


class Telegram:
    """A delivery function that records what it sent and answers as told."""

    def __init__(self, answers: dict[str, Delivery] | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.answers = answers or {}

    async def __call__(self, chat_id: int, payload: dict[str, Any]) -> Delivery:
        answer = self.answers.pop(payload["text"], Delivery("sent"))
        if answer.outcome == "sent":
            self.sent.append((chat_id, payload["text"]))
        return answer


async def test_one_update_s_replies_go_out_together_and_in_order(sessions: async_sessionmaker[AsyncSession]) -> None:
    await write(sessions, 1, "edit the question", "next question")
    await write(sessions, 2, "for someone else")
    telegram = Telegram()
    sender = Sender(sessions, "telegram", telegram, clock=lambda: NOW)
    assert await sender.send([1]) == 2
    assert telegram.sent == [(1, "edit the question"), (1, "next question")]
    assert await sender.send() == 1
    assert await statuses(sessions) == {
        "edit the question": "sent",
        "next question": "sent",
        "for someone else": "sent",
    }


async def test_a_failed_message_holds_back_the_later_ones_to_that_chat_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await write(sessions, 1, "first", "second")
    await write(sessions, 2, "other chat")
    clock = [NOW]
    telegram = Telegram({"first": Delivery("retry", detail="500")})
    sender = Sender(sessions, "telegram", telegram, clock=lambda: clock[0])
    await sender.send()
    assert telegram.sent == [(2, "other chat")]
    assert await sender.send() == 0, "nothing is due before the backoff ends"
    clock[0] = NOW + timedelta(seconds=5)
    await sender.send()
    assert telegram.sent == [(2, "other chat"), (1, "first"), (1, "second")]


async def test_retry_after_is_honoured_and_a_blocked_chat_is_dropped(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await write(sessions, 1, "slow down")
    await write(sessions, 3, "blocked", "also blocked")
    await write(sessions, 4, "bad request")
    clock = [NOW]
    telegram = Telegram(
        {
            "slow down": Delivery("retry", detail="429", retry_after=0.01),
            "blocked": Delivery("blocked", detail="Forbidden: bot was blocked by the user"),
            "bad request": Delivery("rejected", detail="Bad Request: message is too long"),
        }
    )
    sender = Sender(sessions, "telegram", telegram, clock=lambda: clock[0])
    await sender.send()
    clock[0] = NOW + timedelta(seconds=1)
    await sender.send()
    assert telegram.sent == [(1, "slow down")]
    assert await statuses(sessions) == {
        "slow down": "sent",
        "blocked": "dead",
        "also blocked": "dead",
        "bad request": "dead",
    }


async def test_a_message_leased_by_a_sender_that_died_is_taken_over_after_the_lease(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await write(sessions, 1, "in flight when the sender died")
    async with UnitOfWork(sessions) as uow:
        claimed = await uow.outbox.claim("telegram", NOW, NOW + timedelta(seconds=30), 10)
        await uow.commit()
    assert len(claimed) == 1
    telegram = Telegram()
    assert await Sender(sessions, "telegram", telegram, clock=lambda: NOW + timedelta(seconds=10)).send() == 0
    assert await Sender(sessions, "telegram", telegram, clock=lambda: NOW + timedelta(seconds=31)).send() == 1


async def test_a_participant_who_blocked_the_bot_is_marked_unreachable_and_others_are_not(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        for chat_id in (3, 4):
            session.add(
                ParticipantRow(
                    channel="telegram",
                    user_id=chat_id,
                    chat_id=chat_id,
                    role="connectee",
                    language="en",
                    status="approved",
                    consent_version="1",
                    consented_at=NOW,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    await write(sessions, 3, "to the one who blocked us")
    await write(sessions, 4, "to someone else")
    telegram = Telegram({"to the one who blocked us": Delivery("blocked", detail="Forbidden: bot was blocked")})
    await Sender(sessions, "telegram", telegram, clock=lambda: NOW).send()
    async with sessions() as session:
        unreachable = {
            row.chat_id: row.unreachable_since for row in (await session.execute(select(ParticipantRow))).scalars()
        }
    assert unreachable == {3: NOW, 4: None}
    assert telegram.sent == [(4, "to someone else")]
