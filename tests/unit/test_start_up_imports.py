"""What `frontdoor run` imports before its first long poll: what a polling bot needs, and not what only
some commands, questions or coordinators' requests need (each is imported when first used).

Start-up time and memory are what a small server pays for every module imported at start
(docs/benchmarks.md, "Two Telegram libraries"); a module added to the start by mistake shows here.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token"
# Imported on first use: the export's and report's writers and queries (a coordinator's /export,
# `frontdoor export`), the digest's picture (Pillow, fontTools), a meeting's calendar file
# (icalendar), the checks of a phone number or an e-mail and the guess of a mistyped one
# (phonenumbers, email_validator, jellyfish), Alembic (a migration due runs in a process of its own), the
# webhook's server, the preview, the one-shot commands, and PostgreSQL's driver on SQLite.
NOT_AT_START = (
    "alembic",
    "mako",
    "PIL",
    "fontTools",
    "icalendar",
    "phonenumbers",
    "email_validator",
    "jellyfish",
    "rustpy_xlsxwriter",
    "openpyxl",
    "multiprocessing",
    "tqdm",
    "babel.messages",
    "bot.commands",
    "bot.exporting",
    "bot.reporting",
    "bot.preview",
    "bot.channels.webhook",
    "bot.channels.listener",
    "storage.export",
    "storage.export_formats",
    "storage.report",
    "storage.report_files",
    "asyncpg",
)


def imported_before_first_poll(library: str, folder: Path) -> set[str]:
    """The modules `frontdoor run` on `library` had imported when it first called getUpdates."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "FRONTDOOR_BOT_TOKEN": TOKEN,
        "FRONTDOOR_TELEGRAM_LIBRARY": library,
        "FRONTDOOR_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'frontdoor.db'}",
    }
    found = subprocess.run(
        [sys.executable, "-m", "tests.support.first_poll"],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert found.returncode == 0, found.stderr
    return set(json.loads(found.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("library", ["ptb", "aiogram"])
def test_a_restarted_polling_bot_imports_none_of_what_only_some_requests_need(library: str, tmp_path: Path) -> None:
    first = imported_before_first_poll(library, tmp_path)  # a new database: its tables made by Alembic, apart
    again = imported_before_first_poll(library, tmp_path)
    for imported in (first, again):
        assert {"bot.serve", "storage.unit_of_work", "handlers.front_desk"} <= imported  # it did start
        assert sorted(name for name in NOT_AT_START if name in imported) == []


def test_a_first_start_makes_the_tables_in_a_process_of_its_own(tmp_path: Path) -> None:
    imported_before_first_poll("ptb", tmp_path)
    tables = sqlite3.connect(tmp_path / "frontdoor.db").execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    assert {"alembic_version", "participants", "outbox"} <= {name for (name,) in tables}
