"""Updates stored on receipt and handled after: one person's in order, once, never lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import app as app_module
from bot.app import Frontdoor
from handlers.events import Event, EventKind, Outcome
from handlers.ports import Context, Office
from handlers.program import load_program
from storage.database import open_engine, upgrade
from storage.tables import IncomingUpdateRow, OutboxRow
from storage.unit_of_work import UnitOfWork

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def clock() -> Clock:
    return Clock()


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
    handle = app_module.frontdesk.handle

    async def broken_on_boom(event: Event, ctx: Context, office: Office) -> Outcome:
        if event.text == "boom":
            raise RuntimeError("a bug")
        return await handle(event, ctx, office)

    monkeypatch.setattr(app_module.frontdesk, "handle", broken_on_boom)
    await app.receive("telegram", event(1, 101, EventKind.COMMAND, "start"))
    await handle_all(app)
    before = await replies_to(app, 1)
    await app.receive("telegram", event(1, 102, EventKind.TEXT, "boom"))
    await app.receive("telegram", event(1, 103, EventKind.COMMAND, "help"))

    for attempt in range(app_module.UPDATE_ATTEMPTS - 1):
        assert await handle_all(app) == [(1, 102)], f"attempt {attempt + 1}: only the failing one, again"
        clock.now += timedelta(seconds=2**attempt)
    assert await handle_all(app) == [(1, 102), (1, 103)], "the last attempt sets it aside, and the next goes on"

    replies = (await replies_to(app, 1))[len(before) :]
    assert replies[0].startswith("Sorry, something went wrong on our side with your last message.")
    assert "/help" not in replies[0] and len(replies) >= 2, "then the help"
    async with app.sessions() as session:
        row = (await session.execute(select(IncomingUpdateRow))).scalar_one()
    assert (row.update_id, row.status, row.attempts) == (102, "failed", app_module.UPDATE_ATTEMPTS)
    assert row.last_error == "RuntimeError: a bug"
