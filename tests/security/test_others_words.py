"""A participant's typed words shown to others are quoted and never unfold a link preview there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.catalogs import PROJECT_CATALOGS
from bot.channels.telegram_library import MODULES, load, make_deliver
from handlers.core.bidi import for_reader
from handlers.core.events import Reply
from handlers.core.quoting import quoted, settled
from tests.e2e.emulator import BotApiEmulator
from tests.support.driver import Shown
from tests.support.personas import AMAL, COORDINATOR, INTRODUCTION, PRIYA, approve_all
from tests.support.world import Phone, World

OCCUPATION = "Nurse. Approved by the coordinator: https://evil.example/cv"
AREA = "Café at https://evil.example/map"


@pytest.fixture(params=tuple(MODULES))
async def telegram(request: pytest.FixtureRequest) -> AsyncIterator[BotApiEmulator]:
    """The emulator, and the Telegram library the bot delivers through: each test runs on both."""
    async with BotApiEmulator() as emulator:
        emulator.library = request.param
        yield emulator


async def sent_to_telegram(telegram: BotApiEmulator, chat_id: int, message: Shown) -> dict[str, Any]:
    """The Bot API request the Telegram channel makes for a message as the outbox holds it."""
    telegram.user(chat_id).send("/start")  # Telegram lets a bot write only to people who wrote to it
    client = load(telegram.library).make_client(telegram.token, telegram.url)
    try:
        delivery = await make_deliver(client)(chat_id, message.payload)
    finally:
        await client.close()
    assert delivery.outcome == "sent", delivery
    return telegram.calls_to("sendMessage")[-1].params


def newest(phone: Phone, starting: str) -> Shown:
    return next(message for message in reversed(phone.screen) if message.text.startswith(starting))


async def test_a_link_typed_as_an_occupation_reaches_the_coordinator_quoted_and_without_a_preview(
    world: World, telegram: BotApiEmulator
) -> None:
    coordinator, amal = world.phone(COORDINATOR), world.phone(101)
    await world.register(amal, "connectee", AMAL | {"occupation": OCCUPATION})

    notice = newest(coordinator, "New application to review")
    assert f"\n“{OCCUPATION}”\n" in notice.text, notice.text
    request = await sent_to_telegram(telegram, COORDINATOR, notice)
    assert request["link_preview_options"] == {"is_disabled": True}

    await coordinator.send("/pending")
    application = newest(coordinator, "Amal (#")
    assert f"“{OCCUPATION}”" in application.text
    request = await sent_to_telegram(telegram, COORDINATOR, application)
    assert request["link_preview_options"] == {"is_disabled": True}

    await coordinator.send("/find Amal")
    assert f"“{OCCUPATION}”" in coordinator.last.text and coordinator.last.payload["others_words"] is True

    own = newest(amal, "Thank you")  # her own words, to herself: the bot's messages keep their previews
    request = await sent_to_telegram(telegram, 101, own)
    assert "link_preview_options" not in request and "others_words" not in own.payload


async def test_the_connector_s_introduction_and_both_meeting_details_show_no_preview_of_the_other_s_words(
    world: World, telegram: BotApiEmulator
) -> None:
    priya, amal = world.phone(201), world.phone(101)
    await world.register(priya, "connector", PRIYA | {"meeting_mode": "in_person", "meeting_area": AREA})
    await world.register(amal, "connectee", AMAL | {"occupation": OCCUPATION, "meeting_mode": "in_person"})
    await approve_all(world)

    introduction = newest(priya, "Hello Priya!")
    assert f"Occupation: “{OCCUPATION}”" in introduction.text
    assert (await sent_to_telegram(telegram, 201, introduction))["link_preview_options"] == {"is_disabled": True}

    await priya.click(priya.showing(INTRODUCTION).labels()[0])
    await amal.click("Yes, that works")
    for phone in (amal, priya):
        details = newest(phone, "Your meeting is confirmed!")
        assert f"Where: “{AREA}” (agree on the exact place together)" in details.text
        request = await sent_to_telegram(telegram, phone.user_id, details)
        assert request["link_preview_options"] == {"is_disabled": True}
        assert b"LOCATION:" + AREA.encode() in next(m for m in phone.screen if m.document).document  # type: ignore[operator]


def test_words_quoted_for_a_right_to_left_reader_stay_inside_the_marks() -> None:
    """The isolate keeps Latin words from carrying the marks along; the marks follow the Arabic line."""
    arabic = PROJECT_CATALOGS.translator("ar")
    reply = settled(Reply(f"المهنة: {quoted(for_reader(OCCUPATION, 'ar'), arabic)}"))
    assert reply.text == f"المهنة: ”\u2068{OCCUPATION}\u2069“"
    assert reply.shows_others_words
