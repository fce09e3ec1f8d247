"""End to end: someone writes to the team with /contact; a coordinator answers with Telegram's Reply."""

from __future__ import annotations

from tests.e2e.bot_process import BotProcess
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.people import COORDINATOR
from tests.e2e.person import WAIT, Person


async def test_a_coordinator_answers_by_replying_to_the_relayed_message(
    telegram: BotApiEmulator, bot: BotProcess
) -> None:
    coordinator = Person(telegram.user(COORDINATOR, first_name="Chris"))
    visitor = Person(telegram.user(7301, first_name="Nour"))
    await coordinator.send("/start")
    await visitor.send("/contact Is the program free of charge?", expect="Your message has gone to the")
    relayed = await coordinator.wait_for("writes to the team")
    assert relayed.text.startswith("✉ 1\n") and "“Is the program free of charge?”" in relayed.text

    seen = len(visitor.user.inbox)
    coordinator.user.reply("Yes, entirely free.", relayed.id)
    await coordinator.wait_for("Your answer to message 1 has been sent.")
    answer = await visitor.wait_for("Yes, entirely free.", after=seen, timeout=WAIT)
    assert answer.text == "Connector Program\nA message from the team:\n\nYes, entirely free."
