"""Ten languages: negotiation, every text from the catalog, right to left, Telegram's limits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel import localedata
from babel.dates import format_skeleton, format_time
from babel.lists import format_list
from babel.numbers import format_decimal

from bot.channels import telegram_capabilities
from handlers.core.bidi import FSI, PDI, isolate_foreign
from handlers.core.program import load_program
from handlers.core.render import format_day, format_month, weekday_names, zone_name
from handlers.core.translator import UNUSED_LOCALE_DATA, babel_locale, native_name, negotiate_language
from tests.support.autopilot import complete_intake
from tests.support.chat import ChatClient
from tests.support.marked_catalogs import marked_catalogs, unmarked_lines
from tests.unit.test_connectee_intake import LANGUAGE_MENU

PROGRAM = load_program()
LANGUAGES = PROGRAM.languages
TELEGRAM = telegram_capabilities.capabilities(bot_username=None)
TELEGRAM_TEXT_LIMIT = TELEGRAM.most_text_chars
CALLBACK_LIMIT = TELEGRAM.most_button_data_bytes


@pytest.mark.parametrize(
    ("app_language", "chosen"),
    [
        ("fr-CA", "fr"),
        ("es-419", "es"),
        ("ar-SA", "ar"),
        ("zh-hans", "zh-Hans"),
        ("zh-cn", "zh-Hans"),
        ("zh-hant", None),
        ("zh-tw", None),
        ("pa", "pa"),
        ("pa-PK", None),
        ("fil", "tl"),
        ("ur", "ur"),
        ("fa-AF", "fa"),
        ("uk", "uk"),
        ("pt-br", None),
        ("ru", None),
        (None, None),
    ],
)
def test_the_app_language_picks_a_supported_language_with_the_same_script(
    app_language: str | None, chosen: str | None
) -> None:
    assert negotiate_language(app_language, LANGUAGES) == chosen


async def test_an_unsupported_app_language_is_asked_with_native_names() -> None:
    chat = ChatClient(language_code="pt-br")
    await chat.send("/start")
    assert chat.last.labels() == LANGUAGE_MENU


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
async def test_every_text_a_newcomer_sees_comes_from_the_catalog(language: str, tmp_path: Path) -> None:
    """With marked catalogs, a line without the marker is English or untranslated text leaking through."""
    chat = ChatClient(language_code=language, catalogs=marked_catalogs(tmp_path, LANGUAGES))
    await complete_intake(chat, language)
    await chat.send("/status")
    await chat.send("/help")
    await chat.send("/back")
    await chat.send("1066")
    await chat.send_photo()
    await chat.click(chat.text("Submit"))
    leaks = [(message.text[:60], line) for message in chat.screen for line in unmarked_lines(message.text)]
    assert leaks == []
    proper_names = {option.label for option in PROGRAM.forms["connectee"].questions[2].options}
    unmarked_buttons = [
        label
        for message in chat.screen[1:]  # the first is the language menu, in native names
        for label in message.labels()
        if "¤" not in label and label not in proper_names and not label.isdigit()
    ]
    assert unmarked_buttons == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ["connectee", "connector"])
async def test_buttons_fit_telegram_and_messages_fit_one_telegram_message(language: str, role: str) -> None:
    chat = ChatClient(language_code=language)
    await complete_intake(chat, language, role)
    long_name = "N" * 80
    chat.participant.answers["name"] = long_name
    await chat.send("/status")
    for message in chat.screen:
        assert len(message.text) <= TELEGRAM_TEXT_LIMIT
        for row in message.buttons:
            for button in row:
                assert button.data.isascii() and len(button.data.encode()) <= CALLBACK_LIMIT, button.data


async def test_an_arabic_review_isolates_a_latin_name() -> None:
    chat = ChatClient(language_code="ar")
    await complete_intake(chat, "ar")
    review = chat.last.text
    assert f"{FSI}John Smith{PDI}" in review
    assert f"{FSI}john@example.com{PDI}" in review
    assert f"{FSI}+1 519-555-0123{PDI}" in review
    assert "John Smith" not in review.replace(f"{FSI}John Smith{PDI}", "")


async def test_latin_fragments_in_a_right_to_left_message_are_isolated_once() -> None:
    chat = ChatClient(language_code="fa")
    await chat.send("/help")
    text = chat.last.text
    assert f"{FSI}/start{PDI}" in text
    assert text.startswith(f"{FSI}برنامهٔ ارتباط حرفه‌ای{PDI}\n"), (
        "the program's Persian name, as the program file gives it"
    )
    assert f"{FSI}{FSI}" not in text
    assert isolate_foreign(text, "fa") == text, "laying out twice changes nothing"


async def test_a_left_to_right_reader_gets_no_isolates_around_left_to_right_words() -> None:
    chat = ChatClient(language_code="uk")
    await complete_intake(chat, "uk")
    assert FSI not in chat.last.text and "John Smith" in chat.last.text


async def test_switching_language_keeps_every_answer() -> None:
    chat = ChatClient(language_code="ur")
    await complete_intake(chat, "ur")
    answers = dict(chat.participant.answers)
    await chat.send("/language")
    await chat.click(native_name("zh-Hans"))
    assert chat.participant.answers == answers
    assert chat.text("Please check your answers. Tap an answer's button to change it, or Submit.") in chat.last.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_still_writes_dates_times_zones_lists_and_numbers_without_the_data_let_go(
    language: str,
) -> None:
    locale = babel_locale(language)
    moment = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert format_day(moment, language, PROGRAM.time_zone)
    assert format_month("2026-11", language)
    assert format_skeleton("yMMMEd", moment, locale=locale) and format_time(moment, "short", locale=locale)
    assert zone_name(PROGRAM.time_zone, language)
    assert len(set(weekday_names(language))) == 7
    assert format_list(["a", "b", "c"], locale=locale) and format_decimal(1.5, locale=locale)
    assert native_name(language) and locale.character_order
    assert [key for key in UNUSED_LOCALE_DATA if key in localedata.load(str(locale))] == []
