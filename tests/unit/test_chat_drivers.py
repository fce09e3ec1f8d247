"""One way to drive a chat (tests.support.driver): every layer's driver is one, and a label finds
the button a person would press."""

from __future__ import annotations

from typing import cast

from handlers.core.events import Button
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.person import Person
from tests.support.chat import ChatClient
from tests.support.desk import Desk
from tests.support.driver import Driver, Pressed, Shown, press, showing
from tests.support.world import Phone, World


async def test_every_way_to_drive_a_chat_is_the_one_driver() -> None:
    drivers: list[Driver] = [
        ChatClient(),  # the conversation alone, in memory
        Desk().person(101),  # the front desk, several people in memory
        Phone(cast(World, None), 101),  # a real database and its outbox
        Person(BotApiEmulator().user(101)),  # `frontdoor run` behind the Bot API emulator
    ]
    moves = {name for name in vars(Driver) if not name.startswith("_")}  # mypy checks their signatures
    assert moves == {"last", "send", "click", "share_contact", "press_forged", "texts", "labels", "showing"}
    assert [moves - set(dir(chat)) for chat in drivers] == [set()] * len(drivers)


def screen() -> list[Shown]:
    question = Shown(1, "Your phone number?", contact_button="📱 Share my phone number", keyboard=("Skip",))
    older = Shown(2, "Pick one", ((Button("Yes", "a:1"), Button("Skip", "s:1")),))
    newer = Shown(3, "Pick one", ((Button("Yes", "a:2"),),))
    return [question, older, newer]


def test_a_label_presses_its_button_on_the_newest_message_showing_it() -> None:
    question, older, newer = screen()
    assert press([question, older, newer], "Yes") == Pressed(newer, "a:2")
    assert press([question, older, newer], "Yes", on=older) == Pressed(older, "a:1")
    assert press([question, older, newer], "Skip") == Pressed(older, "s:1"), "a newer button before the keyboard"
    assert press([question], "Skip") == Pressed(None, "Skip"), "a reply keyboard's button sends its label"
    assert showing([question, older, newer], "Skip") is older


def test_a_copy_keeps_the_buttons_a_phone_showed_before_an_edit() -> None:
    _, older, _ = screen()
    tapped = older.copy()
    older.buttons = ()  # the first tap's answer edited the message
    assert press([older], "Yes", on=tapped) == Pressed(tapped, "a:1")


def test_a_right_to_left_reader_s_label_is_found_as_the_catalog_writes_it() -> None:
    laid_out = Shown(1, "اختر", ((Button("\u2068Zoom\u2069 فيديو", "a:zoom"),),))
    assert press([laid_out], "Zoom فيديو") == Pressed(laid_out, "a:zoom")
