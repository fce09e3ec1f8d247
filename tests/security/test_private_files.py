"""Another account on the machine reads nobody's data: the database and every export are 0600, whatever the umask."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import AsyncGenerator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.export_process import ExportProcess
from bot.exporting import write_export
from storage.database import open_engine, upgrade
from storage.export_formats import Batch, Export, Sheet
from tests.unit.test_cli import frontdoor

EXPORTED = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)  # when the export is made


@pytest.fixture(params=[0o022, 0o000], ids=["umask 022", "umask 000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The caller's umask (children inherit it), restored after the test."""
    before = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(before)


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


async def test_the_database_and_its_wal_and_shm_are_readable_by_their_owner_only(umask: int, tmp_path: Path) -> None:
    database = tmp_path / "frontdoor.db"
    engine = open_engine(f"sqlite+aiosqlite:///{database}")
    try:
        await upgrade(engine)  # written in WAL mode: the log and its index are there while the engine is open
        files = {path.name: mode(path) for path in tmp_path.iterdir()}
    finally:
        await engine.dispose()
    assert files == {"frontdoor.db": "0o600", "frontdoor.db-wal": "0o600", "frontdoor.db-shm": "0o600"}


async def test_a_database_left_readable_by_an_older_version_is_made_private_at_start(tmp_path: Path) -> None:
    database = tmp_path / "frontdoor.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    engine = open_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade(engine)
    await engine.dispose()
    assert mode(database) == "0o600"


def test_every_file_frontdoor_export_writes_is_private(umask: int, tmp_path: Path) -> None:
    env = {"FRONTDOOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fd.db'}"}
    for args in (
        ["--format", "csv", "--out", "all.zip"],
        ["--format", "csv", "--out", "by-kind"],
        ["--format", "xlsx", "--out", "all.xlsx"],
        ["--format", "json", "--out", "all.json"],
    ):
        result = frontdoor("export", *args, cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
    written = {str(path.relative_to(tmp_path)): mode(path) for path in tmp_path.rglob("*") if path.is_file()}
    assert set(written) >= {"all.zip", "by-kind/participants.csv", "all.xlsx", "all.json", "fd.db"}
    assert set(written.values()) == {"0o600"}, written
    assert mode(tmp_path / "by-kind") == "0o700"


async def test_an_export_cut_short_leaves_its_part_file_private(umask: int, tmp_path: Path) -> None:
    async def failing() -> AsyncGenerator[Batch]:
        yield [[1], ["Amal"]]
        raise RuntimeError("the disk is full")

    export = Export(EXPORTED, None, None, {}, [Sheet("participants", ("id", "name"), failing)])
    with pytest.raises(RuntimeError):
        await write_export("csv", export, tmp_path / "by-kind")
    assert {path.name: mode(path) for path in (tmp_path / "by-kind").iterdir()} == {
        "summary.csv": "0o600",
        "participants.csv.part": "0o600",
    }


async def test_the_export_a_coordinator_gets_in_chat_is_made_in_a_private_file(
    umask: int, tmp_path: Path, database_url: str, sessions: object
) -> None:
    """`sessions`: the database, migrated."""
    modes: list[str] = []

    class Watched(ExportProcess):
        async def _run(self, request: bytes) -> dict[str, int]:
            counts = await super()._run(request)
            modes.append(mode(Path(json.loads(request)["out"])))  # before its folder is removed
            return counts

    for kind in ("csv", "xlsx", "json"):
        await Watched(database_url, ["name"]).document(kind, EXPORTED)
    assert modes == ["0o600", "0o600", "0o600"]
    if database_url.startswith("sqlite"):
        assert {mode(path) for path in tmp_path.iterdir() if path.is_file()} == {"0o600"}
