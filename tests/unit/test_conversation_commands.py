"""/start again, /back, /cancel, /language, /status, /help, double taps and the review screen."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.core.model import Status, Step
from tests.support.autopilot import complete_intake
from tests.support.chat import ChatClient
from tests.unit.test_connectee_intake import LANGUAGE_MENU, NEWCOMER, answer_until, start_as_newcomer


async def test_a_second_start_mid_intake_offers_to_continue_and_loses_nothing() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "arrival_year")
    question = chat.last.text
    await chat.send("/start")
    assert chat.last.text.startswith("You have a registration in progress with 3 answers saved.")
    assert chat.last.labels() == ["Continue", "Start over (delete my answers)"]
    await chat.click("Continue")
    assert chat.last.text == question
    assert set(chat.participant.answers) == {"name", "community", "situation"}


async def test_start_over_deletes_the_answers_and_asks_the_role_again() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "arrival_year")
    await chat.send("/start")
    await chat.click("Start over (delete my answers)")
    assert chat.last.text == "Start over and delete the 3 answers you gave so far?"
    assert chat.last.labels() == ["Yes, delete and start over", "No, continue"]
    assert set(chat.participant.answers) == {"name", "community", "situation"}, "nothing deleted before yes"
    await chat.click("Yes, delete and start over")
    assert chat.participants.rows == {}
    assert "Are you new to the region" in chat.last.text
    assert chat.conversation.step is Step.ROLE


async def test_start_over_answered_no_continues_where_the_person_was() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "community")
    question = chat.last.text
    await chat.send("/start")
    await chat.click("Start over (delete my answers)")
    assert chat.last.text == "Start over and delete the 1 answer you gave so far?"
    await chat.send("no")
    assert chat.last.text == question and chat.participant.answers == {"name": "Amal"}


async def test_an_arabic_reader_is_asked_before_starting_over_and_types_yes() -> None:
    chat = ChatClient(language_code="ar")
    await complete_intake(chat, "ar")
    await chat.send("/start")
    await chat.click(chat.text("Start over (delete my answers)"))
    assert chat.last.text == "هل تريد البدء من جديد وحذف 16 إجابة قدّمتها حتى الآن؟"
    await chat.send("نعم")
    assert chat.participants.rows == {} and chat.conversation.step is Step.ROLE


async def test_back_reopens_the_previous_question_with_the_answer_given() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "situation")
    await chat.send("/back")
    assert "Which community do you live in?" in chat.last.text
    assert "Your answer now: Kitchener" in chat.last.text
    await chat.click("Waterloo")
    assert "Which describes your situation best?" in chat.last.text
    assert chat.participant.answers["community"] == "waterloo"
    await chat.send("/back")
    await chat.send("/back")
    assert "What name would you like us to call you?" in chat.last.text
    await chat.send("/back")
    assert chat.screen[-2].text == "This is the first question."


async def test_cancel_asks_first_then_deletes_everything_half_done() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "situation")
    await chat.send("/cancel")
    assert chat.last.text == "Stop registering and delete the 2 answers you gave so far?"
    await chat.click("No, continue")
    assert "Which describes your situation best?" in chat.last.text
    await chat.send("/cancel")
    await chat.click("Yes, stop and delete")
    assert "your answers are deleted" in chat.last.text
    assert chat.participants.rows == {}
    await chat.send("/status")
    assert chat.last.text == "You have not registered yet. Send /start to begin."


async def test_a_double_tap_changes_nothing_twice() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "community")
    tapped = chat.showing("Kitchener").copy()  # as the phone shows it while the first tap is on its way
    await chat.click("Kitchener", on=tapped)
    shown = len(chat.screen)
    replies = await chat.click("Kitchener", on=tapped)
    assert replies == [] and len(chat.screen) == shown
    assert chat.notices == ["This button has expired."]
    assert chat.participant.answers["community"] == "kitchener"


async def test_a_double_tap_on_a_tick_box_ticks_it_once() -> None:
    chat = await at_the_languages_question()
    message = chat.last
    tapped = message.copy()  # as the phone shows it while the first tap is on its way
    await chat.click("Arabic", on=tapped)
    await chat.click("Arabic", on=tapped)
    assert "✅ Arabic" in message.labels()
    await chat.click("Done")
    assert chat.participant.answers["languages"] == ["ar"]


async def test_a_tick_box_on_an_older_copy_of_the_question_shows_how_things_stand() -> None:
    chat = await at_the_languages_question()
    older = chat.last
    await chat.send("the first two")  # no button's name: the question comes again
    newer = chat.showing("Arabic")
    assert newer.id != older.id
    await chat.click("Arabic")
    await chat.click("Arabic", on=older)  # the older copy still offers to tick what is ticked
    assert "✅ Arabic" in older.labels() and "✅ Arabic" in newer.labels()
    await chat.click("Done")
    assert chat.participant.answers["languages"] == ["ar"]


async def at_the_languages_question() -> ChatClient:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "languages")
    return chat


async def test_done_with_nothing_ticked_asks_for_a_choice() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "languages")
    await chat.click("Done")
    assert chat.last.text == "Please tap at least one option, then Done."
    assert "languages" not in chat.participant.answers


async def test_language_can_change_mid_intake_without_losing_answers() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "occupation")
    await chat.send("/language")
    await chat.click("Français")
    assert chat.conversation.language == "fr"
    assert (
        chat.text("What is your occupation or profession? For example: accountant, civil engineer, nurse.")
        in chat.last.text
    )
    assert chat.participant.answers["arrival_year"] == 2023
    assert chat.participant.language == "fr"


async def test_an_old_button_from_an_earlier_question_has_expired() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    welcome = chat.screen[0]  # the language menu /start showed, answered since: its buttons are gone
    await chat.press_forged("e:name", on=welcome)  # the review screen's button, never shown yet
    assert chat.notices == ["This button has expired."]
    await chat.press_forged("lang:fr", on=welcome)  # its "Français", pressed again from an old screen
    assert chat.conversation.language == "en"


async def test_review_edit_returns_to_the_review_and_submit_sets_status() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "phone")
    await chat.click("Skip")
    await chat.click("Skip")
    await chat.click("Skip")
    await chat.click("Social media")
    assert "Please check your answers" in chat.last.text
    await chat.click("✏️ Occupation")
    assert "Your answer now: Civil engineer" in chat.last.text
    await chat.send("Structural engineer")
    assert "Occupation: Structural engineer" in chat.last.text
    await chat.send("/status")
    assert chat.last.text.startswith("Your registration is in progress: you have answered 16 questions.")
    await chat.click("Submit")
    assert chat.participant.status is Status.SUBMITTED
    await chat.send("/status")
    assert chat.last.text.startswith("You registered as a newcomer on November 23, 2026.")
    assert "Occupation: Structural engineer" in chat.last.text
    await chat.send("/start")
    assert chat.last.text.startswith("You are already registered")
    await chat.send("/cancel")
    assert chat.last.text.startswith("Your registration is submitted, so there is nothing in progress to cancel.")


async def test_help_lists_the_commands_and_unknown_commands_are_answered() -> None:
    chat = ChatClient()
    await chat.send("/help")
    for command in ("/start", "/back", "/cancel", "/language", "/status", "/help"):
        assert command in chat.last.text
    await chat.send("/frobnicate")
    assert chat.last.text == "Sorry, I do not know that command. Send /help to see what I can do."


async def test_typing_before_start_greets_and_typing_instead_of_a_button_asks_for_a_tap() -> None:
    chat = ChatClient()
    await chat.send("hello")
    assert chat.last.text.startswith("Connector Program\nWelcome!")
    await chat.send("Klingon")
    assert chat.screen[-2].text == "Please tap one of the buttons below."
    assert chat.last.labels() == LANGUAGE_MENU
    await chat.send("français")
    assert chat.conversation.language == "fr"


def test_the_newcomer_script_covers_the_questions_before_the_optional_ones() -> None:
    assert list(NEWCOMER)[-1] == "meeting_mode"


async def test_language_during_the_continue_prompt_returns_to_the_question_with_every_answer() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "arrival_year")
    await chat.send("/start")
    await chat.send("/language")
    await chat.click("Español")
    assert chat.text("In which year did you arrive in Canada?") in chat.last.text
    assert set(chat.participant.answers) == {"name", "community", "situation"}
    await chat.send("/cancel")
    await chat.send("/language")
    await chat.click("English")
    assert "In which year did you arrive in Canada?" in chat.last.text


async def test_a_registered_person_chooses_the_time_zone_of_their_meeting_times() -> None:
    chat = ChatClient()
    await chat.send("/timezone")
    assert chat.last.text == "You have not registered yet. Send /start to begin."
    await complete_intake(chat, "en")
    await chat.send("/timezone")
    assert chat.last.text == "Meeting times are shown to you in Eastern Time. Which time zone should we use?"
    assert chat.last.labels()[0] == "Pacific Time"
    await chat.click("Pacific Time")
    assert chat.last.text == "Done: your meeting times are now shown in Pacific Time."
    assert chat.participant.time_zone == "America/Vancouver"
    await chat.press_forged("tz:99")  # no 100th time zone
    assert chat.notices == ["This button has expired."]


async def test_a_newcomer_in_vancouver_reads_the_day_she_registered_as_her_own_not_toronto_s() -> None:
    # Monday, November 23, 2026, 22:00 in Vancouver: already Tuesday the 24th, 1:00, in Toronto.
    chat = ChatClient(now=datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    await complete_intake(chat, "en")
    await chat.click("Submit")
    await chat.send("/status")
    assert chat.last.text.startswith("You registered as a newcomer on November 24, 2026."), "Toronto's day, hers too"
    await chat.send("/timezone")
    await chat.click("Pacific Time")
    await chat.send("/status")
    assert chat.last.text.startswith("You registered as a newcomer on November 23, 2026.")
