"""A person to talk to: anyone writes to the program's team with /contact, a coordinator answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from storage.tables import TeamMessageRow
from tests.support.clock import NOW
from tests.support.personas import AMAL, COORDINATOR
from tests.support.world import World, world_on

SECOND_COORDINATOR = 901


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    async with world_on(database_url, NOW, coordinators=[COORDINATOR, SECOND_COORDINATOR]) as world:
        yield world


async def stored(world: World) -> list[tuple[bool, str]]:
    async with world.app.sessions() as session:
        rows = await session.execute(select(TeamMessageRow).order_by(TeamMessageRow.id))
        return [(row.from_team, row.text) for row in rows.scalars()]


async def test_a_newcomer_writes_to_the_team_a_coordinator_replies_and_she_reads_the_answer(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    coordinator, other_coordinator = world.phones[COORDINATOR], world.phones[SECOND_COORDINATOR]

    await amal.send("/contact")
    assert amal.last.text == (
        "What would you like to tell the program's team? Write it in one message and send it; "
        "a person from the team will answer you here."
    )
    await amal.send("Can my meeting be in Waterloo instead of Kitchener?")
    assert amal.last.text == ("Thank you. Your message has gone to the program's team; a person will answer you here.")
    relayed = coordinator.last
    assert relayed.text == (
        "✉ 1\nAmal (#1) writes to the team:\n“Can my meeting be in Waterloo instead of Kitchener?”\n\n"
        "Reply to this message to answer, or send /reply 1 and your answer."
    )
    assert other_coordinator.last.text == relayed.text, "every coordinator sees it"

    await coordinator.reply("Yes, of course. Which day suits you?", to=relayed)
    assert coordinator.last.text == "Your answer to message 1 has been sent."
    assert amal.last.text == "Connector Program\nA message from the team:\n\nYes, of course. Which day suits you?"
    assert await stored(world) == [
        (False, "Can my meeting be in Waterloo instead of Kitchener?"),
        (True, "Yes, of course. Which day suits you?"),
    ]

    await amal.send("/mydata")  # her messages with the team are her data
    assert "Messages with the program's team: 2" in amal.screen[-2].text
    document = json.loads(amal.last.document or b"")
    assert [m["text"] for m in document["messages_with_the_team"]] == [text for _, text in await stored(world)]

    await amal.send("/delete")
    await amal.click("Yes, erase my data")
    assert await stored(world) == []


async def test_someone_not_registered_writes_in_one_line_and_is_answered_in_their_language(world: World) -> None:
    visitor = world.phone(555, "fr")
    await visitor.send("/start")
    await visitor.click("Français")
    await visitor.send("/contact Bonjour, est-ce gratuit ?")
    assert visitor.last.text.startswith("Merci. Votre message a été transmis")
    coordinator = world.phones[COORDINATOR]
    assert coordinator.last.text.startswith("✉ 1\nSomeone who has not registered writes to the team:")

    await coordinator.send("/reply 1 Oui, entièrement gratuit.")
    assert visitor.last.text.endswith("Oui, entièrement gratuit.")
    assert visitor.last.text.startswith("Programme Connecteur\nUn message de l'équipe :")


async def test_a_message_written_mid_registration_returns_to_the_open_question(world: World) -> None:
    amal = world.phone(101)
    await world.welcome(amal, "connectee")
    question = amal.last.text
    await amal.send("/contact")
    await amal.send("Which documents should I bring?")
    assert amal.screen[-2].text.startswith("Thank you. Your message has gone to the program's team")
    assert amal.last.text == question, "the question she left, again"


async def test_hello_with_nothing_asked_points_to_contact(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    await amal.send("hello")
    assert amal.last.text == (
        "I cannot answer messages myself. To write to a person on the program's team, send /contact. "
        "/status shows your registration; /help shows what I can do."
    )
    await amal.send("/help")
    assert "/contact: Talk to a person: write to the program's team" in amal.last.text
    assert await stored(world) == [], "nothing is relayed without /contact"


async def test_only_a_coordinator_can_reply_and_a_wrong_number_gets_a_kind_answer(world: World) -> None:
    amal, omar = world.phone(101), world.phone(301)
    await world.register(amal, "connectee", AMAL)
    await amal.send("/contact Please call me.")
    relayed = world.phones[COORDINATOR].last

    await omar.send("/reply 1 I am the team now")
    assert omar.last.text == "Sorry, I do not know that command. Send /help to see what I can do."
    await omar.reply("I am the team now", to=relayed)  # a forged reply: just words from someone
    assert not any("I am the team now" in text for text in amal.texts())
    assert await stored(world) == [(False, "Please call me.")]

    coordinator = world.phones[COORDINATOR]
    await coordinator.send("/reply 999 Hello")
    assert coordinator.last.text == (
        "There is no message 999 to answer: it may have been erased at the person's request. "
        "Please check the number in the message you are answering."
    )
    await coordinator.send("/reply one Hello")
    assert coordinator.last.text == (
        "Please send /reply followed by the message's number and your answer, e.g. /reply 12 Hello."
    )
    await coordinator.send("/reply 1")
    assert coordinator.last.text.startswith("Please send /reply followed by")
    assert await stored(world) == [(False, "Please call me.")]


async def test_a_long_answer_of_many_lines_reaches_an_arabic_reader_in_messages_telegram_takes(world: World) -> None:
    # Each English line is a run against an Arabic reader's direction, isolated by two characters
    # more (handlers.core.bidi): laid out, the answer grew past what one Telegram message holds.
    amal = world.phone(101, "ar")
    await world.register(amal, "connectee", AMAL)
    await amal.send("/contact Please call me.")
    lines = [f"{n}. Bring the letter from your employer!" for n in range(1, 200)]
    answer = "\n".join(lines)[:4080].rsplit("\n", 1)[0]  # as much as one message of the coordinator holds
    before = len(amal.screen)

    await world.phones[COORDINATOR].send("/reply 1 " + answer)

    received = [message.text for message in amal.screen[before:]]
    assert len(received) == 2, "the answer in two messages"
    assert all(1 <= len(text.strip()) <= 4096 for text in received), [len(text) for text in received]
    shown = "".join(received).replace("\u2068", "").replace("\u2069", "")
    assert all(line in shown for line in answer.split("\n")), "every line of the answer, whole"
