"""One person's flood must not stall everyone: a token bucket per person, a capped queue per chat, a
claim that looks at each chat's first messages only. On a real database (SQLite, and PostgreSQL)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import Frontdoor
from bot.delivery import Delivery
from bot.flood import BURST, TRACKED, Allowance, Verdict
from bot.incoming import Incoming
from bot.pipeline import CHAT_QUEUE
from bot.sender import Sender
from handlers.core.events import Event, EventKind
from handlers.core.program import load_program
from storage.database import open_engine, upgrade
from storage.hot import LoopSideSqlite
from storage.tables import AnswerRow, IncomingUpdateRow, OutboxRow
from storage.unit_of_work import UnitOfWork
from tests.security.test_hostile_input import at_the_name_question, stored_answers
from tests.support.clock import NOW, Clock
from tests.support.personas import COORDINATOR
from tests.support.world import World

SLOW_DOWN = (
    "You are sending messages very quickly, so we skipped some of them. "
    "Please wait a few seconds, then send your answer again."
)
FLOODER, OTHER = 101, 102
EIGHT_AM = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # the digest's hour in Toronto


def said(user_id: int, update_id: int, kind: EventKind, text: str) -> Event:
    return Event(update_id, user_id, user_id, kind, text, language_code="en", message_id=7)


async def no_answer(_query: str, _toast: str | None) -> None:
    return None


async def test_a_person_sending_5000_messages_at_once_is_answered_ten_times_and_told_once_to_slow_down(
    app: Frontdoor,
) -> None:
    delivered: dict[int, list[str]] = defaultdict(list)

    async def deliver(chat_id: int, payload: dict[str, Any]) -> Delivery:
        delivered[chat_id].append(payload["text"])
        return Delivery("sent")

    sender = Sender(app.sessions, "telegram", deliver, per_second=1000, chat_interval=0)
    incoming = Incoming(app, "telegram", sender, no_answer, consumers=1)
    typed = [
        said(FLOODER, 1, EventKind.COMMAND, "start"),
        said(FLOODER, 2, EventKind.CHOICE, "lang:en"),
        said(FLOODER, 3, EventKind.CHOICE, "role:connectee"),
        said(FLOODER, 4, EventKind.CHOICE, "consent:yes"),
        said(FLOODER, 5, EventKind.TEXT, "Amal Haddad"),
    ]
    flood = typed + [said(FLOODER, n, EventKind.TEXT, f"spam {n}") for n in range(6, 5001)]
    flood.append(said(OTHER, 5001, EventKind.COMMAND, "start"))
    most_stored = 0
    for poll in range(0, len(flood), 100):  # as Telegram hands them over: a hundred a poll
        async with incoming.gathering():
            for event in flood[poll : poll + 100]:
                await incoming.receive(event)
        most_stored = max(most_stored, await stored_of(app, FLOODER))
    while (await app.handle_waiting("telegram", 32, lease=sender.lease)).received:
        pass
    await sender.settle(timeout=10)

    flooder_got = delivered[FLOODER] + await waiting_for(app, FLOODER)
    assert flooder_got.count(SLOW_DOWN) == 1, "one note for the whole flood, not one reply per message"
    assert len(flooder_got) < CHAT_QUEUE
    other_got = delivered[OTHER] + await waiting_for(app, OTHER)
    assert any("Which language" in text for text in other_got), "the other person is answered"
    assert most_stored <= BURST + 1, "the flood was never stored to be worked through"
    async with app.sessions() as session:
        names = (await session.execute(select(AnswerRow.value).where(AnswerRow.question_key == "name"))).scalars()
        assert list(names) == ["Amal Haddad"], "what they typed within their allowance is kept"


async def waiting_for(app: Frontdoor, chat_id: int) -> list[str]:
    """The messages to this chat still waiting in the outbox (a sent one keeps no words)."""
    async with app.sessions() as session:
        query = (
            select(OutboxRow.payload)
            .where(OutboxRow.chat_id == chat_id, OutboxRow.status == "pending")
            .order_by(OutboxRow.id)
        )
        return [payload["text"] for payload in (await session.execute(query)).scalars()]


async def stored_of(app: Frontdoor, user_id: int) -> int:
    async with app.sessions() as session:
        query = select(func.count()).where(IncomingUpdateRow.user_id == user_id)
        return int((await session.execute(query)).scalar_one())


def test_a_flood_that_goes_on_for_a_minute_gets_one_note_and_a_new_flood_after_a_pause_gets_another() -> None:
    allowance = Allowance()
    first = [allowance.take("telegram", FLOODER, 0.0) for _ in range(100)]
    assert first.count(Verdict.TAKE) == BURST and first.count(Verdict.SLOW_DOWN) == 1
    going_on = [allowance.take("telegram", FLOODER, second / 5) for second in range(1, 300)]  # five a second
    assert Verdict.SLOW_DOWN not in going_on, "still the same flood"
    assert 55 <= going_on.count(Verdict.TAKE) <= 61, "one a second still gets through"
    quiet_again = 60 + BURST + 1
    second = [allowance.take("telegram", FLOODER, quiet_again) for _ in range(20)]
    assert second.count(Verdict.TAKE) == BURST and second.count(Verdict.SLOW_DOWN) == 1
    assert allowance.take("telegram", OTHER, quiet_again) is Verdict.TAKE, "everyone has their own allowance"


def test_a_person_tapping_through_the_intake_briskly_is_never_slowed_down() -> None:
    """Every answer two seconds after the question; the boxes of three several-choice questions
    ticked three a second, five each and Done; /back, /status and /help on the way."""
    allowance = Allowance()
    moments: list[float] = []
    now = 0.0
    for question in range(25):
        now += 2.0
        taps = 6 if question in (8, 9, 12) else 1
        moments += [now + tap / 3 for tap in range(taps)]
        now = moments[-1]
    moments += [now + 1.0, now + 1.5, now + 2.0]  # /back, /status, /help in a row
    assert {allowance.take("telegram", FLOODER, moment) for moment in moments} == {Verdict.TAKE}


@pytest.mark.parametrize("burst", [BURST, 1_000_000.0], ids=["default", "lifted"])
def test_the_buckets_kept_stay_few_however_many_new_people_keep_coming(burst: float) -> None:
    """Memory follows the people writing now, not everyone who ever wrote: 50 newcomers a second,
    each sending three updates, for twenty minutes, with the allowance as shipped and lifted as the
    benchmarks run (FRONTDOOR_PERSON_BURST=1000000)."""
    allowance = Allowance(burst=burst)
    most = 0
    for index in range(60_000):
        now = index / 50
        for tap in range(3):
            allowance.take("telegram", 1_000_000 + index, now + tap / 3)
        most = max(most, allowance.tracked())
    assert most <= TRACKED, f"{most:,} people tracked at once"


def test_a_person_still_refilling_is_not_forgotten_when_full_buckets_are() -> None:
    allowance = Allowance()
    assert [allowance.take("telegram", FLOODER, 0.0) for _ in range(int(BURST) + 1)][-1] is Verdict.SLOW_DOWN
    for index in range(TRACKED):  # enough newcomers for full buckets to be looked for
        allowance.take("telegram", 1_000_000 + index, 5.0 + index / 10_000)
    assert allowance.take("telegram", FLOODER, 6.0) is Verdict.TAKE  # six seconds refilled: six again
    assert [allowance.take("telegram", FLOODER, 6.0) for _ in range(6)].count(Verdict.TAKE) == 5


async def leased_for_a_day(world: World, chat_id: int, count: int) -> None:
    """`count` messages waiting for this chat, held by a sender: none of the chat's later ones goes out."""
    async with UnitOfWork(world.app.sessions) as uow:
        await uow.outbox.add("telegram", chat_id, [{"text": f"earlier {n}"} for n in range(count)], world.now)
        await uow.outbox.claim("telegram", world.now, world.now + timedelta(days=1), count, [chat_id])
        await uow.commit()


