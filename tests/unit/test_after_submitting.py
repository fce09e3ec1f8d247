"""After submitting: /status says what was submitted and what happens next; /edit changes answers until
a meeting is agreed, the coordinators are told, and open proposals are checked again."""

from __future__ import annotations

from handlers.core.model import ProposalStatus, Status, Step
from tests.support.autopilot import complete_intake
from tests.support.chat import ChatClient
from tests.support.desk import Desk
from tests.support.personas import AMAL, COORDINATOR, PRIYA
from tests.unit.test_meeting_in_memory import approved


async def test_status_after_submitting_says_what_was_sent_and_what_happens_next() -> None:
    chat = ChatClient()
    await complete_intake(chat, "en")
    await chat.click("Submit")
    await chat.send("/status")
    assert chat.last.text.startswith(
        "You registered as a newcomer on November 23, 2026.\n"
        "Where it stands: waiting for a coordinator's review.\n\n"
        "What happens next: a coordinator reviews it within a few days, then we introduce you to a volunteer "
        "from your field and propose meeting times here in this chat.\n"
        "To change an answer, send /edit.\n\n"
        "Name: John"
    )


async def test_a_submitted_registration_is_changed_with_edit_and_the_coordinators_are_told() -> None:
    desk = Desk(coordinators=[COORDINATOR])
    amal, coordinator = desk.person(101), desk.person(COORDINATOR)
    await desk.registered(amal, "connectee", AMAL)
    await amal.send("/edit")
    assert amal.last.text.startswith("Your registration: tap an answer's button to change it, then Done.")
    assert amal.last.labels()[-1] == "Done"
    await amal.click("✏️ Occupation")
    assert amal.last.labels() == ["Keep"]
    await amal.send("Data analyst")
    await amal.send("/back")  # from the review, back stays on it: the change is kept in mind
    assert amal.last.text.startswith("Your registration: tap an answer's button")
    await amal.send("/start")  # nothing is deleted while a submitted registration changes
    assert amal.screen[-2].text.startswith("You are changing your submitted registration.")
    await amal.click("Done")
    assert (
        amal.last.text
        == "Your changes are saved, and the coordinators are told. Send /status to see your registration."
    )
    assert amal.conversation.step is Step.DONE and amal.participant.status is Status.SUBMITTED
    assert amal.participant.answers["occupation"] == "Data analyst"
    assert coordinator.last.text.startswith("Amal (#1) changed their registration: Occupation.\n\n")
    assert "Data analyst" in coordinator.last.text


async def test_a_change_of_languages_calls_off_a_proposal_that_no_longer_fits() -> None:
    desk = Desk(coordinators=[COORDINATOR])
    priya, amal = desk.person(201), desk.person(101)
    await approved(desk, (priya, "connector", PRIYA), (amal, "connectee", AMAL))
    (proposal,) = desk.matchmaking.proposals.values()
    assert proposal.status is ProposalStatus.OFFERED
    await amal.send("/edit")
    await amal.click("✏️ Languages")
    await amal.click("✅ Arabic")
    await amal.click("✅ English")
    await amal.click("Ukrainian")
    await amal.click("Done")
    await amal.click("Done")
    assert desk.matchmaking.proposals[proposal.id].status is ProposalStatus.CANCELLED
    off = "is off: after a change to languages or free times, it no longer fits."
    assert amal.texts()[-2] == f"The meeting proposed with Priya {off} We will look for someone else."
    assert f"The meeting proposed with Amal {off} Thank you for offering!" in priya.texts()
    assert amal.last.text.startswith("We are still looking for the right volunteer for you.")


async def test_edit_stops_once_a_meeting_is_agreed() -> None:
    desk = Desk(coordinators=[COORDINATOR])
    priya, amal = desk.person(201), desk.person(101)
    await approved(desk, (priya, "connector", PRIYA), (amal, "connectee", AMAL))
    await priya.click("Thu, Nov 26, 9:00\u202fAM")
    await amal.click("Yes, that works")
    await amal.send("/edit")
    assert amal.last.text == (
        "You have a meeting agreed, so your answers can no longer be changed here. Please ask a coordinator."
    )


async def test_a_chinese_reader_sees_what_happens_next() -> None:
    chat = ChatClient(language_code="zh-Hans")
    await complete_intake(chat, "zh-Hans")
    await chat.click(chat.text("Submit"))
    await chat.send("/status")
    assert chat.text("To change an answer, send /edit.") in chat.last.text


async def test_a_language_chosen_while_a_proposal_waits_says_the_meeting_is_being_arranged() -> None:
    """/language after registering shows the status, as /status would: with the meeting under way."""
    desk = Desk(coordinators=[COORDINATOR])
    priya, amal = desk.person(201), desk.person(101)
    await approved(desk, (priya, "connector", PRIYA), (amal, "connectee", AMAL))
    introduction = priya.last
    await priya.send("/status")
    assert priya.last.text == "A meeting with Amal is being arranged."
    await priya.send("/language")
    await priya.click("Français")
    assert priya.screen[-2].text.startswith("Votre inscription comme bénévole date du 23 novembre 2026.")
    assert priya.last.text == priya.text("A meeting with {name} is being arranged.").format(name="Amal")
    assert priya.participant.language == "fr"
    await priya.click(introduction.labels()[1], on=introduction)  # the English times still work
    assert introduction.labels() == [] and amal.last.labels() == [
        "Yes, that works",
        "Another time, please",
        "No, thank you",
    ]
