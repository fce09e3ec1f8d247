"""Who may meet whom (issue 23), as the people involved see it, on a real database.

A language in common and a way to meet are never traded for points; a volunteer from the newcomer's
field comes first, and one from another field is proposed only as the program file says; the offer
says who, how and where before anyone accepts; a no-show waits for a coordinator or for the
newcomer's own "match me again"; and the daily sweep forgets nobody.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from handlers.core.program import OutsideField, Program, load_program
from storage.tables import MeetingRow, ParticipantRow, ProposalRow
from tests.support.clock import NOW
from tests.support.personas import (
    AMAL,
    CLAIRE,
    COORDINATOR,
    DETAILS,
    INTRODUCTION,
    NADIA,
    OFFER,
    PRIYA,
    WEI,
    approve_all,
    two_connectors_and_a_newcomer,
)
from tests.support.world import Phone, World, world_on

STILL_LOOKING = "We are still looking for the right volunteer for you."
MEETING_END = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)  # Thu, Nov 26, 9:30 in Toronto
FRENCH_IT = WEI | {"name": "Marc Tremblay", "languages": ["en", "fr"], "email": "marc@example.com"}


def program(**matching: object) -> Program:
    base = load_program()
    return replace(base, matching=replace(base.matching, **matching))  # type: ignore[arg-type]


async def approved(world: World, connector: Phone, volunteer: dict[str, object], newcomer: Phone) -> None:
    """The volunteer registers, then Nadia; both are approved."""
    await world.register(connector, "connector", volunteer)
    await world.register(newcomer, "connectee", NADIA)
    await approve_all(world)


def proposed_to(phone: Phone) -> bool:
    return any(message.shows(INTRODUCTION) for message in phone.screen)


async def stored_reasons(world: World) -> list[list[str]]:
    async with world.app.sessions() as session:
        return [
            list(reasons) for reasons in await session.scalars(select(ProposalRow.reasons).order_by(ProposalRow.id))
        ]


async def test_a_nurse_who_shares_no_language_with_the_only_volunteer_waits_until_one_from_her_field_speaks_french(
    world: World,
) -> None:
    wei, nadia, coordinator = world.phone(211), world.phone(111), world.phone(COORDINATOR)
    await approved(world, wei, WEI, nadia)

    assert not proposed_to(wei), "no language in common: never proposed, whatever the points"
    assert nadia.last.text.startswith(STILL_LOOKING)
    why = "No volunteer is free for Nadia (#2), “Registered nurse” at the moment.\nWhy: 1 volunteer shares no language."
    assert coordinator.last.text == why, "the coordinators are told, and why"
    await coordinator.send("/match 2")
    assert coordinator.last.text == why
    assert await world.app.dry_run() == [why]

    await world.run_jobs(NOW + timedelta(days=1))  # the daily sweep, then the digest
    assert nadia.texts().count(nadia.last.text) == 1 and not proposed_to(wei), "told once, not at every sweep"

    claire = world.phone(212)
    await world.register(claire, "connector", CLAIRE)
    await approve_all(world)
    await world.run_jobs(world.now)  # the approval's sweep
    assert not proposed_to(wei)
    introduction = claire.showing(INTRODUCTION)
    for line in ("Who: Nadia, newcomer", "Field: Health care", "Languages: French and Arabic", "How: by video call"):
        assert line in introduction.text
    assert "Where:" not in introduction.text, "by video: no place"

    await claire.click(introduction.labels()[0], on=introduction)
    offer = nadia.showing(OFFER)
    assert offer.text.startswith("Good news, Nadia! Claire (“Nurse manager”, “Grand River Hospital”) would like")
    for line in ("Who: Claire, volunteer", "Field: Health care", "How: by video call"):
        assert line in offer.text, "she reads how they will meet before she accepts"
    await nadia.click("Yes, that works")
    assert "How: by video call" in nadia.showing(DETAILS).text
    async with world.app.sessions() as session:
        assert await session.scalar(select(MeetingRow.mode)) == "video", "the newcomer's own choice"
    [reasons] = await stored_reasons(world)
    assert reasons[:3] == ["sector", "words:1", "language:fr"] and reasons[3].startswith("times:")  # "nurse"
    assert reasons[4:] == ["capacity:2", "new"]


async def test_outside_her_field_the_coordinators_choose_and_she_is_told_once_that_a_coordinator_helps(
    world: World,
) -> None:
    marc, nadia, coordinator = world.phone(211), world.phone(111), world.phone(COORDINATOR)
    await approved(world, marc, FRENCH_IT, nadia)

    assert not proposed_to(marc), "not proposed silently from another field"
    assert nadia.last.text.startswith("We are looking for a volunteer from your field for you.")
    shortlist = coordinator.showing("Propose Marc")
    assert shortlist.text.startswith(
        "Suggested volunteers for Nadia (#2), “Registered nurse”, none from their field or a related one:\n"
        "1. Marc (“Software engineer”, “OpenText”), #1: shares French, "
    )
    assert shortlist.text.endswith("not matched before, and from another field")

    await world.run_jobs(NOW)  # the sweep Marc's approval asked for
    told = len(coordinator.screen), len(nadia.screen)
    await world.run_jobs(datetime(2026, 11, 24, 12, 30, tzinfo=UTC))  # the daily sweep (7:00), before the digest
    assert (len(coordinator.screen), len(nadia.screen)) == told, "the daily sweep repeats nothing"

    await coordinator.click("Propose Marc")
    introduction = marc.showing(INTRODUCTION)
    assert "Please note: Nadia is looking for work in another field than yours" in introduction.text
    await marc.click(introduction.labels()[0], on=introduction)
    assert "Please note: Marc works in another field than yours." in nadia.showing(OFFER).text
    assert (await stored_reasons(world))[0][-1] == "outside"


async def test_a_program_that_offers_outside_the_field_proposes_and_says_so_one_that_waits_proposes_nobody(
    database_url: str,
) -> None:
    async with world_on(
        database_url, NOW, program=program(outside_field=OutsideField.OFFER), coordinators=[COORDINATOR]
    ) as world:
        marc, nadia = world.phone(211), world.phone(111)
        await approved(world, marc, FRENCH_IT, nadia)
        introduction = marc.showing(INTRODUCTION)
        assert "Please note: Nadia is looking for work in another field than yours" in introduction.text
        await marc.click(introduction.labels()[0], on=introduction)
        offer = nadia.showing(OFFER).text
        assert "Field: Information technology" in offer and "Please note: Marc works in another field" in offer

    async with world_on(
        database_url,
        NOW,
        program=program(outside_field=OutsideField.WAIT),
        coordinators=[COORDINATOR],
        first_update=500,
    ) as world:
        marc, nadia = world.phone(213), world.phone(113)
        await approved(world, marc, FRENCH_IT, nadia)
        assert not proposed_to(marc)
        assert nadia.last.text.startswith(STILL_LOOKING), "she waits for someone from her field, and is told so"
        assert not any("Suggested volunteers" in text for text in world.phones[COORDINATOR].texts())


async def test_in_person_only_where_the_volunteer_meets_near_her_and_the_offer_says_where(world: World) -> None:
    far, near, sam = world.phone(211), world.phone(212), world.phone(111)
    in_person = {"meeting_mode": "in_person", "community": "kitchener"}
    await world.register(far, "connector", CLAIRE | {"name": "Farah Aziz", "meeting_communities": ["guelph"]})
    await world.register(sam, "connectee", NADIA | {"name": "Sam Ortiz"} | in_person)
    await approve_all(world)
    coordinator = world.phones[COORDINATOR]
    assert coordinator.last.text.endswith("Why: 1 volunteer has no way to meet in common."), "Guelph is not near"

    olena = {"name": "Olena Koval", "meeting_mode": "in_person", "meeting_communities": ["waterloo"]}
    await world.register(near, "connector", CLAIRE | olena)
    await approve_all(world)
    await world.run_jobs(world.now)
    introduction = near.showing(INTRODUCTION)
    assert "How: in person" in introduction.text
    assert "Where: “Grand River Hospital, King Street” (agree on the exact place together)" in introduction.text
    await near.click(introduction.labels()[0], on=introduction)
    offer = sam.showing(OFFER).text
    assert "How: in person\nWhere: “Grand River Hospital, King Street”" in offer
    assert not proposed_to(far)


async def amal_did_not_come(world: World) -> tuple[Phone, Phone, Phone]:
    """Priya and Marc volunteer; Amal meets Priya on Thursday, and Priya says Amal did not come."""
    priya, marc, amal = await two_connectors_and_a_newcomer(world)
    await priya.click("Thu, Nov 26, 9:00\u202fAM")
    await amal.click("Yes, that works")
    await world.run_jobs(MEETING_END + timedelta(hours=2))  # how did it go?
    await priya.click("The other person did not come")
    await priya.click("No, thank you")
    return priya, marc, amal


async def test_a_newcomer_who_did_not_come_is_not_offered_to_anyone_else_until_she_asks(world: World) -> None:
    priya, marc, amal = await amal_did_not_come(world)
    note = amal.last
    assert note.text.startswith("We missed you at your meeting with Priya. These things happen!")
    assert note.labels() == ["Please match me again"]

    await world.run_jobs(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))  # the next daily sweep, and the digest
    assert not proposed_to(marc), "a no-show is a coordinator's call, or hers"
    digest = world.phones[COORDINATOR].last.text
    assert "1 meeting missed (no-show)" in digest
    assert "1 newcomer missed their meeting, not matched again until they ask or you /match them\n• Amal (#3)" in digest

    await amal.click("Please match me again")
    assert note.text == "Thank you, Amal! We are looking for a volunteer for you again."
    assert "introduce you to a newcomer" in marc.showing(INTRODUCTION).text
    async with world.app.sessions() as session:
        assert await session.scalar(select(ParticipantRow.missed_meeting_at).where(ParticipantRow.id == 3)) is None


async def test_a_coordinators_match_releases_a_newcomer_held_after_a_missed_meeting(world: World) -> None:
    priya, marc, amal = await amal_did_not_come(world)

    coordinator = world.phones[COORDINATOR]
    await coordinator.send("/match 3")
    assert coordinator.last.text.startswith("Suggested volunteers for Amal (#3), “Software developer”:\n1. Marc")
    assert coordinator.last.labels() == ["Propose Marc"], "never Priya again"
    await coordinator.click("Propose Marc")
    assert "introduce you to a newcomer" in marc.showing(INTRODUCTION).text
    await amal.click("Please match me again")  # her own button, pressed after the coordinator's call
    assert amal.notices[-1] == "This button has expired."


async def test_the_daily_sweep_tries_again_when_the_month_frees_capacity_and_the_digest_lists_who_waits_and_why(
    database_url: str,
) -> None:
    async with world_on(database_url, NOW, program=program(waiting_alert_days=3), coordinators=[COORDINATOR]) as world:
        priya, amal, sam = world.phone(201), world.phone(101), world.phone(102)
        await world.register(priya, "connector", PRIYA | {"capacity": 1})
        await world.register(amal, "connectee", AMAL)
        await world.register(sam, "connectee", AMAL | {"name": "Sami Haddad", "email": "sami@example.com"})
        await approve_all(world)
        assert sam.last.text.startswith(STILL_LOOKING), "Priya's one meeting this month went to Amal"
        await priya.click("Thu, Nov 26, 9:00\u202fAM")
        await amal.click("Yes, that works")

        await world.run_jobs(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))  # Friday 9:00 in Toronto: sweep, digest
        digest = world.phones[COORDINATOR].last.text
        assert "1 waiting for longer than 3 days:" in digest
        assert "• Sami (#3), waiting for 3 days: 1 volunteer has no room left this month" in digest

        proposals = len(await stored_reasons(world))
        await world.run_jobs(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
        assert len(await stored_reasons(world)) == proposals, "still November: no room"
        await world.run_jobs(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # the first of the month
        assert len(await stored_reasons(world)) == proposals + 1
        assert "Sami" in priya.showing(INTRODUCTION).text


async def test_the_exports_matches_sheet_gives_the_reasons_in_words_in_the_programs_language(world: World) -> None:
    wei, claire, nadia = world.phone(211), world.phone(212), world.phone(111)
    await world.register(wei, "connector", WEI)
    await world.register(claire, "connector", CLAIRE)
    await world.register(nadia, "connectee", NADIA)
    await approve_all(world)
    document = await world.app.exports.document("json", world.now)  # what a coordinator's /export makes
    [match] = json.loads(document.content)["matches"]
    assert match["reasons"].startswith("same sector, 1 occupation word in common, shares French, ")
    assert match["reasons"].endswith(
        "meeting times in common, 2 more meetings possible this month, and not matched before"
    )