async def test_a_chat_with_50_messages_waiting_gets_no_more_replies_but_its_answers_are_stored(world: World) -> None:
    amal = await at_the_name_question(world)
    await leased_for_a_day(world, amal.user_id, CHAT_QUEUE)
    await amal.send("Amal Haddad")
    assert len(await waiting_for(world.app, amal.user_id)) == CHAT_QUEUE, "no 51st message queued for them"
    assert await stored_answers(world) == {"name": "Amal Haddad"}, "their answer is kept all the same"


async def test_a_chat_with_50_messages_waiting_that_stops_registering_is_told_its_answers_are_deleted(
    world: World,
) -> None:
    amal = await at_the_name_question(world)
    await leased_for_a_day(world, amal.user_id, CHAT_QUEUE)
    await amal.send("/cancel")  # "delete your answers?": no room in the chat, not queued
    await amal.press_forged("cancel:yes")  # her app still shows that question from before
    assert amal.last.text == "Stopped, and your answers are deleted. Send /start whenever you want to begin again.", (
        "her 50 messages went with her answers, so there is room for the one that says so"
    )


async def test_a_coordinators_digest_is_queued_however_many_messages_wait_for_them(world: World) -> None:
    world.phone(COORDINATOR)
    await leased_for_a_day(world, COORDINATOR, CHAT_QUEUE)
    await world.run_jobs(EIGHT_AM)
    waiting = await waiting_for(world.app, COORDINATOR)
    assert len(waiting) == CHAT_QUEUE + 2 and waiting[-1].startswith("Connector Program: daily digest"), (
        "its picture and text, never dropped"
    )


