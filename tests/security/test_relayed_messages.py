"""A coordinator's reply in the chat goes to a person only when it answers a message that person wrote
to the team: never because of what a participant typed into a line the coordinator replied to."""

from __future__ import annotations

from sqlalchemy import select

from storage.tables import TeamMessageRow
from tests.support.personas import AMAL, COORDINATOR
from tests.support.world import World


async def team_messages(world: World) -> list[tuple[bool, str]]:
    async with world.app.sessions() as session:
        rows = await session.execute(select(TeamMessageRow).order_by(TeamMessageRow.id))
        return [(row.from_team, row.text) for row in rows.scalars()]


async def test_a_name_that_looks_like_a_relayed_message_number_does_not_turn_a_coordinators_reply_into_an_answer(
    world: World,
) -> None:
    mallory = world.phone(102)
    await mallory.send("/contact Hello, is anyone there?")  # message 1 to the team
    await world.register(mallory, "connectee", AMAL | {"name": "✉1"})
    coordinator = world.phones[COORDINATOR]

    await coordinator.send("/pending")
    card = coordinator.last
    assert card.text.startswith("✉1 (#1), newcomer"), "her name opens the application's card"
    await coordinator.reply("Looks like a fake registration, let's decline it", to=card)

    assert not any("fake registration" in text for text in mallory.texts()), "the coordinator's words stay theirs"
    assert await team_messages(world) == [(False, "Hello, is anyone there?")], "nothing is stored as an answer"

    await coordinator.send("/find 1")
    await coordinator.reply("Same person as last week?", to=coordinator.last)
    assert not any("last week" in text for text in mallory.texts())

    relayed = next(message for message in coordinator.screen if message.text.startswith("✉ 1\n"))
    await coordinator.reply("Yes, we are here. How can we help?", to=relayed)
    assert coordinator.last.text == "Your answer to message 1 has been sent."
    assert mallory.last.text == "Connector Program\nA message from the team:\n\nYes, we are here. How can we help?"


async def test_an_arabic_speaking_coordinator_still_answers_by_replying_to_the_relayed_message(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    coordinator = world.phone(COORDINATOR, "ar")
    await coordinator.send("/start")
    await coordinator.click("العربية")
    await amal.send("/contact Can my meeting be in Waterloo?")

    relayed = coordinator.last
    await coordinator.reply("نعم بالتأكيد", to=relayed)
    assert await team_messages(world) == [(False, "Can my meeting be in Waterloo?"), (True, "نعم بالتأكيد")]
    assert amal.last.text.endswith("\u2068نعم بالتأكيد\u2069"), "isolated in her English line"
