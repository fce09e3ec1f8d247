"""The WhatsApp door end to end: `frontdoor run --whatsapp` against the Cloud API emulator.

A newcomer writes to the program's WhatsApp number and registers, tapping reply buttons and list
rows as WhatsApp shows them (no message is ever edited: a tapped answer comes back as a short new
line), in English, French and Arabic; the webhook takes only what Meta signed.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.catalogs import PROJECT_CATALOGS
from handlers.core.program import load_program
from handlers.intake.screens import time_label
from tests.e2e.script import CONNECTOR
from tests.e2e.whatsapp_emulator import CloudApiEmulator, Received, WhatsAppUser
from tests.e2e.whatsapp_process import WhatsAppProcess
from tests.support import driver
from tests.support.driver import plain

PROGRAM = load_program()


async def act(person: WhatsAppUser, action: str, expect: str) -> Received:
    """Tap ("press:Label"), tick a box ("tick:Label": the question comes again, the box ticked) or
    type; the bot's first message after it whose text contains `expect`."""
    seen = len(person.inbox)
    kind, _, label = action.partition(":")
    if kind == "tick":
        await person.press(label)
        return await person.wait_for(lambda m: m.offers(f"✅ {label}") is not None, after=seen)
    await (person.press(label) if kind == "press" else person.send(action))
    return await person.wait_for(lambda m: plain(expect) in plain(m.text), after=seen)


def newcomer_script(code: str, language: str) -> list[tuple[str, str]]:
    """A newcomer's whole intake, in the words of the catalog of `code`, whose name is `language`."""
    tr = driver.reader(PROJECT_CATALOGS.translator(code), PROGRAM)
    return [
        ("Hello", "Which language would you like to use?"),
        (f"press:{language}", tr("Are you new to the region, or a volunteer who would like to meet newcomers?")),
        (f"press:{tr('I am new to the region')}", tr(PROGRAM.forms["connectee"].consent.text)[-20:]),
        (f"press:{tr('I agree', 'consent')}", tr("What name would you like us to call you?")),
        ("Nadia", tr("Which community do you live in?")),
        ("press:Cambridge", tr("Which describes your situation best?")),
        (f"press:{tr('International student or graduate')}", tr("In which year did you arrive in Canada?")),
        ("2022", tr("What is your occupation or profession? For example: accountant, civil engineer, nurse.")),
        ("Nurse", tr("Which industry sector do you want to work in?")),
        (f"press:{tr('Health care')}", tr("How many years of work experience do you have in your field?")),
        (f"press:{tr('More than 10 years')}", tr("What is your highest level of education?")),
        (f"press:{tr('Doctorate')}", tr("Which languages do you speak? Tap all that apply, then Done.")),
        (f"tick:{tr('French')}", ""),
        (f"press:{tr('Done')}", tr("What would you like from the meeting? Tap all that apply, then Done.")),
        (f"tick:{tr('Change career')}", ""),
        (
            f"press:{tr('Done')}",
            tr("When are you usually free for a 30-minute meeting? Tap every time that suits you, then Done."),
        ),
        (f"tick:{time_label(PROJECT_CATALOGS.translator(code), 'fri-afternoon')}", ""),
        (f"press:{tr('Done')}", tr("How would you like to meet?")),
        (
            f"press:{tr('Any of these')}",
            tr("What phone number can your volunteer reach you on? Tap the button to share it, type it, or skip.")[:30],
        ),
        ("+1 519 555 0199", tr("What is your e-mail address? You can skip this.")),
        ("nadia@example.ca", tr("Do you have a LinkedIn profile or an online CV? Send the link, or skip.")),
        ("linkedin.com/in/nadia", tr("How did you hear about us?")),
        (
            f"press:{tr('Social media')}",
            tr("Please check your answers. Tap an answer's button to change it, or Submit."),
        ),
        (f"press:{tr('Submit')}", "Nadia"),
    ]


def stored(database: Path, wa_id: str) -> tuple[tuple[str, str, str, str], dict[str, object]]:
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT id, channel, role, status, language FROM participants WHERE user_id = ?", (int(wa_id),)
        ).fetchone()
        assert row is not None, f"no participant for {wa_id}"
        answers = dict(
            connection.execute("SELECT question_key, value FROM answers WHERE participant_id = ?", (row[0],))
        )
    return row[1:], {key: json.loads(value) if isinstance(value, str) else value for key, value in answers.items()}


@pytest.mark.parametrize(("code", "language"), [("en", "English"), ("fr", "Français"), ("ar", "العربية")])
async def test_a_newcomer_registers_on_whatsapp(
    code: str, language: str, whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    tr = driver.reader(PROJECT_CATALOGS.translator(code), PROGRAM)
    nadia = whatsapp.user("15195550123", "Nadia")
    shown = [await act(nadia, action, expect) for action, expect in newcomer_script(code, language)]

    languages, role, consent = shown[0], shown[1], shown[2]
    assert languages.kind == "list" and len(languages.choices()) == 10, "ten languages: one list"
    assert role.kind == "list", "a label over 20 characters cannot be a reply button"
    assert consent.kind == "button" and len(consent.choices()) <= 3
    assert plain(tr("✔ {answer}").format(answer=language)) in [plain(m.text) for m in nadia.inbox], "the tap's ✔, new"
    availability = [m for m in nadia.inbox if m.offers(time_label(PROJECT_CATALOGS.translator(code), "mon-morning"))]
    assert len(availability) == 1, "ticking Friday's box sent again only the list holding it, not Monday's"
    friday = time_label(PROJECT_CATALOGS.translator(code), "fri-afternoon")
    (ticked,) = [m for m in nadia.inbox if m.offers(f"✅ {friday}")]
    assert plain(ticked.text) == plain(tr("More choices ({number} of {total})").format(number=2, total=3))
    assert any(
        plain(tr("More choices ({number} of {total})").format(number=2, total=2)) in plain(m.text) for m in nadia.inbox
    )
    assert whatsapp.refused == [], "the Cloud API took every message"
    record, answers = stored(whatsapp_bot.workdir / "frontdoor.db", "15195550123")
    assert record == ("whatsapp", "connectee", "submitted", code)
    assert answers["name"] == "Nadia" and answers["arrival_year"] == 2022
    assert answers["availability"] == ["fri-afternoon"] and answers["languages"] == ["fr"]
    assert answers["phone"] == "+15195550199"


async def test_a_volunteer_registers_on_whatsapp_and_skips_the_phone_by_its_button(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    jordan = whatsapp.user("15195550177", "Jordan")
    for action, expect in CONNECTOR:
        await act(jordan, action, expect)

    assert whatsapp.refused == []
    record, answers = stored(whatsapp_bot.workdir / "frontdoor.db", jordan.wa_id)
    assert record == ("whatsapp", "connector", "submitted", "en")
    assert answers["sectors"] == ["government"] and answers["capacity"] == 3
    assert answers["phone"] is None, "skipped by the Skip button, a keyboard on Telegram"
