"""A newcomer's whole journey on WhatsApp, in Arabic (issue 29), through one `frontdoor run --whatsapp
--telegram`: Nadia registers (her languages typed as numbers in one message, in Arabic-Indic digits),
Jordan volunteers on WhatsApp too, the coordinator approves both on Telegram; Jordan offers a time,
she takes it and gets the meeting's calendar entry; the first reminder comes within a day of her last
message and reads as written, the second after a day of silence as the Arabic template the program
registered; after the meeting a template asks her to reply, she does, answers the follow-up by taps,
and then /delete leaves nothing of her in the database."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.catalogs import PROJECT_CATALOGS
from handlers.core.program import DEFAULT_PROGRAM_FILE, load_program
from handlers.core.render import format_when
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.people import COORDINATOR, ZONE, approve_everyone, jobs_run, meeting_start
from tests.e2e.person import Person
from tests.e2e.script import CONNECTOR
from tests.e2e.store import Store
from tests.e2e.test_intake_on_whatsapp import act, newcomer_script, stored
from tests.e2e.test_meeting_across_doors import newcomer, register
from tests.e2e.whatsapp_emulator import CloudApiEmulator, Received, WhatsAppUser
from tests.e2e.whatsapp_process import WhatsAppProcess
from tests.support import driver
from tests.support.driver import plain
from tests.support.personas import INTRODUCTION, OFFER

PROGRAM = load_program()
AR = PROJECT_CATALOGS.translator("ar")
ar = driver.reader(AR, PROGRAM)
NADIA = "15195550123"
LANGUAGES = "Which languages do you speak? Tap all that apply, then Done."
# Her details as she gave them: none may be left once she has asked to be erased.
HERS = (NADIA, "Nadia", "5195550199", "nadia@example.ca", "محللة سياسات")


@pytest.fixture
def library() -> str:
    """One Telegram library is enough here (the coordinator's door is not what is tested)."""
    return "ptb"


@pytest.fixture
async def both_doors(
    whatsapp: CloudApiEmulator, telegram: BotApiEmulator, tmp_path: Path
) -> AsyncIterator[WhatsAppProcess]:
    """Both doors in one process, the coordinator on Telegram; the program registered the Arabic
    reminder and follow-up templates with Meta, and names them."""
    program = tmp_path / "program.toml"
    named = '[whatsapp.templates]\nar = { reminder = "frontdoor_reminder", follow_up = "frontdoor_follow_up" }\n'
    program.write_text(DEFAULT_PROGRAM_FILE.read_text(encoding="utf-8").replace("[whatsapp.templates]\n", named))
    whatsapp.templates |= {"frontdoor_reminder", "frontdoor_follow_up"}
    environment = {"FRONTDOOR_COORDINATORS": str(COORDINATOR), "FRONTDOOR_PROGRAM_FILE": str(program)}
    process = WhatsAppProcess(whatsapp, tmp_path, environment=environment, telegram=telegram)
    await process.start()
    yield process
    process.stop()


def arabic_intake() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Her intake in Arabic; the languages she speaks typed as numbers, not tapped one at a time."""
    script = newcomer(
        "ar",
        "العربية",
        occupation="محللة سياسات",
        sector="Government and public service",
        spoken=[],
        times=["mon-morning"],
    )
    languages = next(n for n, (_, expect) in enumerate(script) if expect == ar(LANGUAGES))
    return script[: languages + 1], script[languages + 1 :]


async def types_her_languages(nadia: WhatsAppUser) -> Received:
    """English and Arabic, the first and the third boxes, in one message: the list comes again, ticked."""
    seen = len(nadia.inbox)
    await nadia.send("١، ٣")
    return await nadia.wait_for(
        lambda m: m.offers(f"✅ {ar('English')}") is not None and m.offers(f"✅ {ar('Arabic')}") is not None,
        after=seen,
    )


def rows(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, as stored."""
    with sqlite3.connect(database) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: connection.execute(f'SELECT * FROM "{table}"').fetchall() for table in tables}


