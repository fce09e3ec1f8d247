"""End to end: two people register, a coordinator approves, they agree on a meeting by chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from bot.catalogs import PROJECT_CATALOGS
from handlers.core.render import format_when
from tests.e2e.bot_process import BotProcess
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.people import (
    CONNECTEE_SCRIPT,
    CONNECTOR_SCRIPT,
    COORDINATOR,
    ZONE,
    approve_everyone,
    jobs_run,
    meeting_start,
    run_script,
)
from tests.e2e.person import WAIT, Person
from tests.support.personas import INTRODUCTION, OFFER


async def test_register_approve_propose_confirm_get_the_ics_and_the_reminder_then_a_decline_moves_on(
    telegram: BotApiEmulator, bot: BotProcess
) -> None:
    en = PROJECT_CATALOGS.translator("en")
    coordinator = Person(telegram.user(COORDINATOR, first_name="Chris"))
    priya = Person(telegram.user(7101, first_name="Priya"))
    amal = Person(telegram.user(7201, first_name="Amal"))
    await coordinator.send("/start")  # Telegram lets a bot write only to people who wrote to it first
    await run_script(priya.user, CONNECTOR_SCRIPT, name="Priya Sharma", email="priya@example.com")
    await run_script(amal.user, CONNECTEE_SCRIPT)

    await coordinator.wait_for(lambda m: "New application to review" in m.text and "Amal" in m.text, timeout=WAIT)
    await approve_everyone(coordinator, 2)

    introduction = await priya.wait_showing(INTRODUCTION)
    assert "introduce you to a newcomer" in introduction.text and "Software developer" in introduction.text
    assert "amal@example.com" not in introduction.text
    slot_label = introduction.labels()[0]
    await priya.click(slot_label, on=introduction, expect=None)
    offer = await amal.wait_showing(OFFER)
    assert slot_label in offer.text
    await amal.click(OFFER, on=offer, expect=None)

    start = None
    for reader, contact in ((amal, "priya@example.com"), (priya, "amal@example.com")):
        details = await reader.wait_for(lambda m: "Your meeting is confirmed!" in m.text, timeout=WAIT)
        document = await reader.user.wait_for(lambda m: m.document_name == "meeting.ics", timeout=WAIT)
        assert contact in details.text
        event = Calendar.from_ical(document.document_bytes).walk("VEVENT")[0]
        start = event.decoded("dtstart")
        assert start.utcoffset() == timedelta(0), "the calendar file gives the start in UTC"
        assert f"When: {format_when(start, en, ZONE)}" in details.text
    assert start == meeting_start(bot.workdir / "frontdoor.db")
    assert start - datetime.now(UTC) >= timedelta(hours=23, minutes=50), "at least 24 hours ahead"

    before = len(amal.user.inbox)
    jobs_run(bot, start - timedelta(hours=23, minutes=59))
    reminder = await amal.wait_for(
        lambda m: m.text.startswith("Reminder: you meet Priya in 24 hours"), after=before, timeout=WAIT
    )
    assert format_when(start, en, ZONE) in reminder.text
    await priya.wait_for(lambda m: m.text.startswith("Reminder: you meet Amal in 24 hours"), timeout=WAIT)

    # A second newcomer, and a connector who cannot take them: the next connector is asked.
    marc = Person(telegram.user(7102, first_name="Marc"))
    await run_script(marc.user, CONNECTOR_SCRIPT, name="Marc Tremblay", email="marc@example.com")
    nadia = telegram.user(7202, first_name="Nadia")
    await run_script(nadia, CONNECTEE_SCRIPT)
    await approve_everyone(coordinator, 2)
    # Marc comes first: never matched, more room this month than Priya.
    seen = len(priya.user.inbox)
    proposal = await marc.wait_showing(INTRODUCTION)
    assert "Nadia" not in proposal.text and "Amal" in proposal.text  # both newcomers answered "Amal Haddad"
    await marc.click(INTRODUCTION, on=proposal, expect=None)
    await marc.wait_for(lambda m: m.id == proposal.id and "We will introduce Amal to someone else" in m.text)
    await priya.wait_showing(INTRODUCTION, after=seen)
