"""End to end: after the meeting both answer the follow-ups; the digest comes once; exports for coordinators only."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

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

REFERRALS = [
    ("Omar Khalil", "Engineering manager", "OpenText"),
    ("Lena Park", "Recruiter", "Communitech"),
    ('=HYPERLINK("http://x")', "Director", "Manulife"),
]


def digests_for(coordinator: Person, day: str) -> list[str]:
    return [text for text in coordinator.texts() if text.startswith(f"Connector Program: daily digest, {day}")]


async def test_after_the_meeting_both_answer_three_referrals_are_recorded_and_the_digest_comes_once(
    telegram: BotApiEmulator, bot: BotProcess
) -> None:
    coordinator = Person(telegram.user(COORDINATOR, first_name="Chris"))
    priya = Person(telegram.user(7101, first_name="Priya"))
    amal = Person(telegram.user(7201, first_name="Amal"))
    await coordinator.send("/start")
    await run_script(priya.user, CONNECTOR_SCRIPT, name="Priya Sharma", email="priya@example.com")
    await run_script(amal.user, CONNECTEE_SCRIPT)
    await approve_everyone(coordinator, 2)
    introduction = await priya.wait_showing(INTRODUCTION)
    await priya.click(introduction.labels()[0], on=introduction, expect=None)
    offer = await amal.wait_showing(OFFER)
    await amal.click(OFFER, on=offer, expect=None)
    await amal.user.wait_for(lambda m: m.document_name == "meeting.ics", timeout=WAIT)
    start = meeting_start(bot.workdir / "frontdoor.db")

    # The meeting is over: time moves on with `frontdoor jobs run --now`.
    jobs_run(bot, start + timedelta(hours=2, minutes=30))
    for user, other in ((amal, "Priya"), (priya, "Amal")):
        await user.wait_for(f"How did your meeting with {other} go?")

    await amal.click("Yes, we met", expect="How useful was the conversation")
    await amal.click("5", expect="Did Priya refer you to other people?")
    for number, (name, role, organization) in enumerate(REFERRALS, 1):
        await amal.click(
            "Add a contact" if number == 1 else "Add another contact", expect="What is the contact's name?"
        )
        await amal.send(name, expect="What is their role or job title?")
        await amal.send(role, expect="Which organization do they work for?")
        await amal.send(organization, expect=f"You have added {number} contact")
    await amal.click("That's all", expect="what is your next step?")
    await amal.send("Apply to OpenText", expect="Thank you for your answers!")

    await priya.click("Yes, we met", expect="How useful was the conversation")
    await priya.click("4", expect="How many people did you refer Amal to?")
    await priya.click("3", expect="Would you like to meet another newcomer?")
    await priya.click("Yes, gladly", expect="Thank you for your answers!")

    with sqlite3.connect(bot.workdir / "frontdoor.db") as database:
        stored = database.execute("SELECT name, role, organization FROM referrals ORDER BY id").fetchall()
        outcome = database.execute("SELECT outcome FROM meetings").fetchone()
        answered = database.execute("SELECT role, status FROM follow_ups ORDER BY id").fetchall()
        codes = [code for (code,) in database.execute("SELECT invite_code FROM referrals ORDER BY id")]
    assert stored == REFERRALS
    # Each personal link opens this bot by the name getMe gave it, as Telegram's deep links do.
    links = [text.rsplit("\n", 1)[-1] for text in amal.texts() if "Send them this personal link" in text]
    assert links == [f"https://t.me/frontdoor_test_bot?start=r{code}" for code in codes]
    assert outcome == ("held",)
    assert answered == [("connectee", "done"), ("connector", "done")]

    # The digest of the next day at 08:00: two job runs, a restart, a third run; it arrives once.
    day = (start.astimezone(ZoneInfo(ZONE)) + timedelta(days=1)).date()
    eight = datetime(day.year, day.month, day.day, 8, 0, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
    label = f"{day:%B} {day.day}, {day.year}"
    jobs_run(bot, eight)
    await coordinator.wait_for(lambda m: m.text.startswith(f"Connector Program: daily digest, {label}"))
    jobs_run(bot, eight + timedelta(minutes=5))
    bot.stop()
    await bot.start()
    jobs_run(bot, eight + timedelta(hours=1))
    await coordinator.send("/stats", expect="Connector Program: figures")  # everything before it has arrived
    (digest,) = digests_for(coordinator, label)
    assert "0 applications are waiting for review." in digest and "0 people the bot can no longer reach" in digest
    inbox = coordinator.user.inbox
    picture = inbox[next(index for index, m in enumerate(inbox) if m.text == digest) - 1]
    assert picture.text.startswith("The last 7 days in a picture") and picture.photo_size is not None
    # One picture with each digest. The bot's first job run, as it starts, sends the real today's
    # digest before Chris has opened the chat: Telegram refuses it ("chat not found"), or only its
    # picture when his /start lands between the two. The pretended days' digests are whole.
    today = datetime.now(ZoneInfo(ZONE)).date()
    digests = [i for i, m in enumerate(inbox) if m.text.startswith("Connector Program: daily digest")]
    pretended = [i for i in digests if f"{today:%B} {today.day}, {today.year}" not in inbox[i].text.split("\n")[0]]
    assert pretended and all(inbox[i - 1].photo_size is not None for i in pretended)
    assert len([m for m in inbox if m.photo_size is not None]) <= len(digests), "no picture twice"
    # The answers were stored at the real time, before the pretended days: /stats counts them all.
    figures = coordinator.user.inbox[-1].text
    assert "Meetings held: 1 (1)" in figures and "Referrals recorded: 3 (3)" in figures

    # Exports are for coordinators only.
    await amal.send("/export", expect="Sorry, I do not know that command.")
    assert not any(m.document_name for m in amal.user.inbox if m.document_name != "meeting.ics")
    await coordinator.send("/export", expect="Which format would you like?")
    seen = len(coordinator.user.inbox)
    await coordinator.click("JSON", expect=None)
    document = await coordinator.user.wait_for(lambda m: m.document_name is not None, after=seen, timeout=WAIT)
    exported = json.loads(document.document_bytes or b"")
    assert [(r["name"], r["role"], r["organization"]) for r in exported["referrals"]] == REFERRALS
    assert exported["summary"]["referrals"] == 3 and exported["summary"]["meetings_held"] == 1