async def queue(app: Frontdoor, chat_id: int, count: int) -> None:
    async with UnitOfWork(app.sessions) as uow:
        await uow.outbox.add("telegram", chat_id, [{"text": f"to {chat_id}: {n}"} for n in range(count)], NOW)
        await uow.commit()


async def test_one_claim_takes_another_chats_message_behind_10000_waiting_for_one_chat(app: Frontdoor) -> None:
    await queue(app, FLOODER, 10_000)
    await queue(app, OTHER, 1)
    async with UnitOfWork(app.sessions) as uow:
        claimed = await uow.outbox.claim("telegram", NOW, NOW + timedelta(minutes=1), 300, per_chat=30)
        await uow.commit()
    assert [message.chat_id for message in claimed].count(FLOODER) == 30, "a chat's share of the batch"
    assert [message.chat_id for message in claimed].count(OTHER) == 1, "the other chat is not left for later"
    assert [message.payload["text"] for message in claimed][:2] == [f"to {FLOODER}: 0", f"to {FLOODER}: 1"]


async def test_claiming_another_chats_message_is_no_more_work_behind_10000_waiting_for_one_chat(tmp_path: Any) -> None:
    """The work SQLite does for the claim (its virtual machine's steps: no clock), with one chat's
    100 messages waiting and with its 10,000, the first of them being sent."""

    async def steps_to_claim_the_other(backlog: int) -> int:
        engine = open_engine(f"sqlite+aiosqlite:///{tmp_path / f'backlog-{backlog}.db'}")
        await upgrade(engine)
        app = Frontdoor(load_program(), engine, clock=Clock(NOW))
        try:
            await queue(app, FLOODER, backlog)
            async with UnitOfWork(app.sessions) as uow:
                await uow.outbox.claim("telegram", NOW, NOW + timedelta(minutes=1), 300, [FLOODER], per_chat=30)
                await uow.commit()
            await queue(app, OTHER, 1)
            steps = [0]
            async with UnitOfWork(app.sessions) as uow:
                connection = await uow.session.connection()
                driver = connection.sync_connection.connection.driver_connection  # type: ignore[union-attr]
                assert isinstance(driver, LoopSideSqlite)
                sqlite = driver.on_loop()
                assert isinstance(sqlite, sqlite3.Connection)
                sqlite.set_progress_handler(lambda: steps.__setitem__(0, steps[0] + 1) or 0, 100)
                claimed = await uow.outbox.claim("telegram", NOW, NOW + timedelta(minutes=1), 300, per_chat=30)
                sqlite.set_progress_handler(None, 100)
                await uow.commit()
            assert [message.chat_id for message in claimed] == [OTHER]
            return steps[0]
        finally:
            await app.close()

    small, large = await steps_to_claim_the_other(100), await steps_to_claim_the_other(10_000)
    assert large <= small * 1.5 + 10, f"{small} hundred steps behind 100 messages, {large} behind 10,000"
