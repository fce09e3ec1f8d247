"""The command line: help, bad arguments, missing settings: one clear line and exit status 2."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.catalogs import PROJECT_CATALOGS
from bot.cli_values import export_period
from bot.commands import retention_report
from handlers.core.program import load_program
from handlers.core.templates import TEMPLATES
from handlers.privacy.retention import ClockCheck, Plan

ROOT = Path(__file__).resolve().parents[2]
WHATSAPP_SETTINGS = {
    "FRONTDOOR_WHATSAPP_TOKEN": "EAAG",
    "FRONTDOOR_WHATSAPP_PHONE_NUMBER_ID": "1234",
    "FRONTDOOR_WHATSAPP_APP_SECRET": "secret",
    "FRONTDOOR_WHATSAPP_VERIFY_TOKEN": "verify",
}


def frontdoor(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["run"],
        ["chat"],
        ["db", "upgrade"],
        ["export"],
        ["jobs", "run"],
        ["match"],
        ["digest"],
        ["coordinators", "invite"],
        ["retention"],
        ["retention", "run"],
        ["coordinators", "list"],
        ["coordinators", "revoke"],
        ["coordinators", "audit"],
        ["whatsapp"],
    ],
)
def test_every_command_has_help(command: list[str], tmp_path: Path) -> None:
    result = frontdoor(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "usage: frontdoor" in result.stdout


def test_run_without_a_token_says_how_to_get_one(tmp_path: Path) -> None:
    result = frontdoor("run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "@BotFather" in result.stderr and "frontdoor chat" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["jump"], {}, "invalid choice: 'jump'"),
        (
            ["chat", "--language", "tlh"],
            {},
            "--language 'tlh' is not one of en, fr, es, ar, zh-Hans, pa, tl, ur, fa, uk",
        ),
        (["export", "--format", "pdf"], {}, "invalid choice: 'pdf'"),
        (["retention"], {}, "the following arguments are required: ACTION"),
        (["retention", "run", "--confirm=yes"], {}, "ignored explicit argument 'yes'"),
        (["retention", "run", "--now", "2029-12-01T09:00"], {}, "unrecognized arguments: --now"),
        (["export", "--since", "2026-13-01"], {}, "'2026-13-01' is not a day like 2026-12-01"),
        (["export", "--until", "1/12/2026"], {}, "'1/12/2026' is not a day like 2026-12-01"),
        (["export", "--format", "csv"], {}, "--format csv needs --out PATH"),
        (["export", "--format", "xlsx", "--out", "-"], {}, "--format xlsx needs --out PATH"),
        (
            ["export", "--format", "csv", "--out", "report.csv"],
            {},
            "--out report.csv: a CSV export is several files; give a .zip name or a folder",
        ),
        (["export", "--language", "tlh", "--out", "x.json"], {}, "--language 'tlh' is not one of"),
        (
            ["preview", "--language", "ar", "--out", "no/such/folder/preview-ar.html"],
            {},
            "--out no/such/folder/preview-ar.html: no folder no/such/folder",
        ),
        (["preview", "--language", "ar", "--out", "."], {}, "--out . is a folder; give a file name"),
        (["report"], {}, "the following arguments are required: --month"),
        (["report", "--month", "2026-13", "--out", "r.xlsx"], {}, "'2026-13' is not a month like 2026-11"),
        (["report", "--month", "2026-11"], {}, "--format xlsx needs --out PATH, a file"),
        (["report", "--month", "2026-11", "--language", "tlh", "--out", "r.xlsx"], {}, "is not one of en, fr"),
        (
            ["export", "--format", "xlsx", "--out", "no/such/folder/x.xlsx"],
            {},
            "--out no/such/folder/x.xlsx: no folder",
        ),
        (
            ["export", "--since", "2026-12-01", "--until", "2026-11-30", "--out", "x.json"],
            {},
            "--since 2026-12-01 is after --until 2026-11-30",
        ),
        (["db", "upgrade"], {"FRONTDOOR_DATABASE_URL": "mysql://x"}, "FRONTDOOR_DATABASE_URL must start with"),
        (["db", "upgrade"], {"FRONTDOOR_DATABASE_POOL_SIZE": "4"}, "FRONTDOOR_DATABASE_POOL_SIZE is for PostgreSQL"),
        (
            ["db", "upgrade"],
            {"FRONTDOOR_DATABASE_URL": "postgresql+asyncpg://x/y", "FRONTDOOR_DATABASE_POOL_SIZE": "0"},
            "FRONTDOOR_DATABASE_POOL_SIZE must be between 1 and 1000, not 0",
        ),
        (
            ["db", "upgrade"],
            {"FRONTDOOR_DATABASE_URL": "sqlite+aiosqlite:///no/such/folder/frontdoor.db"},
            "FRONTDOOR_DATABASE_URL: cannot open the database sqlite+aiosqlite:///no/such/folder/frontdoor.db",
        ),
        (
            ["chat"],
            {"FRONTDOOR_DATABASE_URL": "sqlite+aiosqlite:///no/such/folder/frontdoor.db"},
            "unable to open database file (is its folder there",
        ),
        (
            ["run"],
            {
                "FRONTDOOR_BOT_TOKEN": "1:a",
                "FRONTDOOR_DATABASE_URL": "postgresql+asyncpg://frontdoor:hunter2@127.0.0.1:1/x",
            },
            "FRONTDOOR_DATABASE_URL: cannot open the database postgresql+asyncpg://frontdoor:***@127.0.0.1:1/x: ",
        ),
        (["chat", "--files", "/dev/null"], {}, "--files /dev/null: a file is there; give a folder"),
        (["chat", "--user", "99999999999999999999"], {}, "'99999999999999999999' is not a Telegram user id"),
        (["chat", "--user", "9223372036854775808"], {}, "'9223372036854775808' is not a Telegram user id"),
        (["erase", "--participant", "²"], {}, "'²' is not a participant's number like 12"),
        (["erase", "--participant", "12"], {}, "there is no participant 12"),
        (["run"], {"FRONTDOOR_BOT_TOKEN": "not-a-token"}, "does not look like a bot token"),
        (["run", "--library", "telethon"], {"FRONTDOOR_BOT_TOKEN": "1:a"}, "invalid choice: 'telethon'"),
        (
            ["run"],
            {"FRONTDOOR_BOT_TOKEN": "1:a", "FRONTDOOR_TELEGRAM_LIBRARY": "telebot"},
            "FRONTDOOR_TELEGRAM_LIBRARY: 'telebot' is not one of aiogram, ptb",
        ),
        (
            ["run"],
            {"FRONTDOOR_BOT_TOKEN": "1:a", "FRONTDOOR_COORDINATORS": "12,bob"},
            "'bob' is not a Telegram user id",
        ),
        (
            ["run", "--whatsapp"],
            {"FRONTDOOR_WHATSAPP_TOKEN": "EAAG"},
            "needs FRONTDOOR_WHATSAPP_PHONE_NUMBER_ID, FRONTDOOR_WHATSAPP_APP_SECRET, FRONTDOOR_WHATSAPP_VERIFY_TOKEN",
        ),
        (["run", "--whatsapp", "--listen", "nowhere"], {}, "--listen 'nowhere' is not HOST:PORT"),
        (["run", "--whatsapp", "--telegram"], WHATSAPP_SETTINGS, "FRONTDOOR_BOT_TOKEN is not set"),
        (
            ["run", "--telegram", "--whatsapp"],
            {**WHATSAPP_SETTINGS, "FRONTDOOR_BOT_TOKEN": "not-a-token"},
            "does not look like a bot token",
        ),
        (["run", "--telegram", "--whatsapp"], {"FRONTDOOR_BOT_TOKEN": "1:a"}, "frontdoor run --whatsapp needs"),
        (
            ["run", "--telegram", "--whatsapp", "--webhook", "https://x.org/telegram"],
            {**WHATSAPP_SETTINGS, "FRONTDOOR_BOT_TOKEN": "1:a"},
            "leave --webhook out",
        ),
        (["whatsapp", "templates", "--language", "de"], {}, "--language 'de' is not one of en, fr, es"),
        (["whatsapp", "templates"], {}, "the following arguments are required: --language"),
        (["run", "--whatsapp", "--webhook", "https://x.org/telegram"], {}, "leave --webhook out"),
        (
            ["run", "--whatsapp"],
            {"FRONTDOOR_WHATSAPP_API_URL": "graph.facebook.com"},
            "FRONTDOOR_WHATSAPP_API_URL must start with http:// or https://",
        ),
    ],
)
def test_a_bad_argument_or_setting_is_one_line_and_status_2(
    args: list[str], env: dict[str, str], expected: str, tmp_path: Path
) -> None:
    result = frontdoor(*args, cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr


def test_the_whatsapp_templates_to_register_are_printed_in_french_with_numbered_blanks(tmp_path: Path) -> None:
    result = frontdoor("whatsapp", "templates", "--language", "fr", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    reminder = result.stdout.split("\n\n")[1].splitlines()
    assert reminder == [
        "frontdoor_reminder  (reminder: not named in the program file yet)",
        "  category: UTILITY",
        "  language: fr",
        "  body: Rappel de votre rencontre : vous rencontrez {{1}} le {{2}}. Merci de votre participation.",
        "  example {{1}}: Amal",
        "  example {{2}}: mar. 24 nov. à 10:00",
    ]
    names = [block.splitlines()[0].split()[0] for block in result.stdout.strip().split("\n\n")]
    assert names == [
        "frontdoor_proposal",
        "frontdoor_reminder",
        "frontdoor_follow_up",
        "frontdoor_nudge",
        "frontdoor_update",
    ]
    chinese = frontdoor("whatsapp", "templates", "--language", "zh-Hans", cwd=tmp_path).stdout
    assert "  language: zh_CN" in chinese and "会面提醒：您将于{{2}}与{{1}}会面。" in chinese


# Meta's review refuses a template whose body starts or ends with a blank (a stop after it still ends
# it), or holds two blanks with no word between them ("{{1}} {{2}}"): one printed so cannot be registered.
BLANK = re.compile(r"\{\{\d+\}\}")


@pytest.mark.parametrize("language", load_program().languages)
def test_every_template_printed_in_every_language_is_one_meta_s_review_takes(language: str) -> None:
    t = PROJECT_CATALOGS.translator(language)
    for template in TEMPLATES.values():
        body = template.numbered(t)
        around = BLANK.split(body)
        assert re.search(r"\w", around[0]) and re.search(r"\w", around[-1]), f"starts or ends with a blank: {body}"
        assert all(re.search(r"\w", between) for between in around[1:-1]), f"two blanks side by side: {body}"


def test_the_settings_come_from_a_dot_env_file_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("FRONTDOOR_DATABASE_URL=sqlite+aiosqlite:///from-dotenv.db\n")
    result = frontdoor("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-dotenv.db").is_file()


AMAL_TYPED = "\n".join(
    # role, consent, name, community, situation, year, occupation, sector, experience, education,
    # languages (+Done), goals (+Done), availability (+Done), meeting, phone, e-mail, link, heard, Submit
    [
        "1",
        "1",
        "Amal",
        "1",
        "3",
        "2022",
        "Nurse",
        "9",
        "4",
        "4",
        "1",
        "15",
        "2",
        "6",
        "1",
        "21",
        "2",
        "c",
        "amal@example.com",
        "1",
        "2",
        "17",
    ]
)


def test_chat_in_the_terminal_registers_a_newcomer_on_the_same_store(tmp_path: Path) -> None:
    result = frontdoor("chat", "--language", "en", cwd=tmp_path, stdin=AMAL_TYPED + "\n")
    assert result.returncode == 0, result.stderr
    assert "Thank you, Amal! Your registration is submitted." in result.stdout
    exported = frontdoor("export", "--format", "json", "--out", "all.json", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "exported 1 participant, 0 matches, 0 meetings, 0 follow-ups, 0 referrals" in exported.stderr
    text = (tmp_path / "all.json").read_text()
    assert '"status": "submitted"' in text and '"answer_name": "Amal"' in text
    assert '"answer_phone": "+15195550100"' in text  # JSON is data: no formula escaping


def test_jobs_run_with_a_malformed_time_says_what_it_wants(tmp_path: Path) -> None:
    result = frontdoor("jobs", "run", "--now", "next tuesday", cwd=tmp_path)
    assert result.returncode == 2
    assert "'next tuesday' is not a date and time like 2026-12-01T09:00" in result.stderr
    assert result.stderr.count("\n") == 1


def test_jobs_run_and_a_dry_run_on_an_empty_program(tmp_path: Path) -> None:
    env = {"FRONTDOOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fd.db'}"}
    jobs = frontdoor("jobs", "run", "--now", "2026-12-01T09:00", cwd=tmp_path, env=env)
    assert jobs.returncode == 0, jobs.stderr
    assert "ran 2 jobs, 0 failed" in jobs.stderr  # the day's sweep, of nobody, and its digest, to nobody yet
    assert "retention was left for the real clock: it never runs at a pretended --now" in jobs.stderr
    dry = frontdoor("match", "--dry-run", cwd=tmp_path, env=env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.strip() == "Nobody is waiting for a volunteer."


def test_jobs_run_three_years_ahead_leaves_retention_and_retention_run_erases_nobody_active(tmp_path: Path) -> None:
    registered = frontdoor("chat", "--language", "en", cwd=tmp_path, stdin=AMAL_TYPED + "\n")
    assert registered.returncode == 0, registered.stderr
    # At 5:00 in the program's time zone, before the day's sweep (7:00) and digest (8:00): a job done at a
    # pretended time is activity on record, which retention's real clock would then be behind.
    later = datetime.now(ZoneInfo("America/Toronto")) + timedelta(days=3 * 365)
    three_years_on = later.replace(hour=5, minute=0, second=0, microsecond=0).isoformat()
    jobs = frontdoor("jobs", "run", "--now", three_years_on, cwd=tmp_path)
    assert jobs.returncode == 0, jobs.stderr
    assert "retention was left for the real clock: it never runs at a pretended --now" in jobs.stderr
    plan = frontdoor("retention", "run", cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.startswith("Nobody is due to be anonymized: every participant was active since ")
    confirmed = frontdoor("retention", "run", "--confirm", cwd=tmp_path)
    assert confirmed.returncode == 0, confirmed.stderr
    assert confirmed.stderr.startswith("anonymized 0 participants inactive since ")
    exported = frontdoor("export", "--format", "json", cwd=tmp_path)
    assert '"answer_name": "Amal"' in exported.stdout


def test_retention_run_says_who_is_due_the_daily_share_and_how_to_confirm() -> None:
    now = datetime(2028, 12, 1, 9, 0, tzinfo=UTC)
    plan = Plan(ClockCheck(now, now - timedelta(days=9)), now - timedelta(days=730), list(range(1, 26)), 40, 10)
    assert retention_report(plan).splitlines() == [
        "25 of 40 participants have had no activity since 2026-12-02 09:00 UTC and are due to be anonymized: "
        + ", ".join(f"#{number}" for number in range(1, 21))
        + " and 5 more.",
        "The daily run anonymizes at most 10 a day (5% of the participants, at least 10); it leaves the rest "
        "for the next days.",
        "The daily run refuses now: the clock (2028-12-01 09:00 UTC) is more than 7 days past the newest activity "
        "on record (2028-11-22 09:00 UTC). If the clock is wrong, correct it. If it is right (the bot was "
        "stopped), --confirm anonymizes them.",
        "To anonymize all 25 now, irreversibly: frontdoor retention run --confirm",
    ]


def test_a_coordinator_invite_code_and_the_digest_in_the_terminal(tmp_path: Path) -> None:
    env = {"FRONTDOOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fd.db'}"}
    invited = frontdoor("coordinators", "invite", cwd=tmp_path, env=env)
    assert invited.returncode == 0, invited.stderr
    code = invited.stdout.strip()
    assert len(code) >= 12 and f"/coordinator {code}" in invited.stderr
    assert re.search(r"It works once, until \d{4}-\d\d-\d\d \d\d:\d\d \(America/Toronto time\)\.", invited.stderr)
    again = frontdoor("coordinators", "invite", cwd=tmp_path, env=env)
    assert again.stdout.strip() != code, "each invitation is a new code"
    digest = frontdoor("digest", "--print", cwd=tmp_path, env=env)
    assert digest.returncode == 0, digest.stderr
    assert digest.stdout.startswith("Connector Program: daily digest, ")
    assert "0 applications are waiting for review." in digest.stdout


def test_export_days_are_the_program_s_local_days_and_until_is_inclusive() -> None:
    # Toronto leaves daylight saving time on 2026-11-01: that midnight is 04:00 UTC, December's 05:00.
    since, until = export_period(date(2026, 11, 1), date(2026, 11, 30), "America/Toronto")
    assert since == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    assert until == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert export_period(None, date(2026, 11, 30), "UTC") == (None, datetime(2026, 12, 1, tzinfo=UTC))
    assert export_period(date(2026, 11, 30), date(2026, 11, 30), "UTC") == (
        datetime(2026, 11, 30, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )


def test_the_monthly_report_is_written_as_one_csv_file_and_says_how_many_rows(tmp_path: Path) -> None:
    env = {"FRONTDOOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fd.db'}"}
    result = frontdoor("report", "--month", "2026-11", "--format", "csv", "--out", "report.csv", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "report for 2026-11: 13 rows written to report.csv\n"
    with open(tmp_path / "report.csv", encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(row["breakdown"], row["group"]) for row in rows][:2] == [("total", ""), ("month", "2025-12")]
    assert rows[0]["group_label"] == "All" and rows[0]["met_held"] == "0"


def test_export_writes_csv_to_a_zip_or_a_folder_and_xlsx_and_says_how_many(tmp_path: Path) -> None:
    env = {"FRONTDOOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fd.db'}"}
    counted = "exported 0 participants, 0 matches, 0 meetings, 0 follow-ups, 0 referrals"
    for args, out in [
        (["--format", "csv", "--out", "all.zip"], "all.zip"),
        (["--format", "csv", "--since", "2026-11-01", "--out", "by-kind"], "by-kind"),
        (["--format", "xlsx", "--until", "2026-11-30", "--out", "all.xlsx"], "all.xlsx"),
    ]:
        result = frontdoor("export", *args, cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        assert result.stderr == f"{counted} to {out}\n"  # no progress bar when stderr is not a terminal
    with zipfile.ZipFile(tmp_path / "all.zip") as archive:
        assert archive.namelist() == [
            "summary.csv",
            "participants.csv",
            "matches.csv",
            "meetings.csv",
            "follow_ups.csv",
            "referrals.csv",
        ]
    assert (tmp_path / "by-kind" / "referrals.csv").read_bytes().startswith(b"\xef\xbb\xbfid,meeting_id,")
    assert (tmp_path / "all.xlsx").read_bytes().startswith(b"PK")
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.endswith(".part")) == []


def test_an_export_whose_reader_stops_early_is_one_line_and_status_1(tmp_path: Path) -> None:
    """`frontdoor export --out - | head`: the pipe closes before the export is written."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}
    export = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "export", "--out", "-"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert export.stdout is not None and export.stderr is not None
    export.stdout.close()  # as `head` does once it has its lines
    said = export.stderr.read()
    assert export.wait(timeout=60) == 1
    assert said.strip().splitlines()[-1] == (
        "frontdoor: the output was closed before everything was written (broken pipe)"
    )
    assert "Traceback" not in said and "Exception ignored" not in said


