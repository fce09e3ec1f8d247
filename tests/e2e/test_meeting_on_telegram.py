"""End to end: two people register, a coordinator approves, they agree on a meeting by chat."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.i18n import PROJECT_CATALOGS
from handlers.render import format_when
from tests.e2e.bot_process import ROOT, BotProcess
from tests.e2e.emulator import BotApiEmulator, EmulatedUser, SentMessage
from tests.e2e.script import WAIT, answer

COORDINATOR = 9000
ZONE = "America/Toronto"

# An action, or (action, what the reply waited for contains) where one action brings two messages.
Script = list[str | tuple[str, str]]

CONNECTOR_SCRIPT: Script = [
    "/start",
    "press:English",
    "press:I am a volunteer connector",
    "press:I agree",
    "{name}",
    "Shopify",
    "Software engineer",
    "tick:Information technology",
    "press:Done",
    "tick:English",
    "press:Done",
    "tick:An informational meeting",
    "press:Done",
    *[f"tick:{day} am" for day in ("Mon", "Tue", "Wed", "Thu", "Fri")],
    "press:Done",
    "press:Video call",
    "press:2",
    ("contact:+15195550111", "What is your e-mail address?"),
    "{email}",
    "press:Submit",
]
CONNECTEE_SCRIPT: Script = [
    "/start",
    "press:English",
    "press:I am new to the region",
    "press:I agree",
    "Amal Haddad",
    "press:Kitchener",
    "press:Permanent resident or newcomer",
    "2024",
    "Software developer",
    "press:Information technology",
    "press:5 to 10 years",
    "press:Master's degree",
    "tick:Arabic",
    "press:Done",
    "tick:Work in my field",
    "press:Done",
    *[f"tick:{day} am" for day in ("Mon", "Tue", "Wed", "Thu", "Fri")],
    "press:Done",
    "press:Any of these",
    ("press:Skip", "What is your e-mail address?"),
    "amal@example.com",
    "press:Skip",
    "press:A settlement agency",
    "press:Submit",
]


@pytest.fixture
async def bot(telegram: BotApiEmulator, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(telegram, tmp_path, environment={"FRONTDOOR_COORDINATORS": str(COORDINATOR)})
    await process.start()
    yield process
    process.stop()


async def run_script(user: EmulatedUser, script: Script, **values: str) -> None:
    for step in script:
        action, expect = step if isinstance(step, tuple) else (step, "")
        await answer(user, action.format(**values), expect)


async def wait_for_button(user: EmulatedUser, prefix: str) -> SentMessage:
    return await user.wait_for(lambda m: any(d.startswith(prefix) for d in m.button_data()), timeout=WAIT)


async def approve_everyone(coordinator: EmulatedUser, count: int) -> None:
    """/pending, then Approve on each application it lists."""
    seen = len(coordinator.inbox)
    await answer(coordinator, "/pending", f"{count} applications are waiting for review.")
    await coordinator.wait_for(lambda m: len([x for x in coordinator.inbox[seen:] if x.button_data()]) == count)
    for message in [m for m in coordinator.inbox[seen:] if m.button_data()]:
        coordinator.press("Approve", message=message)
        await coordinator.wait_for(lambda m, message=message: m is message and "✔ Approved" in m.text, timeout=WAIT)


def jobs_run(bot: BotProcess, now: datetime) -> None:
    """`frontdoor jobs run --now …` as an operator would, beside the running bot."""
    environment = {"PYTHONPATH": str(ROOT), "FRONTDOOR_DATABASE_URL": bot.database_url, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "jobs", "run", "--now", now.isoformat()],
        cwd=bot.workdir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def meeting_start(database: Path) -> datetime:
    with sqlite3.connect(database) as connection:
        (start,) = connection.execute("SELECT starts_at FROM meetings WHERE status = 'scheduled'").fetchone()
    return datetime.fromisoformat(start).replace(tzinfo=UTC)


async def test_register_approve_propose_confirm_get_the_ics_and_the_reminder_then_a_decline_moves_on(
    telegram: BotApiEmulator, bot: BotProcess
) -> None:
    en = PROJECT_CATALOGS.translator("en")
    coordinator = telegram.user(COORDINATOR, first_name="Chris")
    priya = telegram.user(7101, first_name="Priya")
    amal = telegram.user(7201, first_name="Amal")
    await answer(coordinator, "/start", "")  # Telegram lets a bot write only to people who wrote to it first
    await run_script(priya, CONNECTOR_SCRIPT, name="Priya Sharma", email="priya@example.com")
    await run_script(amal, CONNECTEE_SCRIPT)

    await coordinator.wait_for(lambda m: "New application to review" in m.text and "Amal" in m.text, timeout=WAIT)
    await approve_everyone(coordinator, 2)

    introduction = await wait_for_button(priya, "pk:")
    assert "introduce you to a newcomer" in introduction.text and "Software developer" in introduction.text
    assert "amal@example.com" not in introduction.text
    slot_label = introduction.buttons()[0]
    priya.press(slot_label, message=introduction)
    offer = await wait_for_button(amal, "ca:")
    assert slot_label in offer.text
    amal.press("Yes, that works", message=offer)

    start = None
    for reader, contact in ((amal, "priya@example.com"), (priya, "amal@example.com")):
        details = await reader.wait_for(lambda m: "Your meeting is confirmed!" in m.text, timeout=WAIT)
        document = await reader.wait_for(lambda m: m.document_name == "meeting.ics", timeout=WAIT)
        assert contact in details.text
        event = Calendar.from_ical(document.document_bytes).walk("VEVENT")[0]
        start = event.decoded("dtstart")
        assert start.utcoffset() == timedelta(0), "the calendar file gives the start in UTC"
        assert f"When: {format_when(start, en, ZONE)}" in details.text
    assert start == meeting_start(bot.workdir / "frontdoor.db")
    assert start - datetime.now(UTC) >= timedelta(hours=23, minutes=50), "at least 24 hours ahead"

    before = len(amal.inbox)
    jobs_run(bot, start - timedelta(hours=23, minutes=59))
    reminder = await amal.wait_for(
        lambda m: m.text.startswith("Reminder: you meet Priya in 24 hours"), after=before, timeout=WAIT
    )
    assert format_when(start, en, ZONE) in reminder.text
    await priya.wait_for(lambda m: m.text.startswith("Reminder: you meet Amal in 24 hours"), timeout=WAIT)

    # A second newcomer, and a connector who cannot take them: the next connector is asked.
    marc = telegram.user(7102, first_name="Marc")
    await run_script(marc, CONNECTOR_SCRIPT, name="Marc Tremblay", email="marc@example.com")
    nadia = telegram.user(7202, first_name="Nadia")
    await run_script(nadia, CONNECTEE_SCRIPT)
    await approve_everyone(coordinator, 2)
    # Marc comes first: never matched, more room this month than Priya.
    seen = len(priya.inbox)
    proposal = await wait_for_button(marc, "pk:")
    assert "Nadia" not in proposal.text and "Amal" in proposal.text  # both newcomers answered "Amal Haddad"
    marc.press("I can't take this one", message=proposal)
    await marc.wait_for(lambda m: m is proposal and "We will introduce Amal to someone else" in m.text, timeout=WAIT)
    await priya.wait_for(lambda m: any(d.startswith("pk:") for d in m.button_data()), after=seen, timeout=WAIT)
