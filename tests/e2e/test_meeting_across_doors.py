"""End to end, across the two doors (issue 29): a newcomer on WhatsApp meets a volunteer on Telegram,
through one `frontdoor run --whatsapp --telegram` serving both; and a program on WhatsApp alone runs
its own jobs, so that a volunteer who joins is proposed to the newcomer waiting for one."""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.catalogs import PROJECT_CATALOGS
from handlers.core.program import DEFAULT_PROGRAM_FILE, load_program
from handlers.intake.screens import time_label
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.people import CONNECTOR_SCRIPT, COORDINATOR, approve_everyone, jobs_run, meeting_start, run_script
from tests.e2e.person import WAIT, Person
from tests.e2e.script import CONNECTOR
from tests.e2e.test_intake_on_whatsapp import act, newcomer_script
from tests.e2e.whatsapp_emulator import CloudApiEmulator, WhatsAppUser
from tests.e2e.whatsapp_process import WhatsAppProcess
from tests.support import driver
from tests.support.driver import plain
from tests.support.personas import INTRODUCTION, OFFER

PROGRAM = load_program()
MORNINGS = ["mon-morning", "tue-morning", "wed-morning", "thu-morning", "fri-morning"]
APPROVED = (
    "Good news, {name}: your registration is approved! We are now looking for a volunteer from "
    "your field and will write to you here with a proposed meeting time."
)
STILL_LOOKING = (
    "We are still looking for the right volunteer for you. No volunteer in your field is free at the moment; "
    "we will write to you here as soon as one is. Thank you for your patience!"
)


@pytest.fixture
def library() -> str:
    """One Telegram library is enough here (the doors are what is tested): the one that starts fastest."""
    return "ptb"


def newcomer(
    code: str, language: str, *, occupation: str, sector: str, spoken: list[str], times: list[str]
) -> list[tuple[str, str]]:
    """A newcomer's intake on WhatsApp, in the words of the catalog of `code` (whose name is `language`)."""
    t = PROJECT_CATALOGS.translator(code)
    tr = driver.reader(t, PROGRAM)
    return [
        *newcomer_script(code, language)[:4],  # hello, their language, a newcomer, I agree
        ("Nadia", tr("Which community do you live in?")),
        ("press:Kitchener", tr("Which describes your situation best?")),
        (f"press:{tr('Permanent resident or newcomer')}", tr("In which year did you arrive in Canada?")),
        ("2024", tr("What is your occupation or profession? For example: accountant, civil engineer, nurse.")),
        (occupation, tr("Which industry sector do you want to work in?")),
        (f"press:{tr(sector)}", tr("How many years of work experience do you have in your field?")),
        (f"press:{tr('5 to 10 years')}", tr("What is your highest level of education?")),
        ("press:" + tr("Master's degree"), tr("Which languages do you speak? Tap all that apply, then Done.")),
        *[(f"tick:{tr(spoken_language)}", "") for spoken_language in spoken],
        (f"press:{tr('Done')}", tr("What would you like from the meeting? Tap all that apply, then Done.")),
        (f"tick:{tr('Work in my field')}", ""),
        (
            f"press:{tr('Done')}",
            tr("When are you usually free for a 30-minute meeting? Tap every time that suits you, then Done."),
        ),
        *[(f"tick:{time_label(t, key)}", "") for key in times],
        (f"press:{tr('Done')}", tr("How would you like to meet?")),
        (
            f"press:{tr('Any of these')}",
            tr("What phone number can your volunteer reach you on? Tap the button to share it, type it, or skip.")[:30],
        ),
        ("+1 519 555 0199", tr("What is your e-mail address? You can skip this.")),
        ("nadia@example.ca", tr("Do you have a LinkedIn profile or an online CV? Send the link, or skip.")),
        (f"press:{tr('Skip', 'question')}", tr("How did you hear about us?")),
        (
            f"press:{tr('A settlement agency')}",
            tr("Please check your answers. Tap an answer's button to change it, or Submit."),
        ),
        (f"press:{tr('Submit')}", "Nadia"),
    ]


async def register(person: WhatsAppUser, script: list[tuple[str, str]]) -> None:
    for action, expect in script:
        await act(person, action, expect)