async def test_an_arabic_newcomer_s_whole_journey_on_whatsapp_from_intake_to_delete(
    whatsapp: CloudApiEmulator, telegram: BotApiEmulator, both_doors: WhatsAppProcess
) -> None:
    database = both_doors.workdir / "frontdoor.db"
    coordinator = Person(telegram.user(COORDINATOR, first_name="Chris"))
    nadia, jordan = whatsapp.user(NADIA, "Nadia"), whatsapp.user("15195550177", "Jordan")
    await coordinator.send("/start")  # Telegram lets a bot write only to people who wrote to it first
    for action, expect in CONNECTOR:
        await act(jordan, action, expect)
    before, after = arabic_intake()
    await register(nadia, before)
    ticked = await types_her_languages(nadia)
    assert ticked.kind == "list" and plain(ar(LANGUAGES)) in plain(ticked.text)
    await register(nadia, after)
    record, answers = stored(database, NADIA)
    assert record == ("whatsapp", "connectee", "submitted", "ar") and answers["languages"] == ["en", "ar"]

    # The coordinator, on Telegram, approves them both; Jordan is asked, on WhatsApp, and offers a time.
    await approve_everyone(coordinator, 2)
    introduction = await jordan.wait_for(lambda m: m.offers(INTRODUCTION) is not None)
    assert "Who: Nadia, newcomer" in introduction.text
    await jordan.press(introduction.choices()[0]["title"])
    offer = await nadia.wait_for(lambda m: m.offers(ar(OFFER)) is not None)
    assert "Jordan" in offer.text
    await nadia.press(ar(OFFER))
    confirmed = await nadia.wait_for(lambda m: plain(ar("Your meeting is confirmed!")) in plain(m.text))
    assert "jordan@example.org" in confirmed.text and "Downtown Kitchener library" in confirmed.text
    ics = await nadia.wait_for(lambda m: m.kind == "document")
    assert ics.file is not None and (ics.file.filename, ics.file.mime) == ("meeting.ics", "text/plain")
    (event,) = Calendar.from_ical(ics.file.content).walk("VEVENT")
    start = meeting_start(database)
    assert event.decoded("dtstart") == start and "Jordan" in str(event["summary"])

    # A day before: she wrote a moment ago, the window is open, the reminder reads as written.
    when = format_when(start, AR, ZONE)
    seen = len(nadia.inbox)
    jobs_run(both_doors, start - timedelta(hours=23, minutes=59))
    said = AR.ngettext(
        "Reminder: you meet {name} in {hours} hour, on {when}.",
        "Reminder: you meet {name} in {hours} hours, on {when}.",
        24,
    ).format(name="Jordan", hours=24, when=when)
    first = await nadia.wait_for(lambda m: plain(said) == plain(m.text), after=seen)
    assert first.kind == "text"

    # She has not written for a day since: two hours before, the reminder goes as the Arabic template.
    whatsapp.last_message_back(nadia, 25)
    await Store(both_doors.database_url).last_wrote_back("whatsapp", int(NADIA), 25)
    seen = len(nadia.inbox)
    jobs_run(both_doors, start - timedelta(hours=1, minutes=59))
    second = await nadia.wait_for(lambda m: m.kind == "template", after=seen)
    assert second.template == ("frontdoor_reminder", "ar", ["Jordan", when])

    # The meeting is over: the follow-up's template asks her to reply; she does and gets the question.
    seen = len(nadia.inbox)
    jobs_run(both_doors, start + timedelta(hours=2, minutes=30))
    asked = await nadia.wait_for(lambda m: m.kind == "template", after=seen)
    assert asked.template == ("frontdoor_follow_up", "ar", ["Jordan"])
    question = ar("Hello {name}! How did your meeting with {other} go? Did it take place?")
    replied = len(nadia.inbox)
    await act(nadia, "مرحبا", question.format(name="Nadia", other="Jordan"))
    useful = ar("How useful was the conversation, from 1 (not at all) to 5 (very)?")
    await act(nadia, f"press:{ar('Yes, we met')}", useful)
    # Her "hello" brought the question; it answered nothing she had not yet seen.
    tap = plain(ar("Please tap one of the buttons below, or type what one of them says."))
    assert not [m.text for m in nadia.inbox[replied:] if tap in plain(m.text)], nadia.report()
    assert sum(plain(question.format(name="Nadia", other="Jordan")) in plain(m.text) for m in nadia.inbox) == 1
    referred = ar("Did {name} refer you to other people? Please add each one: the program counts these connections.")
    await act(nadia, "press:5", referred.format(name="Jordan"))
    next_step = ar("Last question: what is your next step? (For example: contact the people {name} suggested.)")
    await act(nadia, f"press:{ar('No one')}", next_step.format(name="Jordan"))
    await act(
        nadia,
        "التقديم على وظائف في البلدية",
        ar("Thank you for your answers! They help the program help more newcomers."),
    )
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT outcome FROM meetings").fetchall() == [("held",)]
        assert connection.execute("SELECT role, status FROM follow_ups WHERE role = 'connectee'").fetchall() == [
            ("connectee", "done")
        ]
    assert whatsapp.refused == [], "no free-form message tried outside the window"

    # /delete, on WhatsApp: asked once, confirmed by a tap, and nothing of her is left.
    await nadia.send("/delete")
    erased = ar(
        "Done: your personal data is erased. Thank you for taking part in the program. "
        "If you would like to register again one day, send /start."
    )
    await act(nadia, f"press:{ar('Yes, erase my data')}", erased)
    store = Store(both_doors.database_url)
    while (await store.outbox()).get("pending"):  # what the erasure wrote to others, delivered
        await asyncio.sleep(0.05)
    left = rows(database)
    marks = {mark for hers in HERS for mark in (hers, json.dumps(hers)[1:-1])}  # as written, or escaped in JSON
    found = {
        (table, mark)
        for table, kept in left.items()
        for row in kept
        for mark in marks
        if mark in " ".join(map(str, row))
    }
    assert found == set(), "her number, name, phone, e-mail or occupation still stored"
    with sqlite3.connect(database) as connection:
        people = connection.execute("SELECT role, status, user_id FROM participants ORDER BY role").fetchall()
        answered = connection.execute("SELECT DISTINCT participant_id FROM answers").fetchall()
    assert people == [("connectee", "erased", 0), ("connector", "approved", int(jordan.wa_id))]
    assert len(answered) == 1, "Jordan's answers only"
    assert whatsapp.refused == [], "her farewell went as written: she had just written, her window was open"


