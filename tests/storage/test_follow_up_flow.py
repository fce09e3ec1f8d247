"""After the meeting: how it went, the referrals, no-shows, work months later; as both sides see it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.tables import FollowUpRow, JobRow, MeetingRow, ParticipantRow, ProposalRow, ReferralRow
from tests.support.personas import COORDINATOR, DETAILS, INTRODUCTION, PRIYA, a_booked_meeting, approve_all
from tests.support.world import Phone, World

MEETING_END = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)  # Thu, Nov 26, 9:30 in Toronto
ASKED = MEETING_END + timedelta(hours=2)


async def rows(world: World, table: type) -> list:  # type: ignore[type-arg]
    async with world.app.sessions() as session:
        return list((await session.execute(select(table).order_by(table.id))).scalars())  # type: ignore[attr-defined]


async def add_referral(amal: Phone, name: str, role: str | None, organization: str) -> None:
    await amal.click("Add a contact" if "Add a contact" in amal.last.labels() else "Add another contact")
    assert amal.last.text == "What is the contact's name?"
    await amal.send(name)
    assert amal.last.text == "What is their role or job title?"
    if role is None:
        await amal.click("Skip")
    else:
        await amal.send(role)
    assert amal.last.text == "Which organization do they work for?"
    await amal.send(organization)


async def test_both_say_how_it_went_and_the_newcomer_records_three_referrals(world: World) -> None:
    priya, amal = await a_booked_meeting(world)
    await world.run_jobs(ASKED - timedelta(minutes=1))
    assert not any("How did your meeting" in text for text in amal.texts()), "not before two hours after the end"

    await world.run_jobs(ASKED)
    assert amal.last.text == "Hello Amal! How did your meeting with Priya go? Did it take place?"
    assert amal.last.labels() == ["Yes, we met", "The other person did not come", "We rescheduled"]
    assert priya.last.text == "Hello Priya! How did your meeting with Amal go? Did it take place?"

    await amal.click("Yes, we met")
    assert "Your answer: Yes, we met" in amal.texts()
    assert amal.last.text == "How useful was the conversation, from 1 (not at all) to 5 (very)?"
    await amal.click("5")
    assert amal.last.text.startswith("Did Priya refer you to other people?")
    await add_referral(amal, "Omar Khalil", "Engineering manager", "OpenText")
    assert amal.screen[-2].text.startswith("Added: Omar Khalil, Engineering manager, OpenText.")
    assert "personal link" in amal.screen[-2].text and "/start r" in amal.screen[-2].text
    assert amal.last.text == "You have added 1 contact. Did Priya refer you to anyone else?"
    await add_referral(amal, "Lena Park", None, "Communitech")
    await add_referral(amal, '=HYPERLINK("http://x")', "Recruiter", "Manulife")
    assert amal.last.text == "You have added 3 contacts. Did Priya refer you to anyone else?"
    await amal.click("That's all")
    assert amal.last.text.startswith("Last question: what is your next step?")
    await amal.send("Apply to OpenText's graduate program")
    assert amal.last.text == "Thank you for your answers! They help the program help more newcomers."

    await priya.click("Yes, we met")
    await priya.click("4")
    assert priya.last.text == "How many people did you refer Amal to?"
    await priya.click("3")
    assert priya.last.text == "Thank you! Would you like to meet another newcomer?"
    await priya.click("Yes, gladly")
    assert priya.last.text == "Thank you for your answers! They help the program help more newcomers."

    follow_ups = await rows(world, FollowUpRow)
    assert [(f.role, f.status, f.step) for f in follow_ups] == [
        ("connectee", "done", None),
        ("connector", "done", None),
    ]
    assert follow_ups[0].answers == {
        "happened": "yes",
        "useful": 5,
        "referral_count": 3,
        "next_step": "Apply to OpenText's graduate program",
    }
    assert follow_ups[1].answers == {"happened": "yes", "useful": 4, "referred_count": 3, "again": "yes"}
    referrals = await rows(world, ReferralRow)
    assert [(r.name, r.role, r.organization) for r in referrals] == [
        ("Omar Khalil", "Engineering manager", "OpenText"),
        ("Lena Park", None, "Communitech"),
        ('=HYPERLINK("http://x")', "Recruiter", "Manulife"),
    ]
    assert len({r.invite_code for r in referrals}) == 3
    (meeting,) = await rows(world, MeetingRow)
    assert meeting.outcome == "held" and all(r.meeting_id == meeting.id for r in referrals)

    # A month later the newcomer is asked about work, once, and only the newcomer.
    await world.run_jobs(datetime(2026, 12, 26, 15, 0, tzinfo=UTC))
    assert amal.last.text == "Hello Amal! It has been 30 days since you met Priya. How is your work search going?"
    assert "work search" not in priya.last.text
    await amal.click("I work in my field")
    assert amal.last.text == "Did the program help you?"
    await amal.click("Yes")
    work = (await rows(world, FollowUpRow))[-1]
    assert (work.kind, work.status, work.answers) == ("work_30", "done", {"work": "employed_in_field", "helped": "yes"})
    coordinator = world.phones.get(COORDINATOR) or world.phone(COORDINATOR)
    await coordinator.send("/digest")
    assert "\n1 job reported\n" in coordinator.last.text, "read from the stored answer by the database"
    await world.run_jobs(datetime(2026, 12, 26, 16, 0, tzinfo=UTC))
    assert amal.texts().count(amal.screen[-3].text) == 1, "asked once"


async def asked_with_marc_free(world: World) -> tuple[Phone, Phone, Phone]:
    """Priya and Amal asked how their meeting went, with Marc, another volunteer, free to meet Amal."""
    priya, amal = await a_booked_meeting(world)
    marc = world.phone(202)
    await world.register(marc, "connector", PRIYA | {"name": "Marc Tremblay", "languages": ["en", "fr"]})
    await approve_all(world)
    await world.run_jobs(ASKED)
    return priya, amal, marc


async def test_a_no_show_is_recorded_for_the_absent_side_and_the_present_one_gets_a_new_time(world: World) -> None:
    priya, amal = await a_booked_meeting(world)
    await world.run_jobs(ASKED)
    await priya.click("The other person did not come")
    assert priya.last.text == "We are sorry Amal did not come. Would you like to offer them another time?"
    await priya.click("Try another time")
    assert priya.last.text == "Please pick a new time for your meeting with Amal:"
    assert priya.last.shows(INTRODUCTION) and len(priya.last.labels()) > 2, "new slots to pick from"
    assert "We have asked Priya to pick a new time" in amal.last.text

    (meeting,) = await rows(world, MeetingRow)
    people = {p.user_id: p.id for p in await rows(world, ParticipantRow)}
    assert (meeting.outcome, meeting.absent_id) == ("no_show", people[amal.user_id])

    # Amal's own follow-up still asks; her later answer is stored, the first report stays the outcome.
    await amal.click("Yes, we met")
    assert (await rows(world, MeetingRow))[0].outcome == "no_show"


async def test_a_newcomer_whose_connector_did_not_come_can_meet_someone_else(world: World) -> None:
    _, amal, marc = await asked_with_marc_free(world)
    await amal.click("The other person did not come")
    assert amal.last.labels() == ["Try another time", "Meet someone else"]
    await amal.click("Meet someone else")
    assert amal.last.text == "Thank you. We will look for another volunteer for you."
    assert "introduce you to a newcomer" in marc.showing(INTRODUCTION).text


async def test_an_old_no_show_answer_after_a_new_time_was_booked_leaves_the_new_meeting_alone(world: World) -> None:
    # Priya said Amal did not come and offered a new time, which Amal accepted. Amal then answered
    # her own, older follow-up: "The other person did not come", "Meet someone else". That cancelled
    # the pair's proposal under the new meeting: Priya was told nothing, her /status lost the meeting,
    # the meeting stayed booked (reminders and all), and Amal was offered to other volunteers.
    priya, amal, marc = await asked_with_marc_free(world)
    asked = amal.last.copy()  # Amal's "did it take place?", not answered yet
    await priya.click("The other person did not come")
    await priya.click("Try another time")
    new_time = priya.last.labels()[0]
    await priya.click(new_time)
    await amal.click("Yes, that works")
    assert f"When: {new_time}" in amal.showing(DETAILS).text

    await amal.click("The other person did not come", on=asked)
    await amal.click("Meet someone else")
    assert amal.last.text == "Thank you. This meeting has already been seen to."
    assert not any(message.shows(INTRODUCTION) for message in marc.screen), "Amal is not offered to anyone else"
    meetings = await rows(world, MeetingRow)
    assert [meeting.status for meeting in meetings] == ["rescheduled", "scheduled"]
    (proposal,) = await rows(world, ProposalRow)
    assert proposal.status == "confirmed"
    await priya.send("/status")
    assert priya.last.text == f"Your meeting with Amal: {new_time}."


async def test_an_unanswered_follow_up_gets_one_nudge_then_shows_in_the_digest(world: World) -> None:
    priya, amal = await a_booked_meeting(world)
    await world.run_jobs(ASKED)
    await amal.click("Yes, we met")  # Amal answers the first question; Priya nothing
    await world.run_jobs(ASKED + timedelta(hours=48))
    nudge = "A gentle reminder: we would love to hear from you about your meeting with Amal."
    assert priya.screen[-2].text == nudge and priya.last.text.startswith("Hello Priya! How did your meeting")
    assert amal.last.text.startswith("How useful was the conversation"), "a half-answered one: the open question"
    await world.run_jobs(ASKED + timedelta(hours=200))
    assert priya.texts().count(nudge) == 1, "one nudge only"

    coordinator = world.phones[COORDINATOR]
    await coordinator.send("/digest")
    assert "2 follow-ups overdue\n• Amal (#2)\n• Priya (#1)\n" in coordinator.last.text


async def test_a_connector_can_pause_for_a_month(world: World) -> None:
    priya, _ = await a_booked_meeting(world)
    await world.run_jobs(ASKED)
    await priya.click("Yes, we met")
    await priya.click("3")
    await priya.click("0")
    await priya.click("Pause me for a month")
    assert priya.screen[-2].text == "You will get no new introductions until December 26, 2026."
    (connector,) = [p for p in await rows(world, ParticipantRow) if p.role == "connector"]
    assert connector.paused_until is not None
    assert connector.paused_until - ASKED == timedelta(days=30)


async def test_a_referred_contact_registers_through_the_personal_link(world: World) -> None:
    _, amal = await a_booked_meeting(world)
    await world.run_jobs(ASKED)
    await amal.click("Yes, we met")
    await amal.click("4")
    await add_referral(amal, "Omar Khalil", "Engineering manager", "OpenText")
    (referral,) = await rows(world, ReferralRow)

    omar = world.phone(301)
    await omar.send(f"/start r{referral.invite_code}")
    (welcome,) = omar.screen  # one welcome, not the invitation then the program's greeting
    assert welcome.text.startswith("Connector Program\nAmal invited you to this program")
    assert welcome.text.endswith("Which language would you like to use?") and "English" in welcome.labels()
    await world.register(omar, "connector", PRIYA | {"name": "Omar Khalil"})
    (referral,) = await rows(world, ReferralRow)
    omar_id = next(p.id for p in await rows(world, ParticipantRow) if p.user_id == omar.user_id)
    assert referral.registered_id == omar_id

    await world.phone(302).send(f"/start r{referral.invite_code}x")
    assert not world.phones[302].screen[0].text.startswith("Amal invited you"), "a wrong code says nothing"


async def test_follow_up_buttons_answer_only_their_person_and_only_once(world: World) -> None:
    priya, amal = await a_booked_meeting(world)
    await world.run_jobs(ASKED)
    yes = amal.showing("Yes, we met").data_of("Yes, we met")  # to forge and replay it
    await priya.press_forged(yes)
    assert priya.notices == ["This button has expired."]
    await amal.click("Yes, we met")
    await amal.press_forged(yes)
    assert amal.notices == ["This button has expired."]
    (connectee, _) = await rows(world, FollowUpRow)
    assert connectee.answers == {"happened": "yes"} and connectee.step == "useful"

    await amal.send("x" * 5000)  # typing while a button is expected: the question again, nothing stored
    assert amal.screen[-2].text == "Please tap one of the buttons below, or type what one of them says."
    assert amal.last.text == "How useful was the conversation, from 1 (not at all) to 5 (very)?"
    assert (await rows(world, FollowUpRow))[0].step == "useful"
    assert any(job.kind == "follow_up.work" for job in await rows(world, JobRow))


async def test_every_confirmation_shows_the_button_as_the_person_saw_it(world: World) -> None:
    _, amal = await a_booked_meeting(world)
    await world.run_jobs(ASKED)
    await amal.click("Yes, we met")
    await amal.click("4")
    await add_referral(amal, "Omar Khalil", "Engineering manager", "OpenText")
    await amal.click("That's all")
    assert "Your answer: Add a contact" in amal.texts() and "Your answer: That's all" in amal.texts()
    assert not any("«" in text or "add" in text.split() or "done" in text.split() for text in amal.texts())


async def test_typing_while_a_follow_up_waits_for_a_button_answers_it_when_the_text_fits(world: World) -> None:
    priya, amal = await a_booked_meeting(world)
    await world.run_jobs(ASKED)
    await amal.send("YES")  # the first word of "Yes, we met", any case
    assert "Your answer: Yes, we met" in amal.texts()
    await amal.send("5")
    assert amal.last.text.startswith("Did Priya refer you to other people?")
    await amal.send("no one")
    assert amal.last.text.startswith("Last question: what is your next step?")

    await priya.send("hello")
    assert priya.screen[-2].text == "Please tap one of the buttons below, or type what one of them says."
    assert priya.last.text.startswith("Hello Priya! How did your meeting with Amal go?")
    assert not any("registration is submitted" in text for text in priya.texts())
    await priya.send("we")  # a word of "Yes, we met" and of "We rescheduled": neither is taken
    assert priya.screen[-2].text == "Please tap one of the buttons below, or type what one of them says."
    await priya.send("met")  # a word of one label only
    assert "Your answer: Yes, we met" in priya.texts()
    await priya.send("3")
    assert priya.last.text == "How many people did you refer Amal to?"
    await priya.send("٢")  # typed on an Arabic keyboard
    assert priya.last.text == "Thank you! Would you like to meet another newcomer?"
    follow_ups = await rows(world, FollowUpRow)
    assert follow_ups[0].answers == {"happened": "yes", "useful": 5}
    assert follow_ups[1].answers == {"happened": "yes", "useful": 3, "referred_count": 2}


async def test_a_typed_no_at_the_referrals_means_that_s_all_and_a_typed_yes_adds_one(world: World) -> None:
    priya, amal = await a_booked_meeting(world)
    await world.run_jobs(ASKED)
    await amal.click("Yes, we met")
    await amal.click("4")
    await amal.send("yes")  # "Add a contact" is the button a yes chooses
    assert amal.last.text == "What is the contact's name?"
    await amal.send("Omar Haddad")
    await amal.click("Skip")
    await amal.send("Waterloo Region District School Board")
    assert amal.last.labels()[:2] == ["Add another contact", "That's all"]
    await amal.send("لا")  # no, typed on an Arabic keyboard in the English bot
    assert "Your answer: That's all" in amal.texts()
    assert amal.last.text.startswith("Last question: what is your next step?")
    assert [row.name for row in await rows(world, ReferralRow)] == ["Omar Haddad"]

    await priya.click("Yes, we met")
    await priya.click("3")
    await priya.click("1")
    await priya.send("non")  # French for no, where she is asked to meet another newcomer
    assert "Your answer: Not now" in priya.texts()
    assert (await rows(world, FollowUpRow))[1].answers["again"] == "not_now"


async def test_start_during_an_open_follow_up_shows_the_question_again(world: World) -> None:
    _, amal = await a_booked_meeting(world)
    await world.run_jobs(ASKED)
    await amal.click("Yes, we met")
    await amal.send("/start")
    assert amal.last.text == "How useful was the conversation, from 1 (not at all) to 5 (very)?"
    assert amal.last.labels() == ["1", "2", "3", "4", "5"]
    await amal.click("2", on=amal.last)
    assert (await rows(world, FollowUpRow))[0].answers["useful"] == 2
