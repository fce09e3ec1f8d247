"""The command line: help, bad arguments, missing settings: one clear line and exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.mark.parametrize("command", [[], ["run"], ["chat"], ["db", "upgrade"], ["export"], ["jobs", "run"], ["match"]])
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
        (["db", "upgrade"], {"FRONTDOOR_DATABASE_URL": "mysql://x"}, "FRONTDOOR_DATABASE_URL must start with"),
        (["run"], {"FRONTDOOR_BOT_TOKEN": "not-a-token"}, "does not look like a bot token"),
        (
            ["run"],
            {"FRONTDOOR_BOT_TOKEN": "1:a", "FRONTDOOR_COORDINATORS": "12,bob"},
            "'bob' is not a Telegram user id",
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


def test_the_settings_come_from_a_dot_env_file_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("FRONTDOOR_DATABASE_URL=sqlite+aiosqlite:///from-dotenv.db\n")
    result = frontdoor("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-dotenv.db").is_file()


def test_chat_in_the_terminal_registers_a_newcomer_on_the_same_store(tmp_path: Path) -> None:
    typed = "\n".join(
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
    result = frontdoor("chat", "--language", "en", cwd=tmp_path, stdin=typed + "\n")
    assert result.returncode == 0, result.stderr
    assert "Thank you, Amal! Your registration is submitted." in result.stdout
    exported = frontdoor("export", "--format", "json", "--out", "all.json", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "exported 1 participants" in exported.stderr
    text = (tmp_path / "all.json").read_text()
    assert '"status": "submitted"' in text and '"name": "Amal"' in text and '"phone": "+15195550100"' in text


def test_jobs_run_with_a_malformed_time_says_what_it_wants(tmp_path: Path) -> None:
    result = frontdoor("jobs", "run", "--now", "next tuesday", cwd=tmp_path)
    assert result.returncode == 2
    assert "'next tuesday' is not a date and time like 2026-12-01T09:00" in result.stderr
    assert result.stderr.count("\n") == 1


def test_jobs_run_and_a_dry_run_on_an_empty_program(tmp_path: Path) -> None:
    env = {"FRONTDOOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fd.db'}"}
    jobs = frontdoor("jobs", "run", "--now", "2026-12-01T09:00", cwd=tmp_path, env=env)
    assert jobs.returncode == 0, jobs.stderr
    assert "ran 0 jobs, 0 failed" in jobs.stderr
    dry = frontdoor("match", "--dry-run", cwd=tmp_path, env=env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.strip() == "Nobody is waiting for a connector."