def stored(database: Path, query: str, *parameters: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(query, parameters).fetchall()


@pytest.fixture
async def both_doors(
    whatsapp: CloudApiEmulator, telegram: BotApiEmulator, tmp_path: Path
) -> AsyncIterator[WhatsAppProcess]:
    """`frontdoor run --whatsapp --telegram`: one process, both doors, one coordinator (on Telegram)."""
    process = WhatsAppProcess(
        whatsapp, tmp_path, environment={"FRONTDOOR_COORDINATORS": str(COORDINATOR)}, telegram=telegram
    )
    await process.start()
    yield process
    process.stop()


async def test_a_newcomer_on_whatsapp_meets_a_volunteer_on_telegram_through_one_process_serving_both_doors(
    whatsapp: CloudApiEmulator, telegram: BotApiEmulator, both_doors: WhatsAppProcess
) -> None:
    fr = driver.reader(PROJECT_CATALOGS.translator("fr"), PROGRAM)
    coordinator = Person(telegram.user(COORDINATOR, first_name="Chris"))
    priya = Person(telegram.user(7101, first_name="Priya"))
    nadia = whatsapp.user("15195550123", "Nadia")
    await coordinator.send("/start")  # Telegram lets a bot write only to people who wrote to it first
    await run_script(priya.user, CONNECTOR_SCRIPT, name="Priya Sharma", email="priya@example.com")
    script = newcomer(
        "fr",
        "Français",
        occupation="Développeuse",
        sector="Information technology",
        spoken=["English", "French"],
        times=MORNINGS,
    )
    await register(nadia, script)

    # Her registration on WhatsApp reaches the coordinator on Telegram, where the coordinators are.
    told = await coordinator.wait_for(lambda m: "New application to review" in m.text and "Nadia" in m.text)
    assert "Développeuse" in told.text
    # FRONTDOOR_COORDINATORS are Telegram user ids, in this process too: the same digits on WhatsApp are someone else.
    stranger = whatsapp.user(str(COORDINATOR), "Stranger")
    await stranger.send("/pending")
    await stranger.wait_for("Sorry, I do not know that command.")
    assert not any("waiting for review" in message.text for message in stranger.inbox)

    await approve_everyone(coordinator, 2)  # on Telegram: Priya's application, then Nadia's from WhatsApp
    await nadia.wait_for(lambda m: plain(fr(APPROVED).format(name="Nadia")) in plain(m.text))  # in French
    introduction = await priya.wait_showing(INTRODUCTION)
    assert "Who: Nadia, newcomer" in introduction.text and "Field: Information technology" in introduction.text
    slot = introduction.labels()[0]
    await priya.click(slot, on=introduction, expect=None)

    offer = await nadia.wait_for(lambda m: m.offers(fr(OFFER)) is not None)
    assert fr("Who") in offer.text and "Priya" in offer.text, "she reads who she would meet, in French, on WhatsApp"
    await nadia.press(fr(OFFER))
    confirmed = await nadia.wait_for(lambda m: plain(fr("Your meeting is confirmed!")) in plain(m.text))
    assert "priya@example.com" in confirmed.text
    details = await priya.wait_for(lambda m: "Your meeting is confirmed!" in m.text, timeout=WAIT)
    assert "Contact: +1 519-555-0199 and nadia@example.ca" in details.text
    await priya.user.wait_for(lambda m: m.document_name == "meeting.ics", timeout=WAIT)
    database = both_doors.workdir / "frontdoor.db"
    # Her calendar entry, on WhatsApp: a document of a type it takes, that a calendar reads.
    ics = await nadia.wait_for(lambda m: m.kind == "document")
    assert ics.file is not None and ics.file.filename == "meeting.ics" and ics.file.mime == "text/plain"
    (event,) = Calendar.from_ical(ics.file.content).walk("VEVENT")
    assert event.decoded("dtstart") == meeting_start(database)
    assert "calendar.google.com" in ics.text, "and a link to add it, for a phone that shows the file as text"
    assert not stored(database, "SELECT last_error FROM outbox WHERE channel = 'whatsapp' AND status = 'dead'")
    assert stored(database, "SELECT channel, role, status, language FROM participants ORDER BY role") == [
        ("whatsapp", "connectee", "approved", "fr"),
        ("telegram", "connector", "approved", "en"),
    ]

    # A question for the team, from WhatsApp: the coordinator answers it on Telegram, she reads it on WhatsApp.
    sent = fr("Thank you. Your message has gone to the program's team; a person will answer you here.")
    await act(nadia, "/contact Puis-je apporter mon CV ?", sent)
    relayed = await coordinator.wait_for(lambda m: "writes to the team" in m.text and "Nadia" in m.text)
    assert "“Puis-je apporter mon CV ?”" in relayed.text
    coordinator.user.reply("Oui, bien sûr.", relayed.id)
    await coordinator.wait_for("has been sent.")
    await nadia.wait_for(lambda m: "Oui, bien sûr." in m.text)

    # The meeting is over: each is asked how it went, on their own door.
    start = meeting_start(database)
    jobs_run(both_doors, start + timedelta(hours=2, minutes=30))
    question = fr("Hello {name}! How did your meeting with {other} go? Did it take place?")
    asked = await nadia.wait_for(lambda m: plain(question.format(name="Nadia", other="Priya")) in plain(m.text))
    assert asked.offers(fr("Yes, we met")) is not None, "in French, on WhatsApp, answered by a tap"
    await priya.wait_for("How did your meeting with Nadia go?")
    assert whatsapp.refused == [], "the Cloud API took every message sent to it"

    assert both_doors.process is not None
    both_doors.process.send_signal(signal.SIGTERM)  # as a process manager stops it: both doors, cleanly
    assert both_doors.process.wait(timeout=WAIT) == 0, both_doors.log.read_text()


async def test_a_program_on_whatsapp_alone_proposes_when_a_volunteer_joins_and_leaves_the_digest_to_telegram(
    whatsapp: CloudApiEmulator, tmp_path: Path
) -> None:
    # Approved at once; the digest due since midnight, so that it is due whenever the test runs.
    program = tmp_path / "program.toml"
    program.write_text(
        DEFAULT_PROGRAM_FILE.read_text(encoding="utf-8")
        .replace("auto_approve = false", "auto_approve = true")
        .replace('time = "08:00"', 'time = "00:00"'),
        encoding="utf-8",
    )
    worker = WhatsAppProcess(whatsapp, tmp_path, environment={"FRONTDOOR_PROGRAM_FILE": str(program)})
    await worker.start()
    try:
        ar = driver.reader(PROJECT_CATALOGS.translator("ar"), PROGRAM)
        nadia = whatsapp.user("15195550123", "Nadia")
        jordan = whatsapp.user("15195550177", "Jordan")
        script = newcomer(
            "ar",
            "العربية",
            occupation="محللة سياسات",
            sector="Government and public service",
            spoken=["English", "Arabic"],
            times=["mon-morning"],
        )
        await register(nadia, script)
        await nadia.wait_for(lambda m: plain(ar(STILL_LOOKING)) in plain(m.text))
        for action, expect in CONNECTOR:
            await act(jordan, action, expect)
        await jordan.wait_for("Good news, Jordan: your registration is approved!")

        # Stopped as a process manager does, and started again: its first round of jobs runs at once,
        # rather than within the minute the running worker would have taken.
        assert worker.process is not None
        worker.process.send_signal(signal.SIGTERM)
        assert worker.process.wait(timeout=WAIT) == 0, worker.log.read_text()
        await worker.start()
        introduction = await jordan.wait_for(lambda m: m.offers(INTRODUCTION) is not None)
        assert "Who: Nadia, newcomer" in introduction.text
        assert "Field: Government and public service" in introduction.text

        database = worker.workdir / "frontdoor.db"
        assert stored(database, "SELECT status FROM jobs WHERE key LIKE 'sweep:approved:%'") == [("done",)]
        # No worker serves Telegram, where the coordinators are: the digest is left due for one.
        assert stored(database, "SELECT status FROM jobs WHERE kind = 'digest.daily'") == [("pending",)]
        assert stored(database, "SELECT count(*) FROM outbox WHERE channel = 'telegram'") == [(0,)]
        assert whatsapp.refused == []
    finally:
        worker.stop()
