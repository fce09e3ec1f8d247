"""A newcomer registers, as a conversation: what they see and what is stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.channels import whatsapp_capabilities
from bot.channels.whatsapp import read_message
from handlers.core.events import EventKind
from handlers.core.model import Status, Step
from tests.support.chat import ChatClient
from tests.support.driver import plain

LANGUAGE_MENU = [
    "English",
    "Français",
    "Español",
    "العربية",
    "简体中文",
    "ਪੰਜਾਬੀ",
    "Tagalog",
    "اردو",
    "فارسی",
    "Українська",
]


async def start_as_newcomer(chat: ChatClient) -> None:
    await chat.send("/start")
    await chat.click("English")
    await chat.click("I am new to the region")
    await chat.click("I agree")


# How a newcomer answers each question, as taps ("click:") or typed text.
NEWCOMER = {
    "name": ["Amal"],
    "community": ["click:Kitchener"],
    "situation": ["click:Refugee"],
    "arrival_year": ["2023"],
    "occupation": ["Civil engineer"],
    "sector": ["click:Engineering"],
    "experience": ["click:5 to 10 years"],
    "education": ["click:Master's degree"],
    "languages": ["click:Arabic", "click:Done"],
    "goals": ["click:Work in my field", "click:Done"],
    "availability": ["click:Mon am", "click:Done"],
    "meeting_mode": ["click:Video call"],
}


async def answer_until(chat: ChatClient, key: str) -> None:
    """Answer every question before `key` the usual way."""
    for question, actions in NEWCOMER.items():
        if question == key:
            return
        for action in actions:
            if action.startswith("click:"):
                await chat.click(action.removeprefix("click:"))
            else:
                await chat.send(action)


async def test_a_newcomer_registers_with_buttons_and_sees_a_summary_before_submitting() -> None:
    chat = ChatClient(language_code="en-CA")
    await chat.send("/start")
    assert chat.last.text.startswith("Connector Program\nWelcome! I help newcomers meet local professionals")
    assert chat.last.labels() == LANGUAGE_MENU
    await chat.click("English")
    assert "Are you new to the region" in chat.last.text
    await chat.click("I am new to the region")
    assert "what we do with your answers" in chat.last.text
    assert chat.participants.rows == {}, "nothing personal is stored before Agree"
    await chat.click("I agree")

    assert "Question 1 of 16" in chat.last.text
    assert "What name would you like us to call you?" in chat.last.text
    await chat.send("Amal")
    await chat.click("Kitchener")
    await chat.click("Permanent resident or newcomer")
    await chat.send("2023")
    await chat.send("Civil engineer")
    await chat.click("Engineering")
    await chat.click("5 to 10 years")
    await chat.click("Master's degree")
    await chat.click("Arabic")
    await chat.click("English")
    assert "✅ Arabic" in chat.last.labels() and "✅ English" in chat.last.labels()
    await chat.click("Done")
    await chat.click("Work in my field")
    await chat.click("Grow my network")
    await chat.click("Done")
    await chat.click("Mon am")
    await chat.click("Wed pm")
    await chat.click("Done")
    await chat.click("Video call")
    assert chat.last.contact_button == "📱 Share my phone number"
    await chat.share_contact("+15195550123")
    assert chat.screen[-2].text == "Saved: +1 519-555-0123"
    await chat.send("amal@example.com")
    await chat.click("Skip")
    await chat.click("A settlement agency")

    review = chat.last.text
    assert "Please check your answers" in review
    for line in (
        "Name: Amal",
        "Community: Kitchener",
        "Year arrived: 2023",
        "Sector: Engineering",
        "Languages: English and Arabic",
        "Goals: Work in my field and Grow my network",
        "Availability: Mon: am and Wed: pm",
        "Phone: +1 519-555-0123",
        "LinkedIn or CV: (skipped)",
    ):
        assert line in review
    assert "✏️ Name" in chat.last.labels() and "Submit" in chat.last.labels()

    await chat.click("Submit")
    assert "Thank you, Amal! Your registration is submitted." in chat.last.text
    assert "What happens next" in chat.last.text
    participant = chat.participant
    assert participant.status is Status.SUBMITTED
    assert participant.role.value == "connectee"
    assert participant.consent_version == "2026-12"
    assert participant.answers == {
        "name": "Amal",
        "community": "kitchener",
        "situation": "newcomer",
        "arrival_year": 2023,
        "occupation": "Civil engineer",
        "sector": "engineering",
        "experience": "5-10",
        "education": "master",
        "languages": ["en", "ar"],
        "goals": ["field", "network"],
        "availability": ["mon-morning", "wed-afternoon"],
        "meeting_mode": "video",
        "phone": "+15195550123",
        "email": "amal@example.com",
        "profile_link": None,
        "referral_source": "agency",
    }


async def test_not_now_at_consent_stores_nothing() -> None:
    chat = ChatClient()
    await chat.send("/start")
    await chat.click("English")
    await chat.click("I am new to the region")
    await chat.click("Not now")
    assert "nothing about you has been stored" in chat.last.text
    assert chat.participants.rows == {}
    assert chat.conversation.step is Step.IDLE


async def test_other_community_is_typed() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await chat.send("Amal")
    await chat.click("Other (type it)")
    assert chat.last.text == "Please type your answer."
    await chat.send("  Elmira  ")
    assert "Which describes your situation best?" in chat.last.text
    assert chat.participant.answers["community"] == {"other": "Elmira"}


@pytest.mark.parametrize(
    ("answers_before", "bad", "expected"),
    [
        (
            ["Amal", "Kitchener", "Refugee"],
            "1066",
            "1066 is earlier than we can record. Please type a year from 1950 to 2026.",
        ),
        (["Amal", "Kitchener", "Refugee"], "2031", "2031 is still to come. Please type a year from 1950 to 2026."),
        (["Amal", "Kitchener", "Refugee"], "last year", "Please type the year as four digits, for example 2026."),
        ([], "x" * 5000, "That is a bit long: please keep it under 80 characters (you sent 5000)."),
        (["Amal"], "Toronto", "Please tap one of the buttons below."),
    ],
)
async def test_a_wrong_answer_gets_a_specific_message_and_the_same_question(
    answers_before: list[str], bad: str, expected: str
) -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    for answer in answers_before:
        if chat.last.buttons and answer in chat.last.labels():
            await chat.click(answer)
        else:
            await chat.send(answer)
    question = chat.last.text
    answered = dict(chat.participant.answers)
    replies = await chat.send(bad)
    assert [reply.text for reply in replies] == [expected, question]
    assert chat.participant.answers == answered, "nothing given before is lost, nothing wrong is stored"


async def test_a_photo_where_text_is_wanted_is_refused_kindly() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    replies = await chat.send_photo()
    assert replies[0].text == "I can only read text here. Please type your answer or tap a button."
    assert "What name would you like us to call you?" in replies[1].text
    assert chat.participant.answers == {}


async def test_a_malformed_email_and_a_bad_phone_number_are_asked_again() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "phone")
    await chat.send("12")
    assert chat.screen[-2].text.startswith("That does not look like a phone number.")
    await chat.send("519 555 0123")
    assert chat.participant.answers["phone"] == "+15195550123"
    assert "e-mail" in chat.last.text
    await chat.send("amal@@example")
    assert chat.screen[-2].text.startswith("That does not look like an e-mail address.")
    await chat.send("Amal@Example.com")
    assert chat.participant.answers["email"] == "Amal@example.com"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("0063 917 123 4567", "+639171234567"), ("٠٠٩٦٣ ٩٣٣ ١٢٣ ٤٥٦", "+963933123456")],
    ids=["a filipina's", "a syrian's, in arabic digits"],
)
async def test_a_number_from_home_dialled_with_00_is_taken_as_the_international_number_it_is(
    typed: str, stored: str
) -> None:
    # Most countries dial abroad with 00 where Canada dials 011: a newcomer types hers as at home.
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "phone")
    await chat.send(typed)
    assert chat.participant.answers["phone"] == stored
    assert "e-mail" in chat.last.text


async def test_a_contact_card_shared_on_whatsapp_with_a_number_saved_without_its_country_code_is_taken() -> None:
    # A card's number as saved in the address book; WhatsApp adds the international wa_id only for a
    # number on WhatsApp (a work line, a landline: not).
    card = {"name": {"formatted_name": "Amal Work", "first_name": "Amal"}, "phones": [{"phone": "(519) 555-0199"}]}
    shared = read_message({"from": "15195550123", "id": "wamid.8", "type": "contacts", "contacts": [card]})
    assert shared is not None and shared.kind is EventKind.CONTACT
    chat = ChatClient(capabilities=whatsapp_capabilities.capabilities())
    await start_as_newcomer(chat)
    await answer_until(chat, "phone")
    await chat.share_contact(shared.text)
    assert chat.participant.answers["phone"] == "+15195550199"
    assert "e-mail" in chat.last.text


async def test_control_and_direction_override_characters_are_removed_from_a_name() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await chat.send("A\u202emal\x00\n Ha\u0301")
    assert chat.participant.answers["name"] == "Amal Há"


async def test_the_consent_lists_every_question_of_the_form_and_situation_may_be_declined() -> None:
    chat = ChatClient()
    await chat.send("/start")
    await chat.click("English")
    await chat.click("I am new to the region")
    form = chat.program.forms["connectee"]
    listed = [line for line in chat.last.text.split("\n") if line.startswith("• ")]
    assert [line[2:].split(" (")[0] for line in listed] == [q.label for q in form.questions[1:]]
    assert "• Situation (you may prefer not to say)" in listed and "• Phone (only if you choose)" in listed
    await chat.click("I agree")
    await answer_until(chat, "situation")
    assert chat.last.labels()[-1] == "Prefer not to say"
    await chat.click("Prefer not to say")
    assert chat.participant.answers["situation"] == "prefer_not"


async def test_an_arabic_reader_can_decline_the_situation_question() -> None:
    chat = ChatClient(language_code="ar")
    await chat.send("/start")
    await chat.click("العربية")
    await chat.send("1")
    assert "• الوضع (يمكنك أن تفضّل عدم الإجابة)" in plain(chat.last.text)
    await chat.send("نعم")
    await chat.send("أمل")
    await chat.click("Kitchener")
    await chat.send("أفضّل عدم الإجابة")
    assert chat.participant.answers["situation"] == "prefer_not"


async def test_a_french_phone_is_greeted_in_french_and_can_switch_to_english() -> None:
    chat = ChatClient(language_code="fr-CA")
    await chat.send("/start")
    welcome = chat.last.text
    assert welcome == chat.text(
        "{program}\nWelcome! I help newcomers meet local professionals for a 30-minute conversation "
        "about work in their field.\n\nWhich language would you like to use?"
    ).format(program="Programme Connecteur")
    assert welcome.startswith("Programme Connecteur\nBienvenue!")
    assert chat.last.labels()[:3] == ["Français", "English", "Español"], "the phone's language first"
    await chat.click("Français")
    await chat.click(chat.text("I am new to the region"))
    consent = chat.program.forms["connectee"].consent.text
    assert chat.last.text.startswith(chat.text(consent).split("{collected}")[0])
    assert "• Situation (vous pouvez préférer ne pas répondre)\n• Année d'arrivée\n" in chat.last.text
    await chat.click(chat.text("I agree", "consent"))
    assert chat.participant.language == "fr"
    assert chat.text("What name would you like us to call you?") in chat.last.text
    await chat.send("/language")
    await chat.click("English")
    assert "What name would you like us to call you?" in chat.last.text


async def test_on_new_year_s_eve_in_toronto_the_year_question_is_this_year_s_not_utc_s() -> None:
    # Thursday, December 31, 2026, 21:00 in Toronto: already 2027 in UTC.
    chat = ChatClient(now=datetime(2027, 1, 1, 2, 0, tzinfo=UTC))
    await start_as_newcomer(chat)
    for answer in ["Amal", "click:Kitchener", "click:Refugee"]:
        await (chat.click(answer[6:]) if answer.startswith("click:") else chat.send(answer))
    assert chat.last.text.endswith("Please type the year as four digits, for example 2026.")
    replies = await chat.send("2027")
    assert replies[0].text == "2027 is still to come. Please type a year from 1950 to 2026."
    assert "arrival_year" not in chat.participant.answers
    await chat.send("2026")
    assert chat.participant.answers["arrival_year"] == 2026
