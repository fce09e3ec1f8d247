"""Someone erased (by /delete, `frontdoor erase` or retention), or who stopped registering, is found
in no table of the database and, on SQLite, in none of its files: not their name, e-mail, phone
or Telegram id; and what serves only delivery is pruned on a schedule."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from handlers.core.events import Event, EventKind, event_to_payload
from storage.incoming import Arrived
from storage.tables import (
    Base,
    ConversationRow,
    CoordinatorInviteRow,
    CoordinatorRow,
    DigestRow,
    IncomingUpdateRow,
    JobRow,
    OutboxRow,
    ParticipantRow,
    ProcessedUpdateRow,
    TeamMessageRow,
)
from storage.unit_of_work import UnitOfWork
from tests.support.clock import NOW
from tests.support.personas import AMAL, COORDINATOR, PRIYA, approve_all
from tests.support.world import CHANNEL, World

PRIYA_TELEGRAM = 7203340991  # digits found nowhere else
AMAL_TELEGRAM = 7101550883
PRIYA_SAYS = ("Priya Sharma", "priya@example.com", "+15195550111", "519-555-0111", str(PRIYA_TELEGRAM))


async def found_in_tables(world: World, needles: tuple[str, ...], telegram_id: int | None = None) -> list[str]:
    """Every table, every row, every column: where any of the needles (or the Telegram id) is."""
    found = []
    async with world.app.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    if _is_id(value, telegram_id) or any(needle in _text(value) for needle in needles):
                        found.append(f"{table.name}.{column}: {str(value)[:120]!r}")
    return found


def _is_id(value: Any, telegram_id: int | None) -> bool:
    return type(value) is int and value == telegram_id


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value if isinstance(value, str) else ""


def found_in_files(database_url: str, needles: tuple[str, ...]) -> list[str]:
    """On SQLite, the raw bytes of the database file and of its -wal and -shm beside it."""
    path = make_url(database_url).database
    if not database_url.startswith("sqlite") or not path:
        return []
    found = []
    for name in (path, f"{path}-wal", f"{path}-shm"):
        if Path(name).exists():
            content = Path(name).read_bytes()
            found += [f"{Path(name).name}: {needle}" for needle in needles if needle.encode() in content]
    return found


async def set_aside_update(world: World, user_id: int, text: str) -> None:
    """An update of theirs that failed every attempt and was set aside (its payload holds their id)."""
    async with UnitOfWork(world.app.sessions) as uow:
        event = Event(900_001, user_id, user_id, EventKind.TEXT, text)
        await uow.incoming.store(CHANNEL, [Arrived(event.update_id, user_id, event_to_payload(event), None)], world.now)
        row = await uow.incoming.claim_next(CHANNEL, world.now)
        await uow.incoming.retry(row.id, "RuntimeError: a bug", world.now, give_up=True)
        await uow.commit()


async def lists_waiting_for_the_coordinator(world: World) -> None:
    """Coordinator's messages not delivered yet (their chat answered 429, retried later): one names
    Priya, by her number as shown, the other Amal only."""
    texts = ["#1 Priya, volunteer, +1 519-555-0111", "#2 Amal Haddad, newcomer, amal@example.com"]
    async with UnitOfWork(world.app.sessions) as uow:
        for outbox_id in await uow.outbox.add(CHANNEL, COORDINATOR, [{"text": text} for text in texts], world.now):
            await uow.outbox.mark_retry(outbox_id, "Too Many Requests", world.now + timedelta(minutes=5))
        await uow.commit()


async def waiting_texts(world: World) -> list[str]:
    async with world.app.sessions() as session:
        rows = await session.execute(select(OutboxRow.payload).where(OutboxRow.status == "pending"))
        return [payload["text"] for payload in rows.scalars()]


async def priya_id(world: World) -> int:
    async with world.app.sessions() as session:
        return int(
            (
                await session.execute(select(ParticipantRow.id).where(ParticipantRow.user_id == PRIYA_TELEGRAM))
            ).scalar_one()
        )


async def erase_priya(world: World, route: str) -> None:
    if route == "delete":
        priya = world.phones[PRIYA_TELEGRAM]
        await priya.send("/delete")
        await priya.click("Yes, erase my data")
    elif route == "erase":
        assert await world.app.erase(CHANNEL, await priya_id(world))
        await world.deliver()
    else:
        world.now = NOW + timedelta(days=731)
        await world.phone(999).send("/start")  # the program is alive: retention's clock check passes
        await world.tick(NOW + timedelta(days=731, hours=1))


@pytest.mark.parametrize("route", ["delete", "erase", "retention"])
async def test_an_erased_connector_is_found_in_no_table_and_no_database_file(
    world: World, database_url: str, route: str
) -> None:
    priya, amal = world.phone(PRIYA_TELEGRAM), world.phone(AMAL_TELEGRAM)
    await world.register(priya, "connector", PRIYA)  # the coordinators are told of a new application
    await world.register(amal, "connectee", AMAL)
    await approve_all(world)  # /pending lists her, with her contact details
    await priya.click("Thu, Nov 26, 9:00\u202fAM")  # the introduction to Amal
    await amal.click("Yes, that works")  # the meeting's details, with Priya's phone and e-mail, to Amal
    assert any("+1 519-555-0111 and priya@example.com" in text for text in amal.texts())
    await set_aside_update(world, PRIYA_TELEGRAM, "my e-mail is priya@example.com")
    await priya.send("/contact My new number is 519-555-0111")  # to the team, and its answer
    await world.phones[COORDINATOR].send("/reply 1 Thank you Priya, noted: 519-555-0111")
    await lists_waiting_for_the_coordinator(world)
    assert await found_in_tables(world, PRIYA_SAYS, PRIYA_TELEGRAM), "the test must see her before"

    await erase_priya(world, route)

    assert await found_in_tables(world, (*PRIYA_SAYS, "Priya"), PRIYA_TELEGRAM) == []
    assert found_in_files(database_url, PRIYA_SAYS) == []
    if route != "retention":  # which anonymizes Amal too, as inactive as Priya
        # Not Amal's; and Amal has nobody left: the coordinators are told so, behind what waits for them.
        assert sorted(await waiting_texts(world)) == [
            "#2 Amal Haddad, newcomer, amal@example.com",
            "No volunteer is free for Amal (#2), “Software developer” at the moment.",
        ], "not Amal's"
    async with world.app.sessions() as session:
        erased = await session.get(ParticipantRow, await priya_id_of_erased(world))
    assert erased is not None and erased.status == "erased", "an anonymous record stays for the counts"


async def priya_id_of_erased(world: World) -> int:
    async with world.app.sessions() as session:
        rows = await session.execute(
            select(ParticipantRow.id).where(ParticipantRow.role == "connector", ParticipantRow.status == "erased")
        )
        return int(rows.scalar_one())


async def test_stopping_a_registration_deletes_the_answers_and_delete_then_forgets_the_chat(world: World) -> None:
    priya = world.phone(PRIYA_TELEGRAM)
    await world.register(priya, "connector", PRIYA, submit=False)
    assert "priya@example.com" in priya.last.text, "the review screen shows what she gave"

    await priya.send("/cancel")
    await priya.click("Yes, stop and delete")
    assert priya.last.text == "Stopped, and your answers are deleted. Send /start whenever you want to begin again."
    assert await found_in_tables(world, PRIYA_SAYS[:4]) == [], "deleted means deleted: the review screen too"

    await priya.send("/delete")
    assert priya.last.text == (
        "You have no registration with us. What we kept for this chat (its language, where you were in "
        "the conversation, a coordinator's access) is now erased."
    )
    assert await found_in_tables(world, PRIYA_SAYS, PRIYA_TELEGRAM) == []


async def test_a_coordinator_who_joined_with_a_code_and_deletes_keeps_no_access_and_no_digest_record(
    world: World,
) -> None:
    code, _ = await world.app.invite_coordinator()
    helper = world.phone(PRIYA_TELEGRAM)
    await helper.send(f"/coordinator {code}")
    await world.run_jobs(NOW + timedelta(days=1))  # the daily digest, recorded as sent to each coordinator
    async with world.app.sessions() as session:
        digests = select(func.count()).select_from(DigestRow).where(DigestRow.user_id == PRIYA_TELEGRAM)
        assert await session.scalar(digests) == 1

    await helper.send("/delete")
    assert helper.last.text.startswith("This ends your coordinator access")
    await helper.click("Yes, erase my data")
    assert helper.last.text.startswith("Done: your coordinator access has ended")
    async with world.app.sessions() as session:
        assert (await session.execute(select(CoordinatorRow))).all() == []
        assert (await session.execute(select(DigestRow).where(DigestRow.user_id == PRIYA_TELEGRAM))).all() == []
        assert (await session.execute(select(CoordinatorInviteRow.redeemed_by))).scalars().all() == [None]
    assert await found_in_tables(world, (str(PRIYA_TELEGRAM),), PRIYA_TELEGRAM) == []
    await helper.send("/pending")
    assert not helper.last.text.startswith("Waiting for review"), "no coordinator any more"


async def test_what_serves_only_delivery_and_bookkeeping_is_pruned_once_old(world: World) -> None:
    amal, visitor = world.phone(AMAL_TELEGRAM), world.phone(555)
    await world.register(amal, "connectee", AMAL)
    await visitor.send("/start")  # looked, and never came back
    await set_aside_update(world, AMAL_TELEGRAM, "a message that broke a handler")
    await amal.send("/contact Is the program free?")  # a question to the team, long answered
    await world.phones[COORDINATOR].send("/reply 1 Yes, it is.")
    await world.tick(NOW + timedelta(hours=1))  # today's jobs, done

    later = NOW + timedelta(days=100)
    world.now = later
    await amal.send("/status")  # her fresh update, reply and job stay
    await world.tick(later)  # pruning measures its ages on the real clock, as retention does

    async with world.app.sessions() as session:

        async def before(column: Any, moment: datetime) -> int:
            return int(await session.scalar(select(func.count()).where(column < moment)) or 0)

        assert await before(ProcessedUpdateRow.processed_at, later - timedelta(days=7)) == 0
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdateRow)) == 1, "/status's"
        assert await before(OutboxRow.created_at, later - timedelta(days=7)) == 0
        assert await session.scalar(select(func.count()).select_from(OutboxRow)) >= 1, "/status's reply"
        finished = select(JobRow).where(JobRow.status != "pending", JobRow.done_at < later - timedelta(days=30))
        assert (await session.execute(finished)).all() == []
        assert await session.scalar(select(func.count()).where(JobRow.status == "done")), "today's, done"
        assert (await session.execute(select(IncomingUpdateRow))).all() == []
        chats = (await session.execute(select(ConversationRow.user_id))).scalars().all()
        to_the_team = (await session.execute(select(TeamMessageRow.text))).scalars().all()
    assert chats == [AMAL_TELEGRAM], "the idle visitor's chat goes; a registered person's stays for retention"
    assert to_the_team == [], "messages with the team go after 90 days"
