"""The outbox on a real database: claimed in order per chat, retried, never lost."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Delivery
from bot.sender import LEASE, Sender
from handlers.core.events import Document, Photo, Reply, payload_to_reply, reply_to_payload
from storage.database import open_engine, session_factory, upgrade
from storage.tables import OutboxRow, ParticipantRow
from storage.unit_of_work import UnitOfWork
from storage.workers import SILENCE
from tests.support.clock import NOW
from tests.support.recording_telegram import Telegram


async def write(sessions: async_sessionmaker[AsyncSession], chat_id: int, *texts: str) -> list[int]:
    async with UnitOfWork(sessions) as uow:
        ids = await uow.outbox.add("telegram", chat_id, [{"text": text} for text in texts], NOW)
        await uow.commit()
    return ids


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[int, str]]:
    """Each message's chat and status, in the order written."""
    async with sessions() as session:
        rows = list((await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars())
    assert all(row.payload == {} for row in rows if row.status != "pending"), "delivered or given up: no words kept"
    return [(row.chat_id, row.status) for row in rows]


async def test_one_update_s_replies_go_out_together_and_in_order(sessions: async_sessionmaker[AsyncSession]) -> None:
    await write(sessions, 1, "edit the question", "next question")
    await write(sessions, 2, "for someone else")
    telegram = Telegram()
    sender = Sender(sessions, "telegram", telegram, clock=lambda: NOW)
    assert await sender.send([1]) == 2
    assert telegram.sent == [(1, "edit the question"), (1, "next question")]
    assert await sender.send() == 1
    assert await statuses(sessions) == [(1, "sent"), (1, "sent"), (2, "sent")]


async def test_messages_delivered_moments_apart_are_recorded_as_sent_in_one_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for chat_id in (1, 2, 3, 4):
        await write(sessions, chat_id, f"hello {chat_id}")
    telegram = Telegram()

    async def slowly(chat_id: int, payload: dict[str, Any]) -> Delivery:
        await asyncio.sleep(0.01 * chat_id)  # Telegram answers each a moment after the last
        return await telegram(chat_id, payload)

    commits: list[object] = []

    def committed(connection: object) -> None:
        commits.append(connection)

    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "commit", committed)
    try:
        assert await Sender(sessions, "telegram", slowly, per_second=1000, clock=lambda: NOW).send() == 4
    finally:
        event.remove(engine, "commit", committed)
    assert len(commits) == 2, "one transaction leased the four, one recorded them as sent"
    assert {status for _, status in await statuses(sessions)} == {"sent"}


async def test_a_document_s_file_is_kept_only_until_it_is_sent(sessions: async_sessionmaker[AsyncSession]) -> None:
    """An export holds every record of everyone: once delivered (or given up) it is not kept."""
    export = Reply("", document=Document("frontdoor-export.zip", b"PK\x03\x04 every record", "Every record"))
    async with UnitOfWork(sessions) as uow:
        await uow.outbox.add("telegram", 1, [reply_to_payload(export)], NOW)
        await uow.outbox.add("telegram", 2, [reply_to_payload(replace(export, text="to a chat that blocked us"))], NOW)
        await uow.commit()
    stored = await outbox_rows(sessions)
    assert [(row.attachment, row.payload["document"]) for row in stored] == 2 * [
        (b"PK\x03\x04 every record", {"filename": "frontdoor-export.zip", "caption": "Every record"})
    ], "the file beside the JSON, not in it"
    delivered: list[Reply] = []

    async def telegram(chat_id: int, payload: dict[str, Any]) -> Delivery:
        if chat_id == 2:
            return Delivery("blocked", detail="Forbidden: bot was blocked by the user")
        delivered.append(payload_to_reply(payload)[0])
        return Delivery("sent")

    await Sender(sessions, "telegram", telegram, clock=lambda: NOW).send()
    assert delivered == [export]
    sent, dead = await outbox_rows(sessions)
    assert (sent.status, dead.status) == ("sent", "dead")
    assert sent.attachment is None and dead.attachment is None
    assert sent.payload == {} and dead.payload == {}, "nor its name and caption"


