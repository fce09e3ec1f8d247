"""Editing keeps what is there: Keep under a question asked again, and no Skip that erases an answer."""

from __future__ import annotations

from handlers.core.model import Step
from tests.support.autopilot import complete_intake
from tests.support.chat import ChatClient
from tests.unit.test_connectee_intake import answer_until, start_as_newcomer


async def test_keep_from_the_review_screen_returns_to_it_with_the_answer_unchanged() -> None:
    chat = ChatClient()
    await complete_intake(chat, "en")
    await chat.click("✏️ Community")
    assert "Your answer now: Kitchener" in chat.last.text
    assert chat.last.labels()[-1] == "Keep"
    await chat.click("Keep")
    assert chat.conversation.step is Step.REVIEW
    assert "Community: Kitchener" in chat.last.text
    assert chat.participant.answers["community"] == "kitchener"


async def test_an_answered_optional_question_offers_keep_and_remove_never_skip() -> None:
    chat = ChatClient()
    await complete_intake(chat, "en")
    await chat.click("✏️ E-mail")
    assert chat.last.labels() == ["Keep", "Remove my answer"]
    await chat.send("skip")  # typed Skip never erases what is there
    assert chat.conversation.step is Step.REVIEW
    assert chat.participant.answers["email"] == "john@example.com"
    await chat.click("✏️ E-mail")
    await chat.click("Remove my answer")
    assert chat.participant.answers["email"] is None
    assert "E-mail: (skipped)" in chat.last.text


async def test_the_phone_question_asked_again_offers_keep_on_its_keyboard() -> None:
    chat = ChatClient()
    await complete_intake(chat, "en")
    await chat.click("✏️ Phone")
    assert chat.last.keyboard == ("Keep",)
    await chat.click("Keep")
    assert chat.participant.answers["phone"] == "+15195550123"
    assert chat.conversation.step is Step.REVIEW


async def test_keep_after_back_goes_on_and_back_again_returns_to_the_kept_question() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "arrival_year")
    await chat.send("/back")
    assert "Which describes your situation best?" in chat.last.text
    await chat.click("Keep")
    assert "In which year did you arrive" in chat.last.text
    await chat.send("/back")
    assert "Which describes your situation best?" in chat.last.text
    assert chat.participant.answers["situation"] == "refugee"


async def test_a_skip_pressed_on_an_older_copy_of_an_answered_question_keeps_the_answer() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "phone")
    unanswered = chat.last
    await chat.send("519 555 0123")
    await chat.send("/back")
    assert "What phone number" in chat.last.text
    await chat.send("Skip")
    assert chat.participant.answers["phone"] == "+15195550123"
    assert "What is your e-mail address?" in chat.last.text
    await chat.send("/back")
    await chat.press_forged("s:phone", on=unanswered)  # the Skip it had before it was answered
    assert chat.participant.answers["phone"] == "+15195550123"


async def test_a_french_reader_keeps_an_answer_with_garder() -> None:
    chat = ChatClient(language_code="fr")
    await complete_intake(chat, "fr")
    await chat.click("✏️ Municipalité")
    await chat.click("Garder")
    assert chat.conversation.step is Step.REVIEW and chat.participant.answers["community"] == "kitchener"