async def test_on_whatsapp_numbers_typed_in_one_message_tick_boxes_on_every_page_of_the_list(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    omar = whatsapp.user("15195550124", "Omar")
    script = newcomer_script("en", "English")
    languages = next(n for n, (_, expect) in enumerate(script) if expect == LANGUAGES)
    for action, expect in script[:languages]:
        await act(omar, action, expect)
    seen = len(omar.inbox)
    await act(omar, *script[languages])
    second = await omar.wait_for("More choices (2 of 2)", after=seen)  # fourteen languages and Done: 10 rows, 5
    first = omar.inbox[omar.inbox.index(second) - 1]
    assert (len(first.choices()), len(second.choices())) == (10, 5)

    seen = len(omar.inbox)
    await omar.send("2, 13 15")  # French, Urdu (on the second page) and Done's number
    shown = await omar.wait_for(lambda m: m.offers("✅ Urdu") is not None, after=seen)
    said = [m.text for m in omar.inbox[seen:]]
    assert said[0] == (
        "There is no choice 15 here. To tick several at once, type their numbers from 1 to 14, such as “1 3”."
    )
    assert omar.inbox[seen + 1].offers("✅ French") is not None, "the whole question again, both pages"
    assert shown is omar.inbox[seen + 2] and shown.text == "More choices (2 of 2)"
    await act(omar, "press:Done", "What would you like from the meeting?")
    assert stored(whatsapp_bot.workdir / "frontdoor.db", omar.wa_id)[1]["languages"] == ["fr", "ur"]
    assert whatsapp.refused == []
