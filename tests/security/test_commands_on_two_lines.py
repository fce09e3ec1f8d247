"""A command and its words on separate lines ("/contact", a line break, the message; Shift+Enter on a
computer) is that command with those words, as Telegram itself reads it, on Telegram (both libraries)
and on WhatsApp; never an unknown command that loses the message."""

from __future__ import annotations

import json

import pytest

from bot.channels import telegram_aiogram, telegram_ptb
from bot.channels.telegram_library import message_event
from bot.channels.whatsapp import read_message
from handlers.core.events import Event
from tests.support.personas import AMAL, COORDINATOR
from tests.support.world import Phone, World

TYPED = "/contact\nCan my meeting be in Waterloo\ninstead of Kitchener?"
LIBRARIES = {"aiogram": telegram_aiogram, "ptb": telegram_ptb}


def read_on_telegram(library: str, user_id: int, text: str) -> Event:
    message = {
        "message_id": 7,
        "date": 1764000000,
        "from": {"id": user_id, "is_bot": False, "first_name": "Amal", "language_code": "en"},
        "chat": {"id": user_id, "type": "private", "first_name": "Amal"},
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len("/contact")}],
    }
    client = LIBRARIES[library].make_client("123456:TEST", "http://127.0.0.1:9")
    update = client.parse(json.dumps({"update_id": 5000, "message": message}).encode())
    return message_event(update.update_id, update.message)


def read_on_whatsapp(user_id: int, text: str) -> Event:
    event = read_message({"from": str(user_id), "id": "wamid.5000", "type": "text", "text": {"body": text}})
    assert event is not None
    return event


async def sends(world: World, phone: Phone, event: Event) -> None:
    await world.event(phone, event.kind, event.text, args=event.args)


@pytest.mark.parametrize("door", ["aiogram", "ptb", "whatsapp"])
async def test_contact_with_the_message_on_the_next_line_reaches_the_team(world: World, door: str) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    typed = read_on_whatsapp(101, TYPED) if door == "whatsapp" else read_on_telegram(door, 101, TYPED)
    await sends(world, amal, typed)

    assert amal.last.text == "Thank you. Your message has gone to the program's team; a person will answer you here."
    relayed = world.phones[COORDINATOR].last.text
    assert "“Can my meeting be in Waterloo\ninstead of Kitchener?”" in relayed, "her words as she wrote them"


@pytest.mark.parametrize("door", ["aiogram", "ptb", "whatsapp"])
async def test_a_coordinators_find_with_the_words_on_the_next_line_finds(world: World, door: str) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    coordinator = world.phones[COORDINATOR]
    typed = (
        read_on_whatsapp(COORDINATOR, "/find\nAmal")
        if door == "whatsapp"
        else read_on_telegram(door, COORDINATOR, "/find\nAmal")
    )
    assert (typed.text, typed.args) == ("find", "Amal")
    if door != "whatsapp":  # FRONTDOOR_COORDINATORS count on Telegram only
        await sends(world, coordinator, typed)
        assert coordinator.last.text == "#1 Amal, newcomer, waiting for review: “Software developer”"
