"""The command menu's language codes: Telegram's setMyCommands takes two lowercase letters, or none."""

from __future__ import annotations

from bot.channels.telegram_menu import menu_languages


def test_every_language_of_the_default_program_is_published_under_its_two_letter_code() -> None:
    menus = menu_languages(("en", "fr", "es", "ar", "zh-Hans", "pa", "tl", "ur", "fa", "uk"))
    assert menus.published == {
        "en": "en", "fr": "fr", "es": "es", "ar": "ar", "zh": "zh-Hans",
        "pa": "pa", "tl": "tl", "ur": "ur", "fa": "fa", "uk": "uk",
    }  # fmt: skip
    assert menus.skipped == {}


def test_two_languages_sharing_a_code_publish_the_first_listed_and_say_why_the_other_is_not() -> None:
    menus = menu_languages(("en", "pt-BR", "zh_Hant", "pt", "zh-Hans", "fil", "PA"))
    assert menus.published == {"en": "en", "pt": "pt-BR", "zh": "zh_Hant", "pa": "PA"}
    assert menus.skipped == {
        "pt": "'pt' already shows pt-BR",
        "zh-Hans": "'zh' already shows zh_Hant",
        "fil": "'fil' is not a two-letter code",
    }
