"""Buttons and commands that are not the sender's to use change nothing and give nothing away."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.tables import MeetingRow, ParticipantRow, ProposalRow
from tests.support.personas import AMAL, INTRODUCTION, OFFER, PRIYA, approve_all
from tests.support.world import Phone, World

UNKNOWN = "Sorry, I do not know that command. Send /help to see what I can do."
EXPIRED = "This button has expired."


async def a_proposal(world: World) -> tuple[Phone, Phone, Phone]:
    """Priya is offered Amal; Mallory is registered too and wants in."""
    priya, amal, mallory = world.phone(201), world.phone(101), world.phone(666)
    await world.register(priya, "connector", PRIYA)
    await world.register(amal, "connectee", AMAL)
    await approve_all(world)
    await mallory.send("/start")
    return priya, amal, mallory


async def match_status(world: World) -> str:
    async with world.app.sessions() as session:
        return str((await session.execute(select(ProposalRow.status))).scalar_one())


async def meetings(world: World) -> int:
    async with world.app.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(MeetingRow))).scalar_one())


async def test_forged_callback_for_another_users_proposal(world: World) -> None:
    priya, amal, mallory = await a_proposal(world)
    introduction = priya.showing(INTRODUCTION)
    first_time = introduction.labels()[0]
    await mallory.press_forged(introduction.data_of(first_time))  # Priya's button
    assert mallory.notices == [EXPIRED]
    assert await match_status(world) == "offered"
    await priya.click(first_time)
    await mallory.press_forged(amal.showing(OFFER).data_of(OFFER))  # Amal's "Yes, that works"
    assert mallory.notices == [EXPIRED, EXPIRED]
    assert (await match_status(world), await meetings(world)) == ("proposed", 0)
    assert not any("Mallory" in text or "@" in text for text in mallory.texts()), "nothing of theirs shown to her"


async def test_replayed_old_callback(world: World) -> None:
    priya, amal, _ = await a_proposal(world)
    introduction = priya.showing(INTRODUCTION)
    first_time = introduction.labels()[0]
    pick = introduction.data_of(first_time)
    await priya.click(first_time)
    await priya.press_forged(pick)  # the same button again: the turn has moved on
    assert priya.notices == [EXPIRED]
    accept = amal.showing(OFFER).data_of(OFFER)
    await amal.click(OFFER)
    await amal.press_forged(accept)
    assert amal.notices == [EXPIRED]
    assert (await match_status(world), await meetings(world)) == ("confirmed", 1), "booked once"


async def test_coordinator_command_from_a_participant(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    for command in ("/pending", "/find Amal", "/match 1", "/pause 1", "/digest", "/stats", "/report 2026-11"):
        await amal.send(command)
        assert amal.last.text == UNKNOWN, command
    await amal.press_forged("ok:1")  # a coordinator's Approve button
    assert amal.notices == [EXPIRED]
    async with world.app.sessions() as session:
        status, paused = (await session.execute(select(ParticipantRow.status, ParticipantRow.paused_until))).one()
    assert (status, paused) == ("submitted", None), "she approved and paused nobody, herself included"


async def test_export_by_a_non_coordinator(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    for command in ("/export", "/export csv", "/export xlsx", "/export json"):
        await amal.send(command)
        assert (amal.last.text, amal.last.document) == (UNKNOWN, None), command
    for data in ("ex:json", "ex:csv", "ex:xlsx"):
        await amal.press_forged(data)
    assert amal.notices == [EXPIRED] * 3
    assert all(message.document is None for message in amal.screen)
