"""End to end: the real `frontdoor run` process, over HTTP, against the Bot API emulator."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.catalogs import PROJECT_CATALOGS
from handlers.core.program import load_program
from tests.e2e.bot_process import BotProcess
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.script import CONNECTOR, WAIT, act, answer
from tests.support import driver


@pytest.fixture
async def bot(telegram: BotApiEmulator, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(telegram, tmp_path)
    await process.start()
    yield process
    process.stop()


def stored(database: Path, user_id: int) -> tuple[dict[str, str], dict[str, object]]:
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT id, role, status, language, consent_version FROM participants WHERE user_id = ?", (user_id,)
        ).fetchone()
        assert row is not None, f"no participant for user {user_id}"
        answers = dict(
            connection.execute("SELECT question_key, value FROM answers WHERE participant_id = ?", (row[0],))
        )
    record = {"role": row[1], "status": row[2], "language": row[3], "consent_version": row[4]}
    # SQLite hands JSON numbers back as numbers and everything else as JSON text.
    return record, {key: json.loads(value) if isinstance(value, str) else value for key, value in answers.items()}


async def test_a_newcomer_registers_in_french_by_buttons(telegram: BotApiEmulator, bot: BotProcess) -> None:
    fr = driver.reader(PROJECT_CATALOGS.translator("fr"), load_program())
    nadia = telegram.user(7001, first_name="Nadia", language_code="fr")
    script = [
        ("/start", fr("Which language would you like to use?")),
        ("press:Français", fr("Are you new to the region, or a volunteer who would like to meet newcomers?")),
        (f"press:{fr('I am new to the region')}", fr(load_program().forms["connectee"].consent.text)[-20:]),
        (f"press:{fr('I agree', 'consent')}", fr("What name would you like us to call you?")),
        ("Nadia", fr("Which community do you live in?")),
        ("press:Cambridge", fr("Which describes your situation best?")),
        (
            f"press:{fr('International student or graduate')}",
            fr("Question {number} of {total}").format(number=4, total=16),
        ),
        (
            "1066",
            fr("{year} is earlier than we can record. Please type a year from {lowest} to {highest}.").format(
                year=1066, lowest=1950, highest=2026
            ),
        ),
        ("2022", fr("What is your occupation or profession? For example: accountant, civil engineer, nurse.")),
        ("Infirmière", fr("Which industry sector do you want to work in?")),
        (f"press:{fr('Health care')}", fr("How many years of work experience do you have in your field?")),
        (f"press:{fr('More than 10 years')}", fr("What is your highest level of education?")),
        (f"press:{fr('Doctorate')}", fr("Which languages do you speak? Tap all that apply, then Done.")),
        (f"tick:{fr('French')}", ""),
        (f"press:{fr('Done')}", fr("What would you like from the meeting? Tap all that apply, then Done.")),
        (f"tick:{fr('Change career')}", ""),
        (
            f"press:{fr('Done')}",
            fr("When are you usually free for a 30-minute meeting? Tap every time that suits you, then Done."),
        ),
        (f"tick:{fr('{day} {time}').format(day='ven.', time=fr('pm'))}", ""),
        (f"press:{fr('Done')}", fr("How would you like to meet?")),
        (
            f"press:{fr('Any of these')}",
            fr("What phone number can your volunteer reach you on? Tap the button to share it, type it, or skip."),
        ),
        ("contact:15195550199", fr("What is your e-mail address? You can skip this.")),
        ("nadia@example.ca", fr("Do you have a LinkedIn profile or an online CV? Send the link, or skip.")),
        ("linkedin.com/in/nadia", fr("How did you hear about us?")),
        (
            f"press:{fr('Social media')}",
            fr("Please check your answers. Tap an answer's button to change it, or Submit."),
        ),
        (f"press:{fr('Submit')}", "Merci, Nadia!"),
    ]
    for action, expect in script:
        await answer(nadia, action, expect)

    texts = [message.text for message in nadia.inbox]
    assert not any("Please type" in text or "Which community" in text for text in texts), "no English reached her"
    record, answers = stored(bot.workdir / "frontdoor.db", 7001)
    assert record == {"role": "connectee", "status": "submitted", "language": "fr", "consent_version": "2026-12"}
    assert answers["name"] == "Nadia" and answers["arrival_year"] == 2022
    assert answers["availability"] == ["fri-afternoon"]
    assert answers["phone"] == "+15195550199"
    assert answers["profile_link"] == "https://linkedin.com/in/nadia"
    assert len(answers) == 16
    assert telegram.commands[("fr", "default")][0]["description"] == fr("Register, or continue where you left off")


async def test_a_connector_registers_across_crashes_and_loses_nothing(
    telegram: BotApiEmulator, bot: BotProcess
) -> None:
    """SIGKILL the bot mid-intake: once while the person is typing, once right after a reply."""
    jordan = telegram.user(7002, first_name="Jordan", language_code="en-CA")
    for index, (action, expect) in enumerate(CONNECTOR):
        seen = len(jordan.inbox)
        if index == 5:
            await asyncio.sleep(0.5)  # the last reply is recorded as sent
            bot.kill()  # down while Jordan answers: Telegram keeps the update until the bot is back
            act(jordan, action)
            await bot.start()
            await jordan.wait_for(expect, after=seen, timeout=WAIT)
        elif index == 12:
            await answer(jordan, action, expect)
            await asyncio.sleep(0.5)  # the reply is out and recorded as sent
            bot.kill()
            await bot.start()
        else:
            await answer(jordan, action, expect)

    record, answers = stored(bot.workdir / "frontdoor.db", 7002)
    assert record["status"] == "submitted" and record["role"] == "connector"
    assert answers == {
        "name": "Jordan",
        "organization": "Region of Waterloo",
        "job_title": "Planner",
        "sectors": ["government"],
        "languages": ["en"],
        "offers": ["job_shadow"],
        "availability": ["mon-morning"],
        "meeting_mode": "in_person",
        "meeting_communities": ["kitchener"],
        "meeting_area": "Downtown Kitchener library",
        "capacity": 3,
        "phone": None,
        "email": "jordan@example.org",
    }
    sent = [call.params["text"] for call in telegram.calls_to("sendMessage") if call.chat_id == 7002]
    questions = [text.split("\n\n")[1] for text in sent if text.startswith("Question ")]
    assert len(questions) == len(set(questions)) == 13, "every question asked once, none twice"


async def test_a_worker_told_to_stop_sends_what_it_owes_and_exits_cleanly_and_the_next_carries_on(
    telegram: BotApiEmulator, tmp_path: Path
) -> None:
    first = BotProcess(telegram, tmp_path)
    await first.start()
    omar = telegram.user(7009, first_name="Omar", language_code="en")
    omar.send("/start")
    await omar.wait_for("Which language would you like to use?", timeout=WAIT)

    assert await first.terminate() == 0
    assert "Traceback" not in first.log.read_text()

    second = BotProcess(telegram, tmp_path)
    await second.start()
    try:
        omar.press("English")
        await omar.wait_for("Are you new to the region", timeout=WAIT)
    finally:
        second.stop()
