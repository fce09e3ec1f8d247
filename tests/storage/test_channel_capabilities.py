"""A channel's capabilities shape what people see: Telegram's deep links and file limit, and another messenger's."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.channels import telegram_capabilities
from bot.export_process import ExportProcess
from handlers.core.events import Document
from handlers.core.model import Step
from storage.tables import ReferralRow
from tests.support.personas import COORDINATOR, a_booked_meeting
from tests.support.world import CHANNEL, World

ASKED = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)  # two hours after the booked meeting ends
# A messenger that is not Telegram: its own deep links, a smaller file limit.
ELSEWHERE = replace(
    telegram_capabilities.capabilities("frontdoor_test_bot"),
    name="Elsewhere",
    deep_link="https://elsewhere.example/frontdoor?ref={start}",
    most_file_bytes=16_000_000,
)


async def a_referral_recorded(world: World) -> tuple[str, str]:
    """Amal meets Priya, says it went well and names one contact: the message with the link, and its code."""
    _, amal = await a_booked_meeting(world)
    await world.run_jobs(ASKED)
    await amal.click("Yes, we met")
    await amal.click("5")
    await amal.click("Add a contact")
    await amal.send("Omar Khalil")
    await amal.send("Engineering manager")
    await amal.send("OpenText")
    async with world.app.sessions() as session:
        code = (await session.execute(select(ReferralRow.invite_code))).scalar_one()
    return amal.screen[-2].text, code


async def test_on_telegram_a_referrals_personal_link_opens_the_bot_by_its_name(world: World) -> None:
    world.app.capabilities[CHANNEL] = telegram_capabilities.capabilities("frontdoor_test_bot")  # as getMe told it
    text, code = await a_referral_recorded(world)
    assert text.startswith("Added: Omar Khalil, Engineering manager, OpenText.")
    assert text.endswith(f"it tells us that you invited them:\nhttps://t.me/frontdoor_test_bot?start=r{code}")


async def test_on_another_messenger_the_personal_link_is_its_own(world: World) -> None:
    world.app.capabilities[CHANNEL] = ELSEWHERE
    text, code = await a_referral_recorded(world)
    assert text.endswith(f"it tells us that you invited them:\nhttps://elsewhere.example/frontdoor?ref=r{code}")
    assert "t.me" not in text


async def huge_export(world: World, size: int) -> str:
    coordinator = world.phone(COORDINATOR)
    await coordinator.send("/start")
    made = world.app.exports

    class Huge(ExportProcess):
        async def document(self, kind: str, now: datetime) -> Document:
            return Document("frontdoor-export.xlsx", bytes(size))

    world.app.exports = Huge(made.database_url, made.keys)
    await coordinator.send("/export xlsx")
    await world.run_jobs(world.now + timedelta(seconds=1))
    assert coordinator.last.document is None
    return coordinator.last.text


async def test_an_export_past_another_messengers_file_limit_names_that_messenger_and_its_limit(world: World) -> None:
    world.app.capabilities[CHANNEL] = ELSEWHERE
    assert await huge_export(world, 20_000_000) == (
        "The export is ready, but at 20 MB it is too big to send in this chat: Elsewhere takes files of up to "
        "16 MB. Please try CSV (zip), the smallest format, or ask whoever runs the bot to export it with the "
        "command frontdoor export."
    )


async def test_on_whatsapp_an_old_button_tapped_is_answered_by_a_message_not_left_unanswered(world: World) -> None:
    # WhatsApp edits nothing: every question she answered keeps its buttons, and it has no toast.
    amal = world.phone(15195550123, "fr", channel="whatsapp")
    await world.welcome(amal, "connectee")
    await amal.send("Amal")
    community = amal.last
    await amal.click("Kitchener")
    shown = len(amal.screen)

    await amal.click("Waterloo", on=community)
    assert amal.texts()[shown:] == ["Ce bouton n'est plus valide."]
    assert await world.open_question(amal) == (Step.QUESTION, "situation"), "she is where she was"

    # On Telegram the answered question lost its buttons; a press of one still on its way gets the toast.
    noor = world.phone(202, "fr")
    await world.welcome(noor, "connectee")
    await noor.send("Noor")
    community = noor.last.copy()
    await noor.click("Kitchener")
    shown = len(noor.screen)
    await noor.click("Waterloo", on=community)
    assert noor.notices == ["Ce bouton n'est plus valide."] and len(noor.screen) == shown
