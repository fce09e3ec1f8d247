"""Buttons go side by side as the channel's screen allows, and carry what it takes back (its capabilities)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.channels import telegram_capabilities
from handlers.core.program import DEFAULT_PROGRAM_FILE, Program, ProgramError, load_program
from handlers.intake.screens import check_buttons
from tests.support.autopilot import complete_intake
from tests.support.chat import ChatClient
from tests.unit.test_connectee_intake import answer_until, start_as_newcomer

TELEGRAM = telegram_capabilities.capabilities(bot_username=None)
NARROW = replace(TELEGRAM, buttons_per_row=3)  # a messenger whose screens show three buttons side by side


def rows(chat: ChatClient) -> list[list[str]]:
    return [[button.label for button in row] for row in chat.last.buttons]


async def up_to_the_availability(chat: ChatClient) -> None:
    await chat.send("/start")
    await chat.click("English")
    await chat.click("I am a volunteer")
    await chat.click("I agree")
    for typed in ("Jordan", "City of Kitchener", "Senior engineer"):
        await chat.send(typed)
    for pressed in ("Engineering", "Done", "English", "Done", "An informational meeting", "Done"):
        await chat.click(pressed)


async def test_on_a_narrower_screen_a_days_times_and_the_numbers_come_three_to_a_row() -> None:
    chat = ChatClient(capabilities=NARROW)
    await up_to_the_availability(chat)
    assert rows(chat)[:2] == [["Mon am", "Mon noon", "Mon pm"], ["Mon eve"]]
    await chat.click("Tue noon")
    await chat.click("Done")
    await chat.click("Video call")
    assert "How many newcomers could you meet each month?" in chat.last.text
    assert rows(chat) == [["1", "2", "3"], ["4"]]


async def test_on_telegram_a_days_times_and_the_numbers_share_one_row() -> None:
    chat = ChatClient(capabilities=TELEGRAM)
    await up_to_the_availability(chat)
    assert rows(chat)[:2] == [["Mon am", "Mon noon", "Mon pm", "Mon eve"], ["Tue am", "Tue noon", "Tue pm", "Tue eve"]]
    await chat.click("Tue noon")
    await chat.click("Done")
    await chat.click("Video call")
    assert rows(chat) == [["1", "2", "3", "4"]]


def test_a_program_whose_buttons_a_channel_cannot_carry_back_is_refused_naming_the_option() -> None:
    program = load_program()
    check_buttons(program, replace(TELEGRAM, most_button_data_bytes=38))  # t:meeting_communities:north_dumfries:1
    with pytest.raises(ProgramError) as refused:
        check_buttons(program, replace(TELEGRAM, most_button_data_bytes=37))
    assert str(refused.value).endswith(
        "default_program.toml: form 'connector', question 'meeting_communities': key and option 'north_dumfries' "
        "are too long for a button"
    )


def weekend_program(tmp_path: Path) -> Program:
    """The default program whose newcomers' availability takes Saturdays and Sundays, evenings only at weekends
    being no option: every day has the times it names."""
    text = DEFAULT_PROGRAM_FILE.read_text(encoding="utf-8")
    marker = 'key = "availability"\nkind = "availability"\n'
    assert marker in text
    days = 'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\ntimes = ["morning", "evening"]\n'
    path = tmp_path / "program.toml"
    path.write_text(text.replace(marker, marker + days, 1), encoding="utf-8")
    return load_program(path)


async def at_the_newcomers_availability(chat: ChatClient) -> None:
    await start_as_newcomer(chat)
    await answer_until(chat, "availability")


async def test_a_program_that_says_so_offers_weekends_and_the_grid_states_its_time_zone(tmp_path: Path) -> None:
    chat = ChatClient(program=weekend_program(tmp_path))
    await at_the_newcomers_availability(chat)
    assert chat.last.text.endswith("am = 9:00-12:00 and eve = 17:00-20:00\nTime zone: Eastern Time")
    assert rows(chat)[5:7] == [["Sat am", "Sat eve"], ["Sun am", "Sun eve"]]
    await chat.click("Sat eve")
    await chat.click("Sun am")
    await chat.click("Done")
    assert chat.participant.answers["availability"] == ["sat-evening", "sun-morning"]
    assert chat.screen[-2].text.endswith("✔ Sat: eve and Sun: am")


async def test_the_grid_is_read_in_the_persons_own_time_zone_and_says_which_in_french() -> None:
    chat = ChatClient(language_code="fr")
    await complete_intake(chat, "fr")
    chat.participant.time_zone = "America/Vancouver"  # chosen with /timezone
    await chat.click(chat.text("✏️ {label}").format(label=chat.text("Availability")))
    assert "\nFuseau horaire : heure du Pacifique nord-américain\n" in chat.last.text


async def test_long_labels_go_fewer_to_a_row_and_are_never_cut() -> None:
    arabic = ChatClient(language_code="ar", capabilities=TELEGRAM)
    await complete_intake(arabic, "ar", "connector")
    await arabic.click(arabic.text("✏️ {label}").format(label=arabic.text("Availability")))
    assert [len(row) for row in rows(arabic)[:2]] == [2, 2], "«✅ صباح الثلاثاء» takes half a row"
    english = ChatClient(capabilities=TELEGRAM)
    await complete_intake(english, "en", "connector")
    await english.click("✏️ Sectors")
    assert ["✅ Accounting and finance"] in rows(english), "a sector's name takes the row it needs"
    assert all(len(row) == 1 for row in rows(english))
