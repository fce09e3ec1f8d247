"""End to end: after the meeting both answer the follow-ups; the digest comes once; exports for coordinators only."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.bot_process import BotProcess
from tests.e2e.emulator import BotApiEmulator, EmulatedUser
from tests.e2e.people import (
    CONNECTEE_SCRIPT,
    CONNECTOR_SCRIPT,
    COORDINATOR,
    ZONE,
    approve_everyone,
    jobs_run,
    meeting_start,
    run_script,
    wait_for_button,
)
from tests.e2e.script import WAIT, answer

REFERRALS = [
    ("Omar Khalil", "Engineering manager", "OpenText"),
    ("Lena Park", "Recruiter", "Communitech"),
    ('=HYPERLINK("http://x")', "Director", "Manulife"),
]


@pytest.fixture
async def bot(telegram: BotApiEmulator, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(telegram, tmp_path, environment={"FRONTDOOR_COORDINATORS": str(COORDINATOR)})
    await process.start()
    yield process
    process.stop()


async def press(user: EmulatedUser, label: str, expect: str) -> None:
    await answer(user, f"press:{label}", expect)


def digests_for(coordinator: EmulatedUser, day: str) -> list[str]:
    return [m.text for m in coordinator.inbox if m.text.startswith(f"Daily digest for Connector Program, {day}")]


async def test_after_the_meeting_both_answer_three_referrals_are_recorded_and_the_digest_comes_once(
    telegram: BotApiEmulator, bot: BotProcess
) -> None:
    coordinator = telegram.user(COORDINATOR, first_name="Chris")
    priya = telegram.user(7101, first_name="Priya")
    amal = telegram.user(7201, first_name="Amal")
    await answer(coordinator, "/start", "")
    await run_script(priya, CONNECTOR_SCRIPT, name="Priya Sharma", email="priya@example.com")
    await run_script(amal, CONNECTEE_SCRIPT)
    await approve_everyone(coordinator, 2)
    introduction = await wait_for_button(priya, "pk:")
    priya.press(introduction.buttons()[0], message=introduction)
    offer = await wait_for_button(amal, "ca:")
    amal.press("Yes, that works", message=offer)
    await amal.wait_for(lambda m: m.document_name == "meeting.ics", timeout=WAIT)
    start = meeting_start(bot.workdir / "frontdoor.db")

    # The meeting is over: time moves on with `frontdoor jobs run --now`.
    jobs_run(bot, start + timedelta(hours=2, minutes=30))
    for user, other in ((amal, "Priya"), (priya, "Amal")):
        await user.wait_for(lambda m, other=other: f"How did your meeting with {other} go?" in m.text, timeout=WAIT)

    await press(amal, "Yes, we met", "How useful was the conversation")
    await press(amal, "5", "Did Priya refer you to other people?")
    for number, (name, role, organization) in enumerate(REFERRALS, 1):
        await press(amal, "Add a contact" if number == 1 else "Add another contact", "What is the contact's name?")
        await answer(amal, name, "What is their role or job title?")
        await answer(amal, role, "Which organization do they work for?")
        await answer(amal, organization, f"You have added {number} contact")
    await press(amal, "That's all", "what is your next step?")
    await answer(amal, "Apply to OpenText", "Thank you for your answers!")

    await press(priya, "Yes, we met", "How useful was the conversation")
    await press(priya, "4", "How many people did you refer Amal to?")
    await press(priya, "3", "Would you like to meet another newcomer?")
    await press(priya, "Yes, gladly", "Thank you for your answers!")

    with sqlite3.connect(bot.workdir / "frontdoor.db") as database:
        stored = database.execute("SELECT name, role, organization FROM referrals ORDER BY id").fetchall()
        outcome = database.execute("SELECT outcome FROM meetings").fetchone()
        answered = database.execute("SELECT role, status FROM follow_ups ORDER BY id").fetchall()
        codes = [code for (code,) in database.execute("SELECT invite_code FROM referrals ORDER BY id")]
    assert stored == REFERRALS
    # Each personal link opens this bot by the name getMe gave it, as Telegram's deep links do.
    links = [m.text.rsplit("\n", 1)[-1] for m in amal.inbox if "Send them this personal link" in m.text]
    assert links == [f"https://t.me/frontdoor_test_bot?start=r{code}" for code in codes]
    assert outcome == ("held",)
    assert answered == [("connectee", "done"), ("connector", "done")]

    # The digest of the next day at 08:00: two job runs, a restart, a third run; it arrives once.
    day = (start.astimezone(ZoneInfo(ZONE)) + timedelta(days=1)).date()
    eight = datetime(day.year, day.month, day.day, 8, 0, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
    label = f"{day:%B} {day.day}, {day.year}"
    jobs_run(bot, eight)
    await coordinator.wait_for(
        lambda m: m.text.startswith(f"Daily digest for Connector Program, {label}"), timeout=WAIT
    )
    jobs_run(bot, eight + timedelta(minutes=5))
    bot.stop()
    await bot.start()
    jobs_run(bot, eight + timedelta(hours=1))
    await answer(coordinator, "/stats", "Figures for Connector Program")  # everything before it has arrived
    (digest,) = digests_for(coordinator, label)
    assert "Applications waiting for review: 0" in digest and "People the bot can no longer reach: 0" in digest
    # The answers were stored at the real time, before the pretended days: /stats counts them all.
    figures = coordinator.inbox[-1].text
    assert "Meetings held: 1 (1)" in figures and "Referrals recorded: 3 (3)" in figures

    # Exports are for coordinators only.
    await answer(amal, "/export", "Sorry, I do not know that command.")
    assert not any(m.document_name for m in amal.inbox if m.document_name != "meeting.ics")
    await answer(coordinator, "/export", "Which format would you like?")
    seen = len(coordinator.inbox)
    coordinator.press("JSON")
    document = await coordinator.wait_for(lambda m: m.document_name is not None, after=seen, timeout=WAIT)
    exported = json.loads(document.document_bytes or b"")
    assert [(r["name"], r["role"], r["organization"]) for r in exported["referrals"]] == REFERRALS
    assert exported["summary"]["referrals"] == 3 and exported["summary"]["meetings_held"] == 1
