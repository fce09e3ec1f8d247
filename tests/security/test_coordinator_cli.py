"""Whoever runs the bot sees who coordinates, ends a coordinator's access, and reads the audit, from the
command line; a bad id or day is one line and exit status 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.coordinators import invite
from storage.tables import OutboxRow
from tests.support.clock import NOW
from tests.support.personas import AMAL, COORDINATOR, PRIYA
from tests.support.world import world_on
from tests.unit.test_cli import frontdoor

UNKNOWN = "Sorry, I do not know that command. Send /help to see what I can do."
LEE = 700


async def a_program(database_url: str) -> None:
    """Amal registered; Lee and Priya (registered too) joined with codes; Lee and the configured one searched."""
    async with world_on(database_url, NOW, coordinators=[COORDINATOR]) as world:
        await world.register(world.phone(101), "connectee", AMAL)
        await world.register(world.phone(201), "connector", PRIYA)
        for user_id in (LEE, 201):
            async with world.app.sessions() as session, session.begin():
                code, _ = await invite(session, NOW)
            await world.phone(user_id).send(f"/coordinator {code}")
        await world.phones[LEE].send("/find Amal")
        await world.phone(COORDINATOR).send("/find 1")


def cli(database_url: str, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {"FRONTDOOR_DATABASE_URL": database_url, "FRONTDOOR_COORDINATORS": str(COORDINATOR), "USER": "alice"}
    result = frontdoor(*args, cwd=tmp_path, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


async def test_the_command_line_lists_every_coordinator_and_where_their_access_comes_from(
    database_url: str, tmp_path: Path
) -> None:
    await a_program(database_url)
    status, table, note = cli(database_url, tmp_path, "coordinators", "list")
    assert status == 0, note
    assert table.splitlines() == [
        "ID   HOW          JOINED            LAST USE          NAME",
        "201  invite code  2026-11-23 10:00  2026-11-23 10:00  Priya",
        "700  invite code  2026-11-23 10:00  2026-11-23 10:00  -",
        "900  setting      -                 2026-11-23 10:00  -",
    ]
    assert "3 coordinators; times in America/Toronto" in note
    assert "FRONTDOOR_COORDINATORS setting lose their access when you remove them from it" in note

    status, listed, _ = cli(database_url, tmp_path, "coordinators", "list", "--json")
    assert status == 0
    assert json.loads(listed)[1] == {
        "id": LEE,
        "how": "invite code",
        "joined_at": "2026-11-23T15:00:00+00:00",
        "last_use": "2026-11-23T15:00:00+00:00",
        "name": None,
    }


async def test_revoking_from_the_command_line_ends_access_at_once_and_tells_them(
    database_url: str, tmp_path: Path
) -> None:
    await a_program(database_url)
    status, _, said = cli(database_url, tmp_path, "coordinators", "revoke", str(LEE))
    assert status == 0, said
    assert said.strip() == f"coordinator {LEE}: access ended now; they are told when the bot next sends its messages"
    later = datetime.now(UTC) + timedelta(minutes=1)  # the command line queued the message on the real clock
    async with world_on(database_url, later, coordinators=[COORDINATOR], first_update=1000) as world:
        lee = world.phone(LEE)
        await world.deliver()
        assert lee.last.text.startswith("Connector Program\nYour coordinator access has ended")
        await lee.send("/find Amal")
        assert lee.last.text == UNKNOWN
        async with world.app.sessions() as session:
            told = (await session.execute(select(OutboxRow.status).where(OutboxRow.chat_id == LEE))).scalars().all()
        assert "sent" in told
    _, table, _ = cli(database_url, tmp_path, "coordinators", "list")
    assert f"{LEE} " not in table


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("12345", "12345 is not a coordinator (frontdoor coordinators list shows who is)"),
        (str(COORDINATOR), f"{COORDINATOR} is a coordinator by the FRONTDOOR_COORDINATORS setting: remove it there"),
        ("²", "'²' is not a Telegram user id like 123456789"),
        ("-7", "'-7' is not a Telegram user id like 123456789"),
    ],
)
async def test_revoking_an_unknown_a_configured_or_a_forged_id_is_one_line_and_status_2(
    given: str, expected: str, database_url: str, tmp_path: Path
) -> None:
    await a_program(database_url)
    status, _, said = cli(database_url, tmp_path, "coordinators", "revoke", given)
    assert status == 2
    assert expected in said
    assert said.strip().count("\n") == 0, said


async def test_the_audit_shows_who_searched_and_exported_and_how_much_but_no_search_words(
    database_url: str, tmp_path: Path
) -> None:
    await a_program(database_url)
    status, _, said = cli(database_url, tmp_path, "export", "--format", "csv", "--out", "all.zip")
    assert status == 0, said
    status, table, note = cli(database_url, tmp_path, "coordinators", "audit")
    assert status == 0, note
    lines = table.splitlines()
    assert lines[0].split() == ["WHEN", "WHO", "WHAT", "RECORDS"]
    assert lines[1].split() == ["2026-11-23", "10:00", "telegram", str(LEE), "find", "words", "1"]
    # "/find 1": Amal, #1, and Priya, whose phone number has a 1
    assert lines[2].split() == ["2026-11-23", "10:00", "telegram", str(COORDINATOR), "find", "number", "2"]
    assert lines[3].split()[2:] == ["cli", "alice", "export", "csv", "2"], "the command line's operator"
    assert len(lines) == 4 and "Amal" not in table
    assert "3 entries; times in America/Toronto" in note

    status, entries, _ = cli(database_url, tmp_path, "coordinators", "audit", "--json")
    assert [entry["action"] for entry in json.loads(entries)] == ["find", "find", "export"]
    status, later, note = cli(database_url, tmp_path, "coordinators", "audit", "--since", "2099-01-01")
    assert (status, later.splitlines()) == (0, ["WHEN  WHO  WHAT  RECORDS"])
    assert note.startswith("0 entries")

    status, _, said = cli(database_url, tmp_path, "coordinators", "audit", "--since", "yesterday")
    assert status == 2 and said.strip().count("\n") == 0
    assert "'yesterday' is not a day like 2026-12-01" in said
