"""The registrations, approvals and operator commands the end-to-end conversations share."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.bot_process import ROOT, BotProcess
from tests.e2e.emulator import EmulatedUser
from tests.e2e.person import Person, shown
from tests.e2e.script import answer
from tests.e2e.whatsapp_process import WhatsAppProcess
from tests.support.driver import Shown

COORDINATOR = 9000
ZONE = "America/Toronto"

# An action, or (action, what the reply waited for contains) where one action brings two messages.
Script = list[str | tuple[str, str]]

CONNECTOR_SCRIPT: Script = [
    "/start",
    "press:English",
    "press:I am a volunteer",
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
    "tick:English",  # a language in common with the volunteer (CONNECTOR_SCRIPT): matching requires one
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


async def run_script(user: EmulatedUser, script: Script, **values: str) -> None:
    for step in script:
        action, expect = step if isinstance(step, tuple) else (step, "")
        await answer(user, action.format(**values), expect)


async def approve_everyone(coordinator: Person, count: int) -> None:
    """/pending, then Approve on each application it lists."""
    seen = len(coordinator.user.inbox)
    await coordinator.send("/pending", expect=f"{count} applications are waiting for review.")

    def listed() -> list[Shown]:
        return [shown(m) for m in coordinator.user.inbox[seen:] if "Approve" in m.buttons()]

    await coordinator.wait_for(lambda _: len(listed()) == count)
    for application in listed():
        await coordinator.click("Approve", on=application, expect=None)
        await coordinator.wait_for(lambda m, application=application: m.id == application.id and "✔ Approved" in m.text)


def jobs_run(bot: BotProcess | WhatsAppProcess, now: datetime) -> None:
    """`frontdoor jobs run --now …` as an operator would, beside the running bot."""
    environment = {
        "PYTHONPATH": str(ROOT),
        "FRONTDOOR_DATABASE_URL": bot.database_url,
        "PATH": "/usr/bin:/bin",
        **bot.extra_environment,  # the same settings as the bot (its coordinators, for the digest)
    }
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
