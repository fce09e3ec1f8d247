"""Matching, the meeting and its follow-ups as the people see them, through the front desk in memory:
the same conversation as tests/storage/test_matching_flow.py and test_follow_up_flow.py, without
a database, and what the in-memory ports keep of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar

from handlers.core.events import Template
from handlers.core.model import FollowUpStatus, MeetingOutcome, MeetingStatus, ProposalStatus, Status
from handlers.core.templates import FOLLOW_UP, PROPOSAL, REMINDER
from tests.support.chat import ChatClient
from tests.support.clock import NOW
from tests.support.desk import Desk
from tests.support.personas import AMAL, COORDINATOR, DETAILS, INTRODUCTION, MARC, OFFER, PRIYA

THURSDAY_9AM = "Thu, Nov 26, 9:00\u202fAM"  # in Toronto
MEETING_START = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
ASKED = MEETING_START + timedelta(minutes=30, hours=2)  # two hours after the meeting ends: the follow-ups


async def approved(desk: Desk, *people: tuple[ChatClient, str, dict[str, Any]]) -> ChatClient:
    """These people registered (the short way), and the coordinator approves each from /pending."""
    for chat, role, answers in people:
        await desk.registered(chat, role, answers)
    coordinator = desk.people.get(COORDINATOR) or desk.person(COORDINATOR)
    await coordinator.send("/pending")
    for application in [message for message in coordinator.screen if message.shows("Approve")]:
        await coordinator.click("Approve", on=application)
    return coordinator


async def test_a_newcomer_and_a_volunteer_agree_on_a_time_meet_and_both_answer_the_follow_up() -> None:
    desk = Desk(coordinators=[COORDINATOR])
    priya, amal = desk.person(201), desk.person(101)
    coordinator = await approved(desk, (priya, "connector", PRIYA), (amal, "connectee", AMAL))
    assert coordinator.texts()[0] == "2 applications are waiting for review."
    assert [text.endswith("✔ Approved") for text in coordinator.texts()[1:]] == [True, True]
    assert coordinator.labels() == [], "the applications' buttons are gone once pressed"
    assert {person.status for person in desk.participants.rows.values()} == {Status.APPROVED}

    assert amal.texts() == [
        "Good news, Amal: your registration is approved! We are now looking for a volunteer from "
        "your field and will write to you here with a proposed meeting time."
    ]
    introduction = priya.showing(INTRODUCTION)
    assert "We would like to introduce you to a newcomer" in introduction.text
    assert introduction.template == Template(PROPOSAL, ("Priya",)), "what says it a day after she last wrote"
    assert "Occupation: “Software developer”" in introduction.text and "amal@example.com" not in introduction.text
    assert introduction.labels() == [
        "Tue, Nov 24, 10:00\u202fAM",
        THURSDAY_9AM,
        "Tue, Dec 1, 9:00\u202fAM",
        "None of these times work",
        "I can't take this one",
    ]
    (proposal,) = desk.matchmaking.proposals.values()
    assert (proposal.status, proposal.version, len(desk.matchmaking.holds)) == (ProposalStatus.OFFERED, 1, 3)

    await priya.click(THURSDAY_9AM)
    assert introduction.text == f"You proposed {THURSDAY_9AM}. We have asked Amal and will tell you their answer here."
    assert introduction.labels() == []
    offer = amal.showing(OFFER)
    assert (
        f"Priya (“Software engineer”, “Shopify”) would like to meet you for 30 minutes on {THURSDAY_9AM}" in offer.text
    )
    assert offer.labels() == ["Yes, that works", "Another time, please", "No, thank you"]
    assert (desk.matchmaking.proposals[1].status, desk.matchmaking.proposals[1].version) == (ProposalStatus.PROPOSED, 2)

    await amal.click("Yes, that works")
    assert offer.text == f"Confirmed: {THURSDAY_9AM}."
    for reader, other_contact in ((amal, "priya@example.com"), (priya, "amal@example.com")):
        details = reader.showing(DETAILS)
        assert details.text.startswith("Your meeting is confirmed!\n\n")
        assert f"When: {THURSDAY_9AM}" in details.text and "How: by video call" in details.text
        assert other_contact in details.text
        assert details.labels() == ["Reschedule", "Cancel the meeting"]
        card = details.payload["contact_card"]  # a card of its own where the channel sends cards (WhatsApp)
        assert other_contact in card["emails"] and card["name"] in details.text
        event = Calendar.from_ical(reader.last.document or b"").walk("VEVENT")[0]
        assert event.decoded("dtstart") == MEETING_START
    (meeting,) = desk.matchmaking.meetings.values()
    assert (meeting.status, meeting.starts_at, meeting.mode) == (MeetingStatus.SCHEDULED, MEETING_START, "video")
    assert desk.matchmaking.proposals[1].status is ProposalStatus.CONFIRMED
    assert desk.matchmaking.holds == {}, "the other held times are free again"
    assert {"meeting:1:remind:24", "meeting:1:remind:2", "meeting:1:follow_up"} <= set(desk.jobs.rows)

    await desk.run_jobs(MEETING_START - timedelta(hours=23, minutes=59))
    assert amal.last.text == f"Reminder: you meet Priya in 24 hours, on {THURSDAY_9AM}."
    assert priya.last.text == f"Reminder: you meet Amal in 24 hours, on {THURSDAY_9AM}."
    assert amal.last.template == Template(REMINDER, ("Priya", THURSDAY_9AM))
    await desk.run_jobs(ASKED)  # the follow-ups; the earlier turns' nudges and a reminder now late do nothing
    assert amal.texts()[-2] == f"Reminder: you meet Priya in 24 hours, on {THURSDAY_9AM}."
    assert "How did your meeting with Priya go?" in amal.last.text
    assert "How did your meeting with Amal go?" in priya.last.text
    assert priya.last.template == Template(FOLLOW_UP, ("Amal",))
    assert priya.labels() == ["Yes, we met", "The other person did not come", "We rescheduled"]

    await priya.click("Yes, we met")
    assert priya.last.text.startswith("How useful was the conversation")
    await priya.click("4")
    assert "How many people did you refer Amal to?" in priya.last.text
    await priya.click("3")
    assert priya.last.text == "Thank you! Would you like to meet another newcomer?"
    await priya.click("Yes, gladly")
    assert priya.last.text == "Thank you for your answers! They help the program help more newcomers."

    await amal.click("Yes, we met")
    await amal.click("5")
    assert amal.labels() == ["Add a contact", "No one"]
    await amal.click("Add a contact")
    for typed in ("Omar Khalil", "Engineering manager", "OpenText"):
        await amal.send(typed)
    added = amal.screen[-2].text
    assert added.startswith("Added: Omar Khalil, Engineering manager, OpenText.")
    assert amal.screen[-2].payload["contact_card"] == {
        "name": "Omar Khalil",
        "phones": (),
        "emails": (),
        "organization": "OpenText",
        "title": "Engineering manager",
    }, "a card to save, where the channel sends cards"
    assert amal.last.text == "You have added 1 contact. Did Priya refer you to anyone else?"
    assert amal.labels() == ["Add another contact", "That's all"]
    await amal.click("That's all")
    assert "what is your next step?" in amal.last.text
    await amal.send("Apply to OpenText")
    assert amal.last.text == "Thank you for your answers! They help the program help more newcomers."

    asked = {follow_up.role.value: follow_up for follow_up in desk.follow_ups.rows.values()}
    assert {role: (f.status, f.answers) for role, f in asked.items()} == {
        "connector": (FollowUpStatus.DONE, {"happened": "yes", "useful": 4, "referred_count": 3, "again": "yes"}),
        "connectee": (
            FollowUpStatus.DONE,
            {"happened": "yes", "useful": 5, "referral_count": 1, "next_step": "Apply to OpenText"},
        ),
    }
    (referral,) = desk.follow_ups.referrals
    assert (referral.name, referral.role, referral.organization) == ("Omar Khalil", "Engineering manager", "OpenText")
    assert added.endswith(f"https://t.me/frontdoor_test_bot?start=r{referral.invite_code}")
    assert desk.matchmaking.meetings[1].outcome is MeetingOutcome.HELD
    assert {"meeting:1:work:30", "meeting:1:work:90"} <= set(desk.jobs.rows), "the newcomer is asked about work later"


async def test_a_connector_who_cannot_take_it_passes_the_newcomer_to_the_next_one() -> None:
    desk = Desk(coordinators=[COORDINATOR])
    priya, marc, amal = desk.person(201), desk.person(202), desk.person(101)
    await approved(desk, (priya, "connector", PRIYA), (marc, "connector", MARC), (amal, "connectee", AMAL))
    first = priya.showing(INTRODUCTION)  # Priya speaks Arabic too: she comes first
    assert not any(message.shows(INTRODUCTION) for message in marc.screen)

    await priya.click("I can't take this one")
    assert "We will introduce Amal to someone else" in first.text
    assert "introduce you to a newcomer" in marc.showing(INTRODUCTION).text
    await marc.click("None of these times work")
    assert "Here are other times that suit Amal" in marc.last.text
    await marc.click("I can't take this one")
    assert "We are still looking for the right volunteer for you" in amal.last.text
    ended = [(p.status, p.ended_by.value if p.ended_by else None) for p in desk.matchmaking.proposals.values()]
    assert ended == [(ProposalStatus.DECLINED, "connector")] * 2
    assert desk.matchmaking.holds == {}


async def test_a_stale_slot_button_changes_nothing() -> None:
    desk = Desk(coordinators=[COORDINATOR])
    priya, amal = desk.person(201), desk.person(101)
    await approved(desk, (priya, "connector", PRIYA), (amal, "connectee", AMAL))
    introduction = priya.showing(INTRODUCTION).copy()  # as Priya's phone showed it before her tap
    await priya.click(THURSDAY_9AM, on=introduction)
    await priya.click("Tue, Nov 24, 10:00\u202fAM", on=introduction)  # the turn has moved on
    assert priya.notices == ["This button has expired."]
    assert desk.matchmaking.proposals[1].slot == MEETING_START
    assert [message.text for message in amal.screen if message.shows(OFFER)] == [amal.showing(OFFER).text]


async def test_the_in_memory_ports_refuse_what_the_database_refuses() -> None:
    """What the flows rely on storage for (tests/storage/test_booking_race.py has the database's side)."""
    desk = Desk()
    priya, amal, nadia = desk.person(201), desk.person(101), desk.person(102)
    connector = await desk.registered(priya, "connector", PRIYA)
    first, second = [
        await desk.matchmaking.create_proposal(
            (await desk.registered(chat, "connectee", AMAL)).id, connector.id, [], NOW
        )
        for chat in (amal, nadia)
    ]
    later = MEETING_START + timedelta(days=5)
    assert await desk.matchmaking.hold(first, [MEETING_START, later], 30) == [MEETING_START, later]
    assert await desk.matchmaking.hold(second, [MEETING_START], 30) == [], "a slot is held for one proposal"

    end = MEETING_START + timedelta(minutes=30)
    assert await desk.matchmaking.book(first, MEETING_START, end, "video", NOW) is not None
    assert await desk.matchmaking.book(second, MEETING_START, end, "video", NOW) is None, "the connector is busy then"
    assert await desk.matchmaking.book(first, later, later + timedelta(minutes=30), "video", NOW) is None, "booked"

    read = await desk.matchmaking.proposal(first.id)
    assert read is not None
    read.version += 1  # a turn taken but not saved is not taken
    assert (await desk.matchmaking.proposal(first.id)) == first

    meeting = await desk.matchmaking.scheduled_meeting(first.id)
    assert meeting is not None
    assert await desk.follow_ups.start(meeting, connector, "meeting", "happened", NOW) is not None
    assert await desk.follow_ups.start(meeting, connector, "meeting", "happened", NOW) is None, "asked once"


async def test_status_after_a_meeting_is_agreed_no_longer_says_we_look_for_a_volunteer_nor_points_to_edit() -> None:
    # Amal, with her meeting confirmed, sent /status and read that we were still looking for a
    # volunteer for her, and that /edit would change an answer, which then said it could not.
    desk = Desk(coordinators=[COORDINATOR])
    priya, amal = desk.person(201), desk.person(101)
    await approved(desk, (priya, "connector", PRIYA), (amal, "connectee", AMAL))
    await amal.send("/status")  # Priya is asked: nothing is agreed yet
    assert amal.last.text == "A meeting with Priya is being arranged."
    assert "To change an answer, send /edit." in amal.screen[-2].text

    await priya.click(THURSDAY_9AM)
    await amal.click("Yes, that works")
    for reader, other in ((amal, "Priya"), (priya, "Amal")):
        await reader.send("/status")
        registered, meeting = reader.screen[-2].text, reader.last.text
        assert meeting == f"Your meeting with {other}: {THURSDAY_9AM}."
        assert "we look for a volunteer" not in registered
        assert "send /edit" not in registered
        assert "A meeting is agreed, so to change an answer, please write to a coordinator with /contact." in registered
    assert "What happens next: after your meeting, we ask you here how it went" in amal.screen[-2].text

    await desk.run_jobs(ASKED)  # the meeting is past: it is still agreed, and no volunteer is looked for
    await amal.send("/status")
    assert "we look for a volunteer" not in amal.last.text
    assert "What happens next: after your meeting, we ask you here how it went" in amal.last.text
    await amal.send("/edit")
    assert amal.last.text.startswith("You have a meeting agreed, so your answers can no longer be changed here.")