async def test_a_photo_is_kept_beside_the_message_until_it_is_sent(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The digest's picture travels as a document's file does: bytes beside the JSON, gone once sent."""
    picture = Reply("", photo=Photo(b"\x89PNG\r\n\x1a\n the week", "The last 7 days in a picture"))
    async with UnitOfWork(sessions) as uow:
        await uow.outbox.add("telegram", 1, [reply_to_payload(picture), reply_to_payload(Reply("Daily digest"))], NOW)
        await uow.commit()
    stored = await outbox_rows(sessions)
    assert [(row.attachment, row.payload) for row in stored] == [
        (b"\x89PNG\r\n\x1a\n the week", {"text": "", "photo": {"caption": "The last 7 days in a picture"}}),
        (None, {"text": "Daily digest"}),
    ]
    delivered: list[Reply] = []

    async def telegram(chat_id: int, payload: dict[str, Any]) -> Delivery:
        delivered.append(payload_to_reply(payload)[0])
        return Delivery("sent")

    await Sender(sessions, "telegram", telegram, clock=lambda: NOW).send()
    assert delivered == [picture, Reply("Daily digest")], "the picture first, then the text"
    assert [row.attachment for row in await outbox_rows(sessions)] == [None, None]


async def outbox_rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxRow]:
    async with sessions() as session:
        return list((await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars())


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
    assert await statuses(sessions) == [(1, "sent"), (3, "dead"), (3, "dead"), (4, "dead")]


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


async def test_two_workers_send_a_burst_each_message_once_and_each_chat_in_order(database_url: str) -> None:
    """Two workers, each with its own engine as in two processes, sweeping one outbox at once."""
    engines = [open_engine(database_url) for _ in range(2)]
    await upgrade(engines[0])
    factories = [session_factory(engine) for engine in engines]
    for chat_id in range(1, 41):
        await write(factories[0], chat_id, *(f"{chat_id}:{n}" for n in range(5)))
    telegram = Telegram()

    async def deliver(chat_id: int, payload: dict[str, Any]) -> Delivery:
        await asyncio.sleep(0.001)  # an HTTP call: the other worker gets its turn meanwhile
        return await telegram(chat_id, payload)

    senders = [
        Sender(factory, "telegram", deliver, per_second=1000, chat_interval=0, worker=f"worker-{n}")
        for n, factory in enumerate(factories)
    ]
    try:
        for sender in senders + senders:  # the first to beat sees the second only the next time
            await sender.beat()

        async def sweep(sender: Sender) -> int:
            total = 0
            while sent := await sender.send():
                total += sent
            return total

        shares = await asyncio.gather(*(sweep(sender) for sender in senders))
        shares = [share + await sweep(sender) for share, sender in zip(shares, senders, strict=True)]
    finally:
        for engine in engines:
            await engine.dispose()
    assert sorted(text for _, text in telegram.sent) == sorted(f"{c}:{n}" for c in range(1, 41) for n in range(5))
    for chat_id in range(1, 41):
        assert [text for chat, text in telegram.sent if chat == chat_id] == [f"{chat_id}:{n}" for n in range(5)]
    assert sum(shares) == 200
    assert all(sender.health.workers == 2 for sender in senders), "they share Telegram's rate"


async def test_a_telegram_worker_and_a_whatsapp_worker_each_keep_their_own_rate_and_two_of_one_channel_share_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    telegram = Telegram()

    def sender(channel: str, worker: str, per_second: float) -> Sender:
        return Sender(sessions, channel, telegram, per_second=per_second, worker=worker, clock=lambda: NOW)

    polling, webhook = sender("telegram", "polling", 30), sender("whatsapp", "polling-wa", 80)
    for each in (polling, webhook, polling, webhook):  # the first to beat sees the others the next time
        await each.beat()
    assert (polling.health.workers, webhook.health.workers) == (1, 1), "Telegram's 30/s and the Cloud API's 80/s"

    second = sender("telegram", "second", 30)
    for each in (second, polling, webhook):
        await each.beat()
    assert (polling.health.workers, second.health.workers, webhook.health.workers) == (2, 2, 1)


async def test_a_dead_workers_messages_are_taken_over_at_once_and_a_live_ones_are_not(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await write(sessions, 1, "claimed by a worker that was then killed")
    async with UnitOfWork(sessions) as uow:
        await uow.workers.beat("killed", NOW, "telegram")
        claimed = await uow.outbox.claim("telegram", NOW, NOW + LEASE, 10, worker="killed")
        await uow.commit()
    assert len(claimed) == 1
    telegram = Telegram()

    def other_worker(at: timedelta) -> Sender:
        return Sender(sessions, "telegram", telegram, worker="other", clock=lambda: NOW + at)

    assert await other_worker(timedelta(seconds=5)).send() == 0, "still seen 5 s ago: it may be sending"
    assert await other_worker(SILENCE + timedelta(seconds=1)).send() == 1, "silent: taken over before the lease ends"
    assert telegram.sent == [(1, "claimed by a worker that was then killed")]
