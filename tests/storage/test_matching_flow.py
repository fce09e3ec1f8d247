"""Matching and the one-time meeting, as the people involved see it, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import func, select

from handlers.core.program import MatchingRules, MatchMode, load_program
from storage.tables import MeetingRow, ParticipantRow, ProposalRow, SlotHoldRow
from storage.unit_of_work import UnitOfWork
from tests.support.clock import NOW
from tests.support.personas import (
    AMAL,
    COORDINATOR,
    DETAILS,
    INTRODUCTION,
    OFFER,
    PRIYA,
    approve_all,
    two_connectors_and_a_newcomer,
)
from tests.support.world import World, world_on


async def count(world: World, table: type) -> int:
    async with world.app.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_approved_newcomer_meets_a_connector_both_confirm_and_get_the_details(world: World) -> None:
    priya, amal = world.phone(201), world.phone(101)
    await world.register(priya, "connector", PRIYA)
    await world.register(amal, "connectee", AMAL)
    coordinator = world.phones[COORDINATOR]
    assert any("New application to review" in text and "Amal" in text for text in coordinator.texts())

    await approve_all(world)
    assert "✔ Approved" in coordinator.last.text
    assert any("your registration is approved" in text for text in amal.texts())

    introduction = priya.showing(INTRODUCTION)
    assert "introduce you to a newcomer" in introduction.text
    assert "Software developer" in introduction.text and "Information technology" in introduction.text
    assert "amal@example.com" not in introduction.text, "no contact details before both confirm"
    assert introduction.labels()[:3] == [
        "Tue, Nov 24, 10:00\u202fAM",
        "Thu, Nov 26, 9:00\u202fAM",
        "Tue, Dec 1, 9:00\u202fAM",
    ]
    assert await count(world, SlotHoldRow) == 3

    await priya.click("Thu, Nov 26, 9:00\u202fAM")
    assert "You proposed Thu, Nov 26, 9:00\u202fAM" in introduction.text
    offer = amal.showing(OFFER)
    assert (
        "Priya (“Software engineer”, “Shopify”) would like to meet you for 30 minutes on Thu, Nov 26, 9:00\u202fAM"
        in (offer.text)
    )

    await amal.click("Yes, that works")
    for reader, other_contact in ((amal, "priya@example.com"), (priya, "amal@example.com")):
        details = reader.showing(DETAILS)
        assert "Your meeting is confirmed!" in details.text
        assert "When: Thu, Nov 26, 9:00\u202fAM" in details.text and "How: by video call" in details.text
        assert other_contact in details.text
        calendar = Calendar.from_ical(reader.last.document)
        event = calendar.walk("VEVENT")[0]
        assert event.decoded("dtstart") == datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
        assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=30)
    assert "+1 519-555-0111" in amal.showing(DETAILS).text
    assert await count(world, SlotHoldRow) == 0, "the other held slots are free again"
    assert await count(world, MeetingRow) == 1

    await world.run_jobs(datetime(2026, 11, 25, 14, 1, tzinfo=UTC))
    assert "Reminder: you meet Priya in 24 hours, on Thu, Nov 26, 9:00\u202fAM." in amal.last.text
    assert "Reminder: you meet Amal in 24 hours" in priya.last.text
    await world.run_jobs(datetime(2026, 11, 25, 14, 2, tzinfo=UTC))
    assert amal.texts().count(amal.last.text) == 1, "a reminder goes out once"

    await amal.send("/status")
    assert "Your meeting with Priya: Thu, Nov 26, 9:00\u202fAM." in amal.last.text


async def test_a_connector_who_cannot_take_it_passes_the_newcomer_to_the_next_connector(world: World) -> None:
    priya, marc, amal = await two_connectors_and_a_newcomer(world)
    first = priya.showing(INTRODUCTION)  # Priya speaks Arabic too: she comes first
    assert not any(message.shows(INTRODUCTION) for message in marc.screen)

    await priya.click("I can't take this one")
    assert "We will introduce Amal to someone else" in first.text
    assert "introduce you to a newcomer" in marc.showing(INTRODUCTION).text

    await marc.click("None of these times work")
    assert "Here are other times that suit Amal" in marc.last.text
    await marc.click("I can't take this one")
    assert "We are still looking for the right volunteer for you" in amal.last.text
    async with world.app.sessions() as session:
        statuses = sorted(tuple(row) for row in await session.execute(select(ProposalRow.status, ProposalRow.ended_by)))
    assert statuses == [("declined", "connector"), ("declined", "connector")]


async def test_no_answer_gets_one_nudge_then_the_proposal_expires_and_matching_moves_on(world: World) -> None:
    priya, marc, amal = await two_connectors_and_a_newcomer(world)
    await world.run_jobs(NOW + timedelta(hours=48, minutes=1))
    assert "A gentle reminder" in priya.screen[-2].text
    assert "introduce you to a newcomer" in priya.last.text, "the question comes again with its buttons"
    await world.run_jobs(NOW + timedelta(hours=72))
    assert priya.texts().count(priya.screen[-2].text) == 1, "one nudge only"
    await world.run_jobs(NOW + timedelta(hours=96, minutes=1))
    assert "This meeting proposal has expired" in priya.last.text
    assert "introduce you to a newcomer" in marc.showing(INTRODUCTION).text


async def test_a_cancelled_meeting_tells_the_other_side_and_finds_another_connector(world: World) -> None:
    priya, marc, amal = await two_connectors_and_a_newcomer(world)
    await priya.click(priya.showing(INTRODUCTION).labels()[0])  # the first time offered
    await amal.click("Yes, that works")
    await priya.click("Cancel the meeting")
    assert priya.last.text == "Cancel your meeting with Amal on Tue, Nov 24, 10:00\u202fAM?"
    await priya.click("Yes, cancel it")
    assert "Priya has cancelled your meeting on Tue, Nov 24, 10:00\u202fAM" in "\n".join(amal.texts())
    assert "introduce you to a newcomer" in marc.showing(INTRODUCTION).text
    async with world.app.sessions() as session:
        assert (await session.execute(select(MeetingRow.status))).scalar_one() == "cancelled"


async def test_the_newcomer_asks_for_another_of_the_held_times_and_the_connector_agrees(world: World) -> None:
    priya, amal = world.phone(201), world.phone(101)
    await world.register(priya, "connector", PRIYA)
    await world.register(amal, "connectee", AMAL)
    await approve_all(world)
    await priya.click("Tue, Nov 24, 10:00\u202fAM")
    await amal.click("Another time, please")
    assert amal.last.labels() == ["Thu, Nov 26, 9:00\u202fAM", "Tue, Dec 1, 9:00\u202fAM", "No, thank you"]
    await amal.click("Tue, Dec 1, 9:00\u202fAM")
    assert "Amal would prefer to meet on Tue, Dec 1, 9:00\u202fAM" in priya.last.text
    await priya.click("Yes, Tue, Dec 1, 9:00\u202fAM works")
    assert "When: Tue, Dec 1, 9:00\u202fAM" in amal.showing(DETAILS).text
    # The held time came back with Toronto's offset, once written TZID="UTC-05:00": a zone the file
    # never defines (RFC 5545), which a calendar app reads as its own, 3 hours off in Vancouver.
    for reader in (amal, priya):
        assert reader.last.payload["document"]["filename"] == "meeting.ics"
        ics = (reader.last.document or b"").decode()
        assert "DTSTART:20261201T140000Z" in ics.splitlines() and "DTEND:20261201T143000Z" in ics.splitlines()
        assert "TZID" not in ics, "in UTC, no zone named that the file does not define"


async def test_in_coordinator_mode_the_coordinator_picks_from_three_with_reasons(database_url: str) -> None:
    base = load_program()
    program = type(base)(**{**base.__dict__, "matching": MatchingRules(match_mode=MatchMode.COORDINATOR)})
    async with world_on(database_url, NOW, program=program, coordinators=[COORDINATOR]) as world:
        priya, marc, amal = await two_connectors_and_a_newcomer(world)
        coordinator = world.phones[COORDINATOR]
        suggestions = coordinator.showing("Propose Priya")
        assert "Suggested volunteers for Amal" in suggestions.text
        assert "1. Priya (“Software engineer”, “Shopify”)" in suggestions.text
        assert "same sector, occupation in common: software, shares English and Arabic" in suggestions.text
        assert suggestions.labels() == ["Propose Priya", "Propose Marc"]
        await coordinator.click("Propose Marc")
        assert "Proposed Marc to Amal" in coordinator.last.text
        assert "introduce you to a newcomer" in marc.showing(INTRODUCTION).text


async def test_a_newcomer_waiting_for_a_connector_is_matched_when_one_is_approved(world: World) -> None:
    amal, priya = world.phone(101), world.phone(201)
    await world.register(amal, "connectee", AMAL)
    await approve_all(world)
    assert "We are still looking for the right volunteer for you" in amal.last.text
    assert await world.app.dry_run() == ["No volunteer is free for Amal (#1), “Software developer” at the moment."]

    await world.register(priya, "connector", PRIYA)
    await approve_all(world)
    (suggestion,) = await world.app.dry_run()
    assert suggestion.startswith("Suggested volunteers for Amal (#1), “Software developer”:\n1. Priya")
    assert not any(message.shows(INTRODUCTION) for message in priya.screen), "a dry run proposes nothing"

    await world.run_jobs(NOW)  # the approval's sweep
    assert "introduce you to a newcomer" in priya.showing(INTRODUCTION).text
    assert await world.app.dry_run() == ["Nobody is waiting for a volunteer."]


async def test_a_coordinator_sees_the_coordinator_commands_in_help(world: World) -> None:
    coordinator, amal = world.phone(COORDINATOR), world.phone(101)
    await coordinator.send("/help")
    lines = coordinator.last.text.splitlines()
    assert lines[:2] == ["For coordinators:", "/pending: Applications waiting for review"]
    assert [line.split(":")[0] for line in lines[2:]] == [
        "/find",
        "/match",
        "/pause",
        "/digest",
        "/export",
        "/stats",
        "/report",
        "/reply",
    ]
    await amal.send("/help")
    assert "/pending" not in "\n".join(amal.texts()) and "For coordinators" not in "\n".join(amal.texts())


async def test_a_volunteer_who_blocked_the_bot_mid_registration_and_came_back_is_matched_once_approved(
    world: World,
) -> None:
    priya, amal = world.phone(201), world.phone(101)
    await world.register(priya, "connector", PRIYA, submit=False)
    async with UnitOfWork(world.app.sessions) as uow:  # what the sender does on Telegram's 403
        await uow.participants.mark_unreachable("telegram", 201, NOW)
        await uow.commit()

    await priya.click("Submit")  # she unblocked the bot, and carries on where she was
    assert "Your registration as a volunteer is submitted." in priya.last.text
    async with world.app.sessions() as session:
        assert (await session.execute(select(ParticipantRow.unreachable_since))).scalar_one() is None
    await world.register(amal, "connectee", AMAL)
    await approve_all(world)
    assert "introduce you to a newcomer" in priya.showing(INTRODUCTION).text
