"""One update, one transaction, on a real database: answers, conversation and outbox stored together."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import Frontdoor
from handlers.core.events import Event, EventKind
from handlers.core.model import Step
from handlers.core.program import load_program
from storage.database import open_engine, upgrade
from storage.tables import AnswerRow, OutboxRow, ParticipantRow, ProcessedUpdateRow
from storage.unit_of_work import UnitOfWork
from tests.support.clock import NOW


class Person:
    """Sends events to the app as one Telegram user would."""

    def __init__(self, app: Frontdoor, user_id: int) -> None:
        self.app, self.user_id, self.update_id = app, user_id, user_id * 1000

    async def do(self, kind: EventKind, text: str = "", *, update_id: int | None = None):  # type: ignore[no-untyped-def]
        if update_id is None:
            self.update_id += 1
            update_id = self.update_id
        event = Event(update_id, self.user_id, self.user_id, kind, text, language_code="en", message_id=7)
        return await self.app.handle("telegram", event)

    async def agree(self) -> None:
        """/start, English, newcomer, I agree: the registration exists."""
        for kind, text in [
            (EventKind.COMMAND, "start"),
            (EventKind.CHOICE, "lang:en"),
            (EventKind.CHOICE, "role:connectee"),
            (EventKind.CHOICE, "consent:yes"),
        ]:
            await self.do(kind, text)


async def count(app: Frontdoor, table: type) -> int:
    async with app.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_answers_conversation_and_replies_are_committed_together(app: Frontdoor) -> None:
    amal = Person(app, 501)
    await amal.do(EventKind.COMMAND, "start")
    await amal.do(EventKind.CHOICE, "lang:en")
    await amal.do(EventKind.CHOICE, "role:connectee")
    assert await count(app, ParticipantRow) == 0, "nothing personal before consent"
    await amal.do(EventKind.CHOICE, "consent:yes")
    handled = await amal.do(EventKind.TEXT, "Amal")
    assert "Which community do you live in?" in handled.replies[0].text
    assert len(handled.outbox_ids) == 1

    async with app.sessions() as session:
        answers = (await session.execute(select(AnswerRow.question_key, AnswerRow.value))).all()
        outbox = (await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars().all()
    assert answers == [("name", "Amal")]
    assert [row.status for row in outbox] == ["pending"] * len(outbox)
    assert "Which community do you live in?" in outbox[-1].payload["text"]
    assert outbox[-1].payload["buttons"][0][0] == ["Kitchener", "a:community:kitchener"]
    assert await count(app, ProcessedUpdateRow) == 5


async def test_after_a_tap_the_next_question_leaves_before_the_tick_on_the_answered_one(app: Frontdoor) -> None:
    """A chat gets about one message a second: the ✔ edit first would hold the question back a second."""
    amal = Person(app, 503)
    await amal.do(EventKind.COMMAND, "start")
    handled = await amal.do(EventKind.CHOICE, "lang:en")
    assert [reply.edit for reply in handled.replies] == [True, False], "shown in the order they read"
    async with app.sessions() as session:
        rows = (await session.execute(select(OutboxRow).where(OutboxRow.id.in_(handled.outbox_ids)))).scalars().all()
    sent_in_order = sorted(rows, key=lambda row: row.id)
    assert "Are you new to the region" in sent_in_order[0].payload["text"]
    assert "edit_message_id" in sent_in_order[1].payload and "✔ English" in sent_in_order[1].payload["text"]


async def test_a_redelivered_update_has_no_second_effect(app: Frontdoor) -> None:
    amal = Person(app, 502)
    for kind, text in [
        (EventKind.COMMAND, "start"),
        (EventKind.CHOICE, "lang:en"),
        (EventKind.CHOICE, "role:connectee"),
    ]:
        await amal.do(kind, text)
    first = await amal.do(EventKind.CHOICE, "consent:yes")
    again = await amal.do(EventKind.CHOICE, "consent:yes", update_id=amal.update_id)
    assert again.duplicate and again.replies == [] and again.outbox_ids == []
    assert first.outbox_ids
    assert await count(app, ParticipantRow) == 1
    outbox_before = await count(app, OutboxRow)
    await amal.do(EventKind.TEXT, "Amal", update_id=9999)
    await amal.do(EventKind.TEXT, "Someone else", update_id=9999)
    async with app.sessions() as session:
        name = (await session.execute(select(AnswerRow.value).where(AnswerRow.question_key == "name"))).scalar_one()
    assert name == "Amal"
    assert await count(app, OutboxRow) == outbox_before + 1


async def test_a_restarted_bot_carries_on_where_the_person_was(database_url: str) -> None:
    engine = open_engine(database_url)
    await upgrade(engine)
    first = Frontdoor(load_program(), engine, clock=lambda: NOW)
    amal = Person(first, 503)
    await amal.agree()
    await amal.do(EventKind.TEXT, "Amal")
    await amal.do(EventKind.CHOICE, "a:community:waterloo")
    await first.close()

    engine = open_engine(database_url)
    await upgrade(engine)  # a second upgrade at start is harmless
    second = Frontdoor(load_program(), engine, clock=lambda: NOW)
    amal.app = second
    handled = await amal.do(EventKind.CHOICE, "a:situation:refugee")
    assert "In which year did you arrive in Canada?" in handled.replies[-1].text
    async with UnitOfWork(second.sessions) as uow:
        conversation = await uow.conversations.lock("telegram", 503, 503, NOW)
        participant = await uow.participants.get(conversation.participant_id or 0)
    assert conversation.step is Step.QUESTION and conversation.question == "arrival_year"
    assert participant is not None
    assert participant.answers == {"name": "Amal", "community": "waterloo", "situation": "refugee"}
    await second.close()


async def test_start_over_deletes_the_answers_from_the_store(app: Frontdoor) -> None:
    amal = Person(app, 504)
    await amal.agree()
    await amal.do(EventKind.TEXT, "Amal")
    await amal.do(EventKind.COMMAND, "start")
    await amal.do(EventKind.CHOICE, "resume:over")
    assert await count(app, ParticipantRow) == 1, "Start over asks first"
    await amal.do(EventKind.CHOICE, "over:yes")
    assert await count(app, ParticipantRow) == 0
    assert await count(app, AnswerRow) == 0
