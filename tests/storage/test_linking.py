"""One person on two doors: a Telegram account and a WhatsApp number made one participant with /link,
as the person sees it, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.intake import linking
from storage.export import Period, record_counts
from storage.tables import ConversationRow, LinkCodeRow, ParticipantRow
from tests.support.personas import AMAL, OFFER, PRIYA, a_time_offered, approve_all
from tests.support.world import Phone, World

WHATSAPP = "whatsapp"
AMAL_ON_WHATSAPP = 15195550111
ASKED = "To use this program from another messaging app too"
DONE = "Done: this chat and your other app are now one registration."
TOLD = "Your link code was just used"
WRONG = "This code is not right"
TOO_MANY = "Too many wrong codes were typed."
BOTH = "each have a registration already"


async def asks_for_a_code(phone: Phone) -> str:
    """/link on this door: the code comes as a message of its own, `/link 1234 5678 9012`, to copy whole."""
    await phone.send("/link")
    assert ASKED in phone.texts()[-2]
    assert "The code works once, within 15 minutes." in phone.texts()[-2]
    command = phone.last.text
    assert command.startswith("/link ") and len(command.removeprefix("/link ").replace(" ", "")) == 12
    return command


async def test_a_newcomer_registered_on_telegram_links_whatsapp_and_carries_on_there(world: World) -> None:
    priya, amal = world.phone(201), world.phone(101)
    await world.register(priya, "connector", PRIYA)
    await world.register(amal, "connectee", AMAL)
    command = await asks_for_a_code(amal)

    amal_on_whatsapp = world.phone(AMAL_ON_WHATSAPP, channel=WHATSAPP)
    await amal_on_whatsapp.send(command)
    assert DONE in amal_on_whatsapp.last.text and "From now on our messages come here." in amal_on_whatsapp.last.text
    assert TOLD in amal.last.text and "/contact" in amal.last.text

    async with world.app.sessions() as session:
        person = (await session.execute(select(ParticipantRow))).scalars().all()
        doors = (await session.execute(select(ConversationRow.channel, ConversationRow.participant_id))).all()
        counted = await record_counts(session, Period(None, None))
    amal_row = next(row for row in person if row.role == "connectee")
    assert (amal_row.channel, amal_row.user_id, amal_row.chat_id) == (WHATSAPP, AMAL_ON_WHATSAPP, AMAL_ON_WHATSAPP)
    assert sorted(channel for channel, who in doors if who == amal_row.id) == ["telegram", WHATSAPP]
    assert counted["participants"] == 2, "one row per person in the export: Priya and Amal"
    assert await world.count(LinkCodeRow) == 0, "a code is gone once used"

    await amal_on_whatsapp.send("/status")
    assert "Amal" in amal_on_whatsapp.last.text and "waiting for a coordinator" in amal_on_whatsapp.last.text

    await approve_all(world)
    assert any("your registration is approved" in text for text in amal_on_whatsapp.texts())
    await priya.click("Thu, Nov 26, 9:00\u202fAM")
    assert not any(message.shows(OFFER) for message in amal.screen), "the program writes where she linked last"
    await amal_on_whatsapp.click(OFFER)
    assert any("Your meeting is confirmed!" in text for text in amal_on_whatsapp.texts())
    assert any("Your meeting is confirmed!" in text for text in priya.texts())


async def test_a_just_started_record_on_the_new_door_is_dropped(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    command = await asks_for_a_code(amal)
    amal_on_whatsapp = world.phone(AMAL_ON_WHATSAPP, channel=WHATSAPP)
    await world.welcome(amal_on_whatsapp, "connectee")  # agreed to the terms there, answered nothing
    assert await world.count(ParticipantRow) == 2

    await amal_on_whatsapp.send(command)
    assert DONE in amal_on_whatsapp.last.text
    assert await world.count(ParticipantRow) == 1


async def test_linking_from_whatsapp_to_a_registration_on_telegram_moves_the_messages_to_telegram(
    world: World,
) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    amal_on_whatsapp = world.phone(AMAL_ON_WHATSAPP, channel=WHATSAPP)
    command = await asks_for_a_code(amal_on_whatsapp)  # asked where she has no registration yet
    await amal.send(command)
    assert DONE in amal.last.text and TOLD in amal_on_whatsapp.last.text
    async with world.app.sessions() as session:
        row = (await session.execute(select(ParticipantRow))).scalar_one()
    assert (row.channel, row.user_id) == ("telegram", 101)
    await amal_on_whatsapp.send("/status")
    assert "Amal" in amal_on_whatsapp.last.text, "both doors are the same registration"


async def test_an_expired_code_is_refused(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    command = await asks_for_a_code(amal)
    world.now += linking.VALID + timedelta(seconds=1)
    amal_on_whatsapp = world.phone(AMAL_ON_WHATSAPP, channel=WHATSAPP)
    await amal_on_whatsapp.send(command)
    assert WRONG in amal_on_whatsapp.last.text
    assert "Amal" not in amal_on_whatsapp.last.text
    assert TOLD not in amal.last.text
    async with world.app.sessions() as session:
        row = (await session.execute(select(ParticipantRow))).scalar_one()
    assert row.channel == "telegram"


async def test_a_code_works_once(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    command = await asks_for_a_code(amal)
    await world.phone(AMAL_ON_WHATSAPP, channel=WHATSAPP).send(command)
    someone_else = world.phone(15195550999, channel=WHATSAPP)
    await someone_else.send(command)
    assert WRONG in someone_else.last.text
    await someone_else.send("/status")
    assert "Amal" not in someone_else.last.text
    async with world.app.sessions() as session:
        row = (await session.execute(select(ParticipantRow))).scalar_one()
    assert row.user_id == AMAL_ON_WHATSAPP


async def test_a_code_typed_on_the_door_that_asked_for_it_says_where_to_type_it(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    command = await asks_for_a_code(amal)
    await amal.send(command)
    assert "This code is for your other app: send it there, not here." in amal.last.text
    a_second_telegram_account = world.phone(102)
    await a_second_telegram_account.send(command)
    assert WRONG in a_second_telegram_account.last.text, "a code joins a door of another app only"


async def test_after_five_wrong_codes_even_the_right_one_waits_an_hour(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    guesser = world.phone(15195550999, channel=WHATSAPP)
    typed = ("/link 0000 0000 0000", "/link 1", "/link 1111-1111-1111", "/link abc", "/link ١٢٣٤ ٥٦٧٨ ٩٠١٢")
    for wrong in (*typed, "/link 2222 2222 2222", "/link 3333 3333 3333"):
        await guesser.send(wrong)
        assert WRONG in guesser.last.text  # five of the right shape, counted; two that cannot be a code
    command = await asks_for_a_code(amal)
    await guesser.send(command)
    assert TOO_MANY in guesser.last.text
    assert TOLD not in amal.last.text

    world.now += linking.TRIES_WINDOW
    command = await asks_for_a_code(amal)
    await guesser.send(command)
    assert DONE in guesser.last.text


async def test_wrong_codes_from_everyone_together_stop_all_tries_for_a_while(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linking, "EVERYONE_TRIES", 2)
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    for number in (15195550901, 15195550902):
        await world.phone(number, channel=WHATSAPP).send("/link 0000 0000 0000")
    command = await asks_for_a_code(amal)
    amal_on_whatsapp = world.phone(AMAL_ON_WHATSAPP, channel=WHATSAPP)
    await amal_on_whatsapp.send(command)
    assert TOO_MANY in amal_on_whatsapp.last.text


async def test_two_registrations_are_not_joined(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    command = await asks_for_a_code(amal)
    amal_on_whatsapp = world.phone(AMAL_ON_WHATSAPP, channel=WHATSAPP)
    await world.register(amal_on_whatsapp, "connectee", AMAL | {"name": "Amal H."})
    await amal_on_whatsapp.send(command)
    assert BOTH in amal_on_whatsapp.last.text and "nothing was changed" in amal_on_whatsapp.last.text
    assert TOLD not in amal.last.text
    assert await world.count(ParticipantRow) == 2
    await amal_on_whatsapp.send(command)
    assert WRONG in amal_on_whatsapp.last.text, "the code was spent: a new one is asked for"


async def test_delete_on_either_door_erases_the_person_and_both_chats(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    command = await asks_for_a_code(amal)
    amal_on_whatsapp = world.phone(AMAL_ON_WHATSAPP, channel=WHATSAPP)
    await amal_on_whatsapp.send(command)
    await amal.send("/delete")
    await amal.click(amal.text("Yes, erase my data"))
    async with world.app.sessions() as session:
        row = (await session.execute(select(ParticipantRow))).scalar_one()
    assert (row.status, row.user_id, row.chat_id) == ("erased", 0, 0)
    assert await world.count(ConversationRow) == 0, "neither door keeps a chat"
    await amal_on_whatsapp.send("/status")
    assert "Amal" not in amal_on_whatsapp.last.text


async def test_my_data_names_the_linked_app_and_a_code_typed_back_moves_the_messages_back(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    amal_on_whatsapp = world.phone(AMAL_ON_WHATSAPP, channel=WHATSAPP)
    await amal_on_whatsapp.send(await asks_for_a_code(amal))
    await amal.send("/mydata")
    assert amal.last.document is not None
    assert json.loads(amal.last.document)["linked_accounts"] == [{"channel": WHATSAPP, "user_id": AMAL_ON_WHATSAPP}]

    await amal.send(await asks_for_a_code(amal_on_whatsapp))
    assert "This chat and your other app were linked already. From now on our messages come here." in amal.last.text
    assert TOLD in amal_on_whatsapp.last.text
    async with world.app.sessions() as session:
        row = (await session.execute(select(ParticipantRow))).scalar_one()
    assert (row.channel, row.user_id) == ("telegram", 101)


async def test_a_button_sent_before_linking_still_works_in_the_first_app(world: World) -> None:
    priya, amal = await a_time_offered(world)
    offer = amal.showing(OFFER)
    await world.phone(AMAL_ON_WHATSAPP, channel=WHATSAPP).send(await asks_for_a_code(amal))
    await amal.click(OFFER, on=offer)
    assert any("Your meeting is confirmed!" in text for text in priya.texts())
