"""Two coordinators deciding about the same person at the same moment: one decision counts, once.

Each coordinator's tap is handled in a transaction of its own, on PostgreSQL in parallel (their
conversations are locked, not the person they decide about). Here the first tap is handled and not
yet committed when the second comes: as two workers would handle them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select

from handlers.core.events import EventKind
from handlers.core.program import MatchingRules, MatchMode, load_program
from storage.tables import ProposalRow
from storage.unit_of_work import UnitOfWork
from tests.support import driver
from tests.support.clock import NOW
from tests.support.personas import AMAL, COORDINATOR, MARC, PRIYA, approve_all
from tests.support.world import Phone, World, world_on

SECOND_COORDINATOR = 901


@asynccontextmanager
async def two_coordinators(database_url: str, mode: MatchMode) -> AsyncIterator[tuple[World, Phone, Phone]]:
    base = load_program()
    program = type(base)(**{**base.__dict__, "matching": MatchingRules(match_mode=mode)})
    async with world_on(database_url, NOW, program=program, coordinators=[COORDINATOR, SECOND_COORDINATOR]) as world:
        first, second = world.phone(COORDINATOR), world.phone(SECOND_COORDINATOR)
        yield world, first, second


async def tap_at_once(world: World, first: tuple[Phone, str], second: tuple[Phone, str]) -> None:
    """The first coordinator's tap handled, not yet committed, when the second's is handled."""
    events = []
    for phone, label in (first, second):
        pressed = driver.press(phone.screen, label, phone.showing(label))
        assert pressed.message is not None
        events.append(world._event(phone, EventKind.CHOICE, pressed.data, "", pressed.message.id))
    async with UnitOfWork(world.app.sessions) as first_tap:
        await world.app.pipeline._handle(first_tap, "telegram", events[0], world.now)
        second_tap = asyncio.create_task(world.app.handle("telegram", events[1]))
        await asyncio.wait({second_tap}, timeout=1)  # it goes as far as it can meanwhile
        await first_tap.commit()
    second_handled = await second_tap
    if second_handled.notice:
        second[0].notices.append(second_handled.notice)
    await world.deliver()


async def test_two_coordinators_approving_one_newcomer_at_once_approve_her_once(database_url: str) -> None:
    async with two_coordinators(database_url, MatchMode.AUTO) as (world, first, second):
        priya, amal = world.phone(201), world.phone(101)
        await world.register(priya, "connector", PRIYA)
        await approve_all(world)
        await world.register(amal, "connectee", AMAL)
        await first.send("/pending")
        await second.send("/pending")
        assert first.showing("Approve").text.startswith("Amal (#2), newcomer")

        await tap_at_once(world, (first, "Approve"), (second, "Approve"))

        approved = [text for text in amal.texts() if "your registration is approved" in text]
        assert len(approved) == 1, amal.texts()
        assert second.notices == ["This button has expired."]
        assert "✔ Approved" in first.last.text
        async with world.app.sessions() as session:
            assert len(list(await session.execute(select(ProposalRow.id)))) == 1


async def test_two_coordinators_proposing_different_volunteers_to_one_newcomer_at_once_make_one_proposal(
    database_url: str,
) -> None:
    async with two_coordinators(database_url, MatchMode.COORDINATOR) as (world, first, second):
        priya, marc, amal = world.phone(201), world.phone(202), world.phone(101)
        await world.register(priya, "connector", PRIYA)
        await world.register(marc, "connector", MARC)
        await world.register(amal, "connectee", AMAL)
        await approve_all(world)
        assert "Suggested volunteers for Amal" in second.showing("Propose Marc").text

        await tap_at_once(world, (first, "Propose Priya"), (second, "Propose Marc"))

        async with world.app.sessions() as session:
            proposals = list(await session.execute(select(ProposalRow.connector_id, ProposalRow.status)))
        assert proposals == [(1, "offered")], "Priya's, the first tap's; none to Marc"
        assert "introduce you to a newcomer" in priya.last.text
        assert not any("introduce you to a newcomer" in text for text in marc.texts())
        assert second.last.text == "Amal already has a proposal under way."
