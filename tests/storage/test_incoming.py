"""Updates stored on receipt and handled after: one person's in order, once, never lost."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import incoming as incoming_module
from bot import pipeline
from bot.app import Batch, Frontdoor, Lease
from bot.delivery import Delivery
from bot.incoming import Incoming
from bot.leases import Leased, Written
from bot.sender import Sender
from handlers.core.events import Event, EventKind, Outcome
from handlers.core.ports import Context, Office
from handlers.core.program import load_program
from storage.database import open_engine, upgrade
from storage.tables import IncomingUpdateRow, OutboxRow
from storage.unit_of_work import UnitOfWork
from tests.support.clock import NOW, Clock


@pytest.fixture
async def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def app(database_url: str, clock: Clock) -> AsyncIterator[Frontdoor]:
    engine = open_engine(database_url)
    await upgrade(engine)
    frontdoor = Frontdoor(load_program(), engine, clock=clock)
    yield frontdoor
    await frontdoor.close()


def event(user_id: int, update_id: int, kind: EventKind, text: str) -> Event:
    return Event(update_id, user_id, user_id, kind, text, language_code="en", message_id=7)


async def handle_all(app: Frontdoor) -> list[tuple[int, int]]:
    """Handle every stored update; (user, update id) in the order they were handled."""
    handled = []
    while (received := await app.handle_next("telegram")) is not None:
        handled.append((received.event.user_id, received.event.update_id))
    return handled


async def replies_to(app: Frontdoor, chat_id: int) -> list[str]:
    async with app.sessions() as session:
        rows = await session.execute(
            select(OutboxRow.payload).where(OutboxRow.chat_id == chat_id).order_by(OutboxRow.id)
        )
        return [payload["text"] for payload in rows.scalars()]


async def test_each_persons_updates_are_handled_in_the_order_they_arrived(app: Frontdoor) -> None:
    await app.receive("telegram", event(1, 101, EventKind.COMMAND, "start"))
    await app.receive("telegram", event(2, 102, EventKind.COMMAND, "start"))
    await app.receive("telegram", event(1, 103, EventKind.CHOICE, "lang:fr"))
    await app.receive("telegram", event(1, 104, EventKind.COMMAND, "help"), answer_id="query-1")

    assert await handle_all(app) == [(1, 101), (2, 102), (1, 103), (1, 104)]
    assert "/delete : Effacer mes données" in (await replies_to(app, 1))[-1], "help after the language, in French"
    async with app.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(IncomingUpdateRow))).scalar_one() == 0


async def test_a_button_press_is_answered_after_it_is_handled(app: Frontdoor) -> None:
    await app.receive("telegram", event(1, 101, EventKind.COMMAND, "start"))
    await app.receive("telegram", event(1, 102, EventKind.CHOICE, "lang:en"), answer_id="query-7")
    first, second = await app.handle_next("telegram"), await app.handle_next("telegram")
    assert first is not None and first.answer_id is None
    assert second is not None and second.answer_id == "query-7"
    assert second.handled.chats == [1]


async def test_the_same_update_received_again_has_no_second_effect(app: Frontdoor) -> None:
    start = event(1, 101, EventKind.COMMAND, "start")
    assert await app.receive("telegram", start) is True
    assert await app.receive("telegram", start) is False, "stored once while it waits"
    await handle_all(app)
    replies = await replies_to(app, 1)
    assert await app.receive("telegram", start) is True, "Telegram may send it again after we handled it"
    received = await app.handle_next("telegram")
    assert received is not None and received.handled.duplicate
    assert await replies_to(app, 1) == replies


async def test_while_one_worker_handles_someone_another_takes_the_next_person_not_their_next_update(
    app: Frontdoor, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writing transaction at a time: two workers cannot overlap there")
    await app.receive("telegram", event(1, 101, EventKind.COMMAND, "start"))
    await app.receive("telegram", event(1, 102, EventKind.COMMAND, "help"))
    await app.receive("telegram", event(2, 103, EventKind.COMMAND, "start"))
    async with (
        UnitOfWork(app.sessions) as first_worker,
        UnitOfWork(app.sessions) as second_worker,
        UnitOfWork(app.sessions) as third_worker,
    ):
        held = await first_worker.incoming.claim_next("telegram", NOW)
        assert held is not None and held.update_id == 101
        taken = await second_worker.incoming.claim_next("telegram", NOW)
        assert taken is not None and taken.update_id == 103, "user 1's next waits for their first"
        assert await third_worker.incoming.claim_next("telegram", NOW) is None


async def test_an_update_that_keeps_failing_is_set_aside_the_person_is_told_and_their_next_one_goes_on(
    app: Frontdoor, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = pipeline.front_desk.handle

    async def broken_on_boom(event: Event, ctx: Context, office: Office) -> Outcome:
        if event.text == "boom":
            raise RuntimeError("a bug")
        return await handle(event, ctx, office)

    monkeypatch.setattr(pipeline.front_desk, "handle", broken_on_boom)
    await app.receive("telegram", event(1, 101, EventKind.COMMAND, "start"))
    await handle_all(app)
    before = await replies_to(app, 1)
    await app.receive("telegram", event(1, 102, EventKind.TEXT, "boom"))
    await app.receive("telegram", event(1, 103, EventKind.COMMAND, "help"))

    for attempt in range(pipeline.UPDATE_ATTEMPTS - 1):
        assert await handle_all(app) == [(1, 102)], f"attempt {attempt + 1}: only the failing one, again"
        clock.now += timedelta(seconds=2**attempt)
    assert await handle_all(app) == [(1, 102), (1, 103)], "the last attempt sets it aside, and the next goes on"

    replies = (await replies_to(app, 1))[len(before) :]
    assert replies[0].startswith("Sorry, something went wrong on our side with your last message.")
    assert "/help" not in replies[0] and len(replies) >= 2, "then the help"
    async with app.sessions() as session:
        row = (await session.execute(select(IncomingUpdateRow))).scalar_one()
    assert (row.update_id, row.status, row.attempts) == (102, "failed", pipeline.UPDATE_ATTEMPTS)
    assert row.last_error == "RuntimeError: a bug"


async def test_several_peoples_updates_are_handled_in_one_transaction_as_each_alone_would_be(app: Frontdoor) -> None:
    for user_id in (1, 2, 3):
        await app.receive("telegram", event(user_id, 100 + user_id, EventKind.COMMAND, "start"))
    await app.receive("telegram", event(1, 111, EventKind.CHOICE, "lang:fr"), answer_id="query-1")

    batch = await app.handle_waiting("telegram", limit=10)
    assert [(r.event.user_id, r.event.update_id) for r in batch.received] == [(1, 101), (2, 102), (3, 103)], (
        "each person's oldest only: user 1's button waits for their /start"
    )
    assert batch.chats == [1, 2, 3]
    batch = await app.handle_waiting("telegram", limit=10)
    assert [(r.event.update_id, r.answer_id) for r in batch.received] == [(111, "query-1")]
    # The next question leaves first, the ✔ on the language question after it (bot.pipeline.next_first).
    question, tick = (await replies_to(app, 1))[-2:]
    assert question.startswith("Venez-vous d'arriver dans la région"), "asked in French"
    assert tick.endswith("✔ Français")
    assert len(await replies_to(app, 2)) == len(await replies_to(app, 3)) >= 1
    assert (await app.handle_waiting("telegram", limit=10)).received == []


async def test_when_one_update_of_a_batch_fails_the_others_are_handled_and_only_it_is_retried(
    app: Frontdoor, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = pipeline.front_desk.handle

    async def broken_for_user_2(event: Event, ctx: Context, office: Office) -> Outcome:
        if event.user_id == 2:
            raise RuntimeError("a bug")
        return await handle(event, ctx, office)

    monkeypatch.setattr(pipeline.front_desk, "handle", broken_for_user_2)
    for user_id in (1, 2, 3):
        await app.receive("telegram", event(user_id, 100 + user_id, EventKind.COMMAND, "start"))

    batch = await app.handle_waiting("telegram", limit=10)
    assert [r.event.user_id for r in batch.received] == [1, 2, 3], "handled again one at a time"
    assert await replies_to(app, 1) and await replies_to(app, 3), "the others got their welcome"
    assert await replies_to(app, 2) == [], "nothing half-done for the failing one"
    async with app.sessions() as session:
        row = (await session.execute(select(IncomingUpdateRow))).scalar_one()
    assert (row.user_id, row.status, row.attempts) == (2, "pending", 1), "kept, to be tried again"
    assert (await app.handle_waiting("telegram", limit=10)).received == [], "not before its backoff"


async def test_updates_stored_as_they_arrive_are_handled_in_the_same_transaction_and_their_replies_leased(
    app: Frontdoor,
) -> None:
    leased_chats: list[list[int]] = []

    async def lease(uow: UnitOfWork, chats: list[int], written: Written) -> Leased:
        leased_chats.append(chats)
        return Leased(NOW, [], {})

    arrived = [(event(1, 101, EventKind.COMMAND, "start"), None), (event(2, 102, EventKind.COMMAND, "start"), None)]
    arrived.append((event(1, 103, EventKind.COMMAND, "help"), "query-9"))
    new, batch = await app.receive_all("telegram", arrived, handle=10, lease=lease)

    assert new == 3
    assert [r.event.update_id for r in batch.received] == [101, 102], "user 1's second waits, stored"
    assert leased_chats == [[1, 2]] and batch.leased is not None
    again, _ = await app.receive_all("telegram", arrived[2:], handle=0)
    assert again == 0, "sent again by Telegram while it waits: stored once"
    assert await handle_all(app) == [(1, 103)]


async def test_if_handling_updates_as_they_arrive_fails_they_stay_stored_for_the_consumers(
    app: Frontdoor, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(event: Event, ctx: Context, office: Office) -> Outcome:
        raise RuntimeError("a bug")

    handle = pipeline.front_desk.handle
    monkeypatch.setattr(pipeline.front_desk, "handle", broken)
    new, batch = await app.receive_all("telegram", [(event(1, 101, EventKind.COMMAND, "start"), None)], handle=10)
    assert (new, batch.received) == (1, [])

    monkeypatch.setattr(pipeline.front_desk, "handle", handle)
    assert await handle_all(app) == [(1, 101)]
    assert await replies_to(app, 1)


async def test_between_updates_handled_together_the_next_sees_what_the_last_wrote_and_nothing_it_held(
    app: Frontdoor,
) -> None:
    async with UnitOfWork(app.sessions) as uow:
        row = IncomingUpdateRow(
            channel="telegram",
            update_id=1,
            user_id=1,
            event={},
            status="pending",
            attempts=0,
            not_before=NOW,
            received_at=NOW,
        )
        uow.session.add(row)  # written through the session, not yet flushed
        first_participants = uow.participants
        await uow.next_update()
        waiting = await uow.incoming.claim("telegram", NOW, 10)
        assert [r.update_id for r in waiting] == [1], "flushed: the next update's statements see it"
        assert row not in uow.session, "the session holds nothing of the last update"
        assert uow.participants is not first_participants, "nor do the repositories' caches"


async def test_a_poll_handled_whole_wakes_no_consumer_and_one_leaving_a_second_update_does(
    app: Frontdoor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(incoming_module, "LOOK_EVERY", 60.0)  # only a wake-up makes the consumer look again
    delivered: list[tuple[int, str]] = []

    async def deliver(chat_id: int, payload: dict[str, Any]) -> Delivery:
        delivered.append((chat_id, payload["text"]))
        return Delivery("sent")

    async def answer_button(query_id: str, notice: str | None) -> None:
        pass

    looks = 0
    handle_waiting = app.handle_waiting

    async def looking(channel: str, limit: int, lease: Lease | None = None) -> Batch:
        nonlocal looks
        looks += 1
        return await handle_waiting(channel, limit, lease)

    monkeypatch.setattr(app, "handle_waiting", looking)
    sender = Sender(app.sessions, "telegram", deliver, chat_interval=0)
    incoming = Incoming(app, "telegram", sender, answer_button, consumers=1)
    running = asyncio.create_task(incoming.run(asyncio.Event()))
    while looks < 1:  # the consumer's first look, before anything arrived
        await asyncio.sleep(0.01)

    async with incoming.gathering():
        await incoming.receive(event(1, 101, EventKind.COMMAND, "start"))
        await incoming.receive(event(2, 102, EventKind.COMMAND, "start"))
    await asyncio.sleep(0.2)
    assert looks == 1, "both were handled as they were stored: nobody woke the consumer for nothing"
    assert {chat for chat, _ in delivered} == {1, 2}

    async with incoming.gathering():
        await incoming.receive(event(3, 103, EventKind.COMMAND, "start"))
        await incoming.receive(event(3, 104, EventKind.COMMAND, "help"))
    for _ in range(500):  # 5 s at most, and the consumer looks by itself only after a minute
        if any("/help: " in text for chat, text in delivered if chat == 3):
            break
        await asyncio.sleep(0.01)
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    to_user_3 = [text for chat, text in delivered if chat == 3]
    assert "/help: " in to_user_3[-1], "user 3's second update waited for the consumer, woken for it"
    assert "/help: " in [text for chat, text in delivered if chat == 3][-1], "and its answer was sent"
