"""Buttons go side by side as the channel's screen allows, and carry what it takes back (its capabilities)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.channels import telegram_capabilities
from handlers.core.program import ProgramError, load_program
from handlers.intake.screens import check_buttons
from tests.support.chat import ChatClient

TELEGRAM = telegram_capabilities.capabilities(bot_username=None)
NARROW = replace(TELEGRAM, buttons_per_row=3)  # a messenger whose screens show three buttons side by side


def rows(chat: ChatClient) -> list[list[str]]:
    return [[button.label for button in row] for row in chat.last.buttons]


async def up_to_the_availability(chat: ChatClient) -> None:
    await chat.send("/start")
    await chat.click("English")
    await chat.click("I am a volunteer connector")
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