def test_erase_shows_who_it_is_and_erases_only_when_confirmed(tmp_path: Path) -> None:
    registered = frontdoor("chat", "--language", "en", cwd=tmp_path, stdin=AMAL_TYPED + "\n")
    assert registered.returncode == 0, registered.stderr

    declined = frontdoor("erase", "--participant", "1", cwd=tmp_path, stdin="no\n")
    assert declined.returncode == 1
    assert "participant 1: Amal, newcomer, submitted, registered " in declined.stderr
    assert "Erase their personal data for good? Type yes to confirm:" in declined.stderr
    assert declined.stderr.strip().endswith("frontdoor: nothing erased")
    nobody_typed = frontdoor("erase", "--participant", "1", cwd=tmp_path)
    assert nobody_typed.returncode == 1 and "nothing erased" in nobody_typed.stderr

    confirmed = frontdoor("erase", "--participant", "1", cwd=tmp_path, stdin="yes\n")
    assert confirmed.returncode == 0, confirmed.stderr
    assert "participant 1: personal data erased" in confirmed.stderr
    again = frontdoor("erase", "--participant", "1", "--yes", cwd=tmp_path)
    assert again.returncode == 2 and again.stderr.strip() == (
        "frontdoor: there is no participant 1 (or their data is erased already)"
    )


def test_chat_saves_documents_in_the_folder_it_names(tmp_path: Path) -> None:
    result = frontdoor("chat", "--language", "fr", "--files", "docs", cwd=tmp_path, stdin="/mydata\n")
    assert result.returncode == 0, result.stderr
    saved = (tmp_path / "docs" / "my-data.json").resolve()
    assert f"files the bot sends are saved in {saved.parent}" in result.stderr
    assert (
        f"[file] my-data.json (Programme Connecteur : tout ce que nous conservons à votre sujet): saved to {saved}"
        in (result.stdout)
    )
    assert '"language": "fr"' in saved.read_text()
