"""The export on a real database: every kind of record in CSV, XLSX and JSON, periods, the summary, flat memory."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import threading
import time
import tracemalloc
import zipfile
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import bot.exporting
from bot.export_process import ExportFailed, ExportProcess
from bot.exporting import Helper, helping, snapshot, write_export
from handlers.core.program import load_program, question_keys
from storage.database import open_engine, session_factory, upgrade
from storage.export import (
    Period,
    export_of,
    record_counts,
    summary,
)
from storage.export_cells import answer_columns, time_cells
from storage.export_formats import Batch, Export, Sheet, escape_formula, escaped, write_csv, write_json, write_xlsx
from storage.exports import SqlExports
from storage.tables import (
    AnswerRow,
    FollowUpRow,
    MeetingRow,
    ParticipantRow,
    ProposalRow,
    ReferralRow,
)

EXPORTED = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)  # months after every record below
KEYS = ["name", "phone", "languages", "arrival_year", "organization"]
FORMULA = '=HYPERLINK("http://x")'

AMAL_CREATED = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
BOB_CREATED = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
HALF_DONE_CREATED = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
MATCHED = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)
MISSED = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
MET = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)
REFERRED = datetime(2026, 11, 13, 9, 0, tzinfo=UTC)
WORK_30 = datetime(2026, 12, 12, 15, 0, tzinfo=UTC)
WORK_90 = datetime(2027, 2, 10, 15, 0, tzinfo=UTC)
NOVEMBER = Period(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))

HEADERS = {
    "summary": ["measure", "count", "since", "until"],
    "participants": [
        "id",
        "role",
        "status",
        "language",
        "time_zone",
        "consent_version",
        "consented_at",
        "created_at",
        "submitted_at",
        "reviewed_at",
        "paused_until",
        "unreachable_since",
        *(f"answer_{key}" for key in KEYS),
    ],
    "matches": [
        "id",
        "connectee_id",
        "connector_id",
        "status",
        "reasons",
        "slot",
        "ended_by",
        "created_at",
        "updated_at",
    ],
    "meetings": [
        "id",
        "match_id",
        "connectee_id",
        "connector_id",
        "starts_at",
        "ends_at",
        "mode",
        "status",
        "outcome",
        "absent_id",
        "created_at",
    ],
    "follow_ups": [
        "id",
        "meeting_id",
        "participant_id",
        "role",
        "kind",
        "status",
        "asked_at",
        "nudged_at",
        "answered_at",
        "happened",
        "useful",
        "next_step",
        "referred_count",
        "again",
        "work",
        "helped",
    ],
    "referrals": [
        "id",
        "meeting_id",
        "connectee_id",
        "connector_id",
        "name",
        "role",
        "organization",
        "registered_id",
        "created_at",
    ],
}


def participant(user_id: int, role: str, status: str, created_at: datetime) -> ParticipantRow:
    return ParticipantRow(
        channel="telegram",
        user_id=user_id,
        chat_id=user_id,
        role=role,
        language="en",
        status=status,
        consent_version="2026-10",
        consented_at=created_at,
        created_at=created_at,
        updated_at=created_at,
        submitted_at=created_at + timedelta(minutes=10) if status != "in_progress" else None,
    )


def follow_up(
    meeting: MeetingRow, person: ParticipantRow, kind: str, asked_at: datetime, **answers: Any
) -> FollowUpRow:
    return FollowUpRow(
        meeting_id=meeting.id,
        participant_id=person.id,
        role=person.role,
        kind=kind,
        status="done",
        step=None,
        answers=answers,
        asked_at=asked_at,
        answered_at=asked_at + timedelta(hours=1),
        updated_at=asked_at + timedelta(hours=1),
    )


async def seed(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Amal (a connectee whose name is a formula) missed her first meeting with Bob (a connector), met him
    at the second, was referred to three people and said twice that she works; someone else is half-way."""
    async with sessions() as session:
        amal = participant(101, "connectee", "approved", AMAL_CREATED)
        bob = participant(102, "connector", "approved", BOB_CREATED)
        half_done = participant(103, "connectee", "in_progress", HALF_DONE_CREATED)
        session.add_all([amal, bob, half_done])
        await session.flush()
        answers = {
            amal.id: {"consent": True, "name": FORMULA, "phone": "+15195550123", "languages": ["ar", "en"]}
            | {"arrival_year": 2022},
            bob.id: {"name": "Bob Tremblay", "organization": "-Acme Inc.", "phone": None},
        }
        for participant_id, values in answers.items():
            session.add_all(
                AnswerRow(participant_id=participant_id, question_key=key, value=value, updated_at=AMAL_CREATED)
                for key, value in values.items()
            )
        match = ProposalRow(
            connectee_id=amal.id,
            connector_id=bob.id,
            status="confirmed",
            version=3,
            slots=[MET.isoformat()],
            slot=MET,
            asked_by="connector",
            reasons=["same sector", "both speak Arabic"],
            created_at=MATCHED,
            updated_at=MATCHED + timedelta(days=1),
        )
        session.add(match)
        await session.flush()
        missed = meeting(match, MISSED, outcome="no_show", absent_id=amal.id, status="rescheduled")
        session.add(missed)
        await session.flush()
        held = meeting(match, MET, outcome="held")
        session.add(held)
        await session.flush()
        talk = follow_up(
            held, amal, "meeting", MET + timedelta(hours=1), happened="yes", useful=4, next_step="@Bob: CV"
        )
        referring = follow_up(held, bob, "meeting", MET + timedelta(hours=1), happened="yes", referred_count=3)
        session.add_all([talk, referring])
        await session.flush()
        for number, name in enumerate(["Chloé Martin", "+Dev Patel", "Li Wei"]):
            session.add(
                ReferralRow(
                    meeting_id=held.id,
                    follow_up_id=referring.id,
                    connectee_id=amal.id,
                    connector_id=bob.id,
                    name=name,
                    role="Recruiter",
                    organization="Acme",
                    invite_code=f"SECRET{number}",
                    created_at=REFERRED + timedelta(minutes=number),
                )
            )
        session.add(follow_up(held, amal, "work_30", WORK_30, work="employed_in_field", helped="yes"))
        session.add(follow_up(held, amal, "work_90", WORK_90, work="employed_outside_field", helped="a_little"))
        await session.commit()


def meeting(match: ProposalRow, starts_at: datetime, **fields: Any) -> MeetingRow:
    values: dict[str, Any] = {"status": "scheduled", "mode": "video"} | fields
    return MeetingRow(
        match_id=match.id,
        connectee_id=match.connectee_id,
        connector_id=match.connector_id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        created_at=MATCHED + timedelta(days=2),
        updated_at=MATCHED + timedelta(days=2),
        **values,
    )


def read_zip(content: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = {}
        for name in archive.namelist():
            raw = archive.read(name)
            assert raw.startswith(b"\xef\xbb\xbf"), f"{name} has no BOM"
            files[name.removesuffix(".csv")] = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    return files


async def exported_csv(sessions: async_sessionmaker[AsyncSession], period: Period) -> dict[str, list[list[str]]]:
    out = io.BytesIO()
    async with sessions() as session:
        await write_csv(await export_of(session, KEYS, period, EXPORTED), out)
    return read_zip(out.getvalue())


async def exported_json(sessions: async_sessionmaker[AsyncSession], period: Period | None = None) -> dict[str, Any]:
    out = io.StringIO()
    async with sessions() as session:
        await write_json(await export_of(session, KEYS, period or Period(), EXPORTED), out)
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


async def test_the_csv_zip_holds_each_kind_with_formulas_escaped(sessions: async_sessionmaker[AsyncSession]) -> None:
    await seed(sessions)
    files = await exported_csv(sessions, Period())
    assert list(files) == ["summary", "participants", "matches", "meetings", "follow_ups", "referrals"]
    assert {name: rows[0] for name, rows in files.items()} == HEADERS
    participants = [dict(zip(files["participants"][0], row, strict=True)) for row in files["participants"][1:]]
    amal, bob, half_done = participants
    assert amal["answer_name"] == "'" + FORMULA
    assert amal["answer_phone"] == "'+15195550123"
    assert (amal["answer_languages"], amal["answer_arrival_year"], amal["answer_organization"]) == (
        "ar; en",
        "2022",
        "",
    )
    assert amal["created_at"] == "2026-10-01T12:00:00+00:00" and amal["submitted_at"] == "2026-10-01T12:10:00+00:00"
    assert (bob["role"], bob["answer_name"], bob["answer_organization"]) == ("connector", "Bob Tremblay", "'-Acme Inc.")
    assert (half_done["status"], half_done["submitted_at"], half_done["answer_name"]) == ("in_progress", "", "")
    assert files["matches"][1][4] == "same sector; both speak Arabic"
    assert [row[8] for row in files["meetings"][1:]] == ["no_show", "held"]
    assert files["meetings"][1][9] == amal["id"]
    assert [row[4] for row in files["follow_ups"][1:]] == ["meeting", "meeting", "work_30", "work_90"]
    assert files["follow_ups"][1][9:] == ["yes", "4", "'@Bob: CV", "", "", "", ""]
    assert [row[4] for row in files["referrals"][1:]] == ["Chloé Martin", "'+Dev Patel", "Li Wei"]
    assert files["summary"][1:] == [
        ["connectees", "1", "", ""],
        ["connectors", "1", "", ""],
        ["meetings_held", "1", "", ""],
        ["no_shows", "1", "", ""],
        ["referrals", "3", "", ""],
        ["jobs_reported", "1", "", ""],
    ]


async def test_the_invite_code_is_never_exported(sessions: async_sessionmaker[AsyncSession], database_url: str) -> None:
    await seed(sessions)
    exports = ExportProcess(database_url, KEYS)
    as_json, as_csv = await exports.document("json", EXPORTED), await exports.document("csv", EXPORTED)
    assert b"Li Wei" in as_json.content and b"SECRET" not in as_json.content
    assert "SECRET" not in repr(read_zip(as_csv.content))


async def test_an_export_reads_the_records_as_they_were_when_it_began(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    """What is committed while an export reads is not half in it (PostgreSQL's default would show it)."""
    await seed(sessions)
    async with snapshot(database_url) as reading:
        first = await participant_ids(reading)
        async with sessions() as session, session.begin():
            session.add(participant(104, "connector", "approved", EXPORTED))
        assert await participant_ids(reading) == first and len(first) == 3
    async with sessions() as session:
        assert len(await participant_ids(session)) == 4


async def exported_by_two(
    database_url: str, out: Path, period: Period | None = None, between: Callable[[], object] | None = None
) -> tuple[dict[str, int], Helper]:
    """The CSV export as `frontdoor export` writes it: this process and its helper, one snapshot.
    `between()` is called once the export has its snapshot, just before the helper is told to take it."""
    async with helping(database_url, "csv", out) as helper:
        assert helper is not None
        if between is not None:
            helper.connection = CallingFirst(helper.connection, between)  # type: ignore[assignment]
        async with snapshot(database_url, helper) as session:
            source = await export_of(session, KEYS, period or Period(), EXPORTED)
            source = await helper.take_part(session, source, KEYS)
            return await write_export("csv", source, out), helper


@dataclass
class CallingFirst:
    """The export's end of the pipe to its helper, calling `between` before the snapshot message."""

    connection: Connection
    between: Callable[[], object]

    def send(self, message: dict[str, Any]) -> None:
        if "snapshot" in message:
            self.between()
        self.connection.send(message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)


def unzipped(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("period", [Period(), NOVEMBER], ids=["everything", "november"])
async def test_two_processes_write_the_very_csv_one_writes(
    period: Period, sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    """The helper writes the later half of the participants, the meetings, follow-ups and referrals."""
    await seed(sessions)
    alone = io.BytesIO()
    async with sessions() as session:
        counted = await write_csv(await export_of(session, KEYS, period, EXPORTED), alone)
    counts, helper = await exported_by_two(database_url, tmp_path / "export.zip", period)
    assert counts == counted
    assert unzipped((tmp_path / "export.zip").read_bytes()) == unzipped(alone.getvalue())
    assert helper.written["participants"] == (1 if period == Period() else 0)
    assert helper.process.exitcode == 0 and not helper.folder.exists()
    await exported_by_two(database_url, tmp_path / "folder", period)
    assert {path.name: path.read_bytes() for path in (tmp_path / "folder").iterdir()} == unzipped(alone.getvalue())


async def test_what_commits_while_the_helper_begins_is_in_neither_part(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    """One snapshot for both processes: on SQLite the write waits until both have begun reading; on
    PostgreSQL the helper reads the snapshot the export exported."""
    await seed(sessions)
    writer = threading.Thread(target=asyncio.run, args=(add_participant(database_url),))

    def write_meanwhile() -> None:  # the export has begun reading; the helper has not yet
        writer.start()
        time.sleep(0.3)  # time enough to commit, were it allowed to

    counts, _ = await exported_by_two(database_url, tmp_path / "export.zip", between=write_meanwhile)
    await asyncio.to_thread(writer.join)
    assert counts["participants"] == 3
    assert len(read_zip((tmp_path / "export.zip").read_bytes())["participants"]) == 1 + 3
    async with sessions() as session:
        assert len(await participant_ids(session)) == 4


async def add_participant(database_url: str) -> None:
    """Someone new, committed by a connection of another thread (the test's own loop is busy)."""
    engine = open_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            session.add(participant(104, "connector", "approved", EXPORTED))
    finally:
        await engine.dispose()


async def test_a_helper_slow_to_begin_fails_the_export_rather_than_keep_everyone_from_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the export holds the write lock until the helper has begun reading: a few milliseconds,
    or LOCKED_SECONDS at most."""
    url = f"sqlite+aiosqlite:///{tmp_path}/program.db"
    engine = open_engine(url)
    await upgrade(engine)
    await engine.dispose()
    exporter, begin_reading = os.getpid(), bot.exporting._begin_reading

    async def slow_in_the_helper(session: AsyncSession) -> None:
        if os.getpid() != exporter:  # the helper, forked with this module as patched
            await asyncio.sleep(30)
        await begin_reading(session)

    monkeypatch.setattr(bot.exporting, "_begin_reading", slow_in_the_helper)
    monkeypatch.setattr(bot.exporting, "LOCKED_SECONDS", 0.5)
    with pytest.raises(ExportFailed, match="said nothing for 0.5 s"):
        await exported_by_two(url, tmp_path / "export.zip")
    await add_participant(url)  # the lock is free again, at once
    assert not (tmp_path / "export.zip").exists()


async def test_a_helper_that_fails_fails_the_export_and_what_it_said_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = f"sqlite+aiosqlite:///{tmp_path}/no/such/folder/program.db"
    with pytest.raises(ExportFailed, match="the export's helper failed: "):
        await exported_by_two(missing, tmp_path / "export.zip")
    assert "unable to open database file" in caplog.text


async def participant_ids(session: AsyncSession) -> list[int]:
    return list(await session.scalars(select(ParticipantRow.id).order_by(ParticipantRow.id)))


async def test_a_csv_folder_gets_one_file_per_kind(sessions: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    await seed(sessions)
    folder = tmp_path / "out" / "export"
    async with sessions() as session:
        counts = await write_csv(await export_of(session, KEYS, Period(), EXPORTED), folder)
    assert counts == {"participants": 3, "matches": 1, "meetings": 2, "follow_ups": 4, "referrals": 3}
    assert sorted(path.name for path in folder.iterdir()) == [
        "follow_ups.csv",
        "matches.csv",
        "meetings.csv",
        "participants.csv",
        "referrals.csv",
        "summary.csv",
    ]
    text = (folder / "participants.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == ",".join(HEADERS["participants"])


def in_zone(headers: list[str], zone: str) -> list[str]:
    """An XLSX header: each time column names its time zone."""
    times = ("_at", "_until", "_since", "slot")
    return [f"{name} ({zone})" if name.endswith(times) else name for name in headers]


async def test_the_xlsx_has_a_summary_sheet_first_texts_as_typed_and_numbers_as_numbers(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await seed(sessions)
    out = io.BytesIO()
    async with sessions() as session:
        counts = await write_xlsx(await export_of(session, KEYS, Period(), EXPORTED), out)
    assert counts == {"participants": 3, "matches": 1, "meetings": 2, "follow_ups": 4, "referrals": 3}
    workbook = openpyxl.load_workbook(out, read_only=True)
    sheets = {name: [list(row) for row in workbook[name].iter_rows(values_only=True)] for name in workbook.sheetnames}
    assert list(sheets) == ["summary", "participants", "matches", "meetings", "follow_ups", "referrals"]
    assert {name: rows[0] for name, rows in sheets.items()} == HEADERS
    amal = dict(zip(HEADERS["participants"], sheets["participants"][1], strict=True))
    assert amal["answer_name"] == FORMULA, "a workbook's text cell is never run: no apostrophe"
    assert amal["answer_phone"] == "+15195550123"
    assert amal["answer_arrival_year"] == 2022 and amal["id"] == 1
    assert amal["answer_organization"] is None
    assert sheets["follow_ups"][1][9:12] == ["yes", 4, "@Bob: CV"]
    assert sheets["summary"][1] == ["connectees", 1, None, None]


async def test_the_xlsx_header_is_bold_and_frozen_with_filters_on_every_sheet(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await seed(sessions)
    out = io.BytesIO()
    async with sessions() as session:
        await write_xlsx(await export_of(session, KEYS, NOVEMBER, EXPORTED), out)  # no match created in November
    workbook = openpyxl.load_workbook(out)
    for name in workbook.sheetnames:
        sheet = workbook[name]
        assert sheet.freeze_panes == "A2", name
        assert [cell.value for cell in sheet[1]] == HEADERS[name], name
        assert all(cell.font.b for cell in sheet[1]), name
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), name
    assert workbook["matches"].max_row == 1, "an empty sheet still has its header"
    assert workbook["meetings"].max_row == 3


async def test_xlsx_cells_follow_the_rules_of_xlsxwriter_for_odd_values() -> None:
    """Texts over a cell's 32,767 characters are cut (not refused), True is the number 1, texts as they are."""

    async def batches() -> AsyncGenerator[Batch]:
        yield [[1, 2, 3], ["x" * 40_000, True, "=1+1"], [None, 2.5, "plain"]]

    export = Export(EXPORTED, None, None, {"things": 3}, [Sheet("things", ("id", "odd", "other"), batches)])
    out = io.BytesIO()
    assert await write_xlsx(export, out) == {"things": 3}
    rows = list(openpyxl.load_workbook(out)["things"].iter_rows(values_only=True))
    assert rows == [("id", "odd", "other"), (1, "x" * 32_767, None), (2, 1, 2.5), (3, "=1+1", "plain")]


async def test_an_xlsx_export_cancelled_midway_stops_reading_and_closes_its_streams(tmp_path: Path) -> None:
    read, closed = [], []

    async def batches() -> AsyncGenerator[Batch]:
        try:
            for number in range(1_000):
                read.append(number)
                yield [[number], ["text"]]
                await asyncio.sleep(0.01)
        finally:
            closed.append(True)

    export = Export(EXPORTED, None, None, {}, [Sheet("things", ("id", "text"), batches)])
    writing = asyncio.ensure_future(write_xlsx(export, tmp_path / "export.xlsx"))
    while not read:
        await asyncio.sleep(0.01)
    writing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writing
    assert closed == [True] and len(read) < 1_000


async def test_a_csv_export_cancelled_midway_leaves_no_file_that_looks_complete(tmp_path: Path) -> None:
    read = []

    async def batches() -> AsyncGenerator[Batch]:
        for number in range(1_000):
            read.append(number)
            yield [[number], ["text"]]
            await asyncio.sleep(0.01)

    export = Export(EXPORTED, None, None, {}, [Sheet("things", ("id", "text"), batches)])
    writing = asyncio.ensure_future(write_csv(export, tmp_path / "export"))
    while len(read) < 3:
        await asyncio.sleep(0.01)
    writing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writing
    assert len(read) < 1_000
    assert sorted(path.name for path in (tmp_path / "export").iterdir()) == ["summary.csv", "things.csv.part"]


async def test_the_json_keeps_values_raw(sessions: async_sessionmaker[AsyncSession]) -> None:
    await seed(sessions)
    document = await exported_json(sessions)
    assert document["exported_at"] == "2027-03-01T12:00:00+00:00"
    assert document["period"] == {"since": None, "until": None}
    assert document["summary"] == {
        "connectees": 1,
        "connectors": 1,
        "meetings_held": 1,
        "no_shows": 1,
        "referrals": 3,
        "jobs_reported": 1,
    }
    amal = document["participants"][0]
    assert list(amal) == HEADERS["participants"]
    assert (amal["answer_name"], amal["answer_phone"], amal["answer_arrival_year"]) == (FORMULA, "+15195550123", 2022)
    assert amal["answer_organization"] is None and amal["reviewed_at"] is None
    assert document["follow_ups"][0]["next_step"] == "@Bob: CV"
    assert [referral["name"] for referral in document["referrals"]] == ["Chloé Martin", "+Dev Patel", "Li Wei"]
    for kind in ("participants", "matches", "meetings", "follow_ups", "referrals"):
        assert list(document[kind][0]) == HEADERS[kind]


async def test_a_period_selects_each_kind_by_its_own_time(sessions: async_sessionmaker[AsyncSession]) -> None:
    await seed(sessions)
    november = await exported_json(sessions, NOVEMBER)
    assert november["period"] == {"since": "2026-11-01T00:00:00+00:00", "until": "2026-12-01T00:00:00+00:00"}
    assert [p["status"] for p in november["participants"]] == ["in_progress"]  # created in November
    assert november["matches"] == []  # created in October
    assert [m["outcome"] for m in november["meetings"]] == ["no_show", "held"]  # starting in November
    assert [f["kind"] for f in november["follow_ups"]] == ["meeting", "meeting"]  # asked in November
    assert len(november["referrals"]) == 3
    assert november["summary"] == {
        "connectees": 0,
        "connectors": 0,
        "meetings_held": 1,
        "no_shows": 1,
        "referrals": 3,
        "jobs_reported": 0,
    }
    # since is inclusive, until exclusive: Bob, created at BOB_CREATED, is in the second period only.
    before_bob = await exported_json(sessions, Period(None, BOB_CREATED))
    from_bob = await exported_json(sessions, Period(BOB_CREATED, None))
    assert [p["role"] for p in before_bob["participants"]] == ["connectee"]
    assert [p["role"] for p in from_bob["participants"]] == ["connector", "connectee"]
    assert [f["kind"] for f in from_bob["follow_ups"]] == ["meeting", "meeting", "work_30", "work_90"]
    async with sessions() as session:
        assert await record_counts(session, NOVEMBER) == {
            "participants": 1,
            "matches": 0,
            "meetings": 2,
            "follow_ups": 2,
            "referrals": 3,
        }


async def test_jobs_reported_counts_each_employed_connectee_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    await seed(sessions)
    async with sessions() as session:
        december = await summary(session, Period(WORK_30, WORK_30 + timedelta(days=1)))
        from_december = await summary(session, Period(WORK_30, None))
        after_30_days = await summary(session, Period(WORK_30 + timedelta(days=1), None))
        assert await SqlExports(session).summary(None, None) == await summary(session, Period())
    assert (december["jobs_reported"], from_december["jobs_reported"], after_30_days["jobs_reported"]) == (1, 1, 1)
    assert december["meetings_held"] == 0 and december["referrals"] == 0


async def test_a_period_must_be_aware_and_in_order() -> None:
    with pytest.raises(ValueError):
        Period(datetime(2026, 11, 1), None)
    with pytest.raises(ValueError):
        Period(NOVEMBER.until, NOVEMBER.since)


@pytest.mark.parametrize(
    ("kind", "filename"),
    [
        ("csv", "frontdoor-export-2027-03-01.zip"),
        ("xlsx", "frontdoor-export-2027-03-01.xlsx"),
        ("json", "frontdoor-export-2027-03-01.json"),
    ],
)
async def test_the_document_for_a_coordinator_is_the_whole_export(
    kind: str, filename: str, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    """Made in a process of its own (`python -m bot.exporting`), from the same database."""
    await seed(sessions)
    document = await ExportProcess(database_url, KEYS).document(kind, EXPORTED)
    assert document.filename == filename
    assert document.records == 3, "how many participants it holds, for the coordinators' audit"
    if kind == "csv":
        assert len(read_zip(document.content)["participants"]) == 1 + 3
    elif kind == "xlsx":
        assert openpyxl.load_workbook(io.BytesIO(document.content), read_only=True).sheetnames[0] == "summary"
    else:
        assert len(json.loads(document.content.decode("utf-8"))["participants"]) == 3


async def test_an_unknown_format_is_refused(database_url: str) -> None:
    with pytest.raises(ValueError, match="pdf"):
        await ExportProcess(database_url, KEYS).document("pdf", EXPORTED)


def test_answer_columns_are_the_connectee_form_then_the_connector_s_own_without_consent() -> None:
    keys = question_keys(load_program())
    assert keys[:3] == ["name", "community", "situation"]
    assert "consent" not in keys and len(keys) == len(set(keys))
    assert keys.index("organization") > keys.index("referral_source")  # connector-only, after the connectee's


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+15195550123", "'+15195550123"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Amal = Amal", "Amal = Amal"),
        ("", ""),
        ("'quoted", "'quoted"),
    ],
)
def test_a_text_that_a_spreadsheet_would_run_gets_an_apostrophe(text: str, escaped: str) -> None:
    assert escape_formula(text) == escaped


@pytest.mark.parametrize(
    ("column", "cells"),
    [
        (["plain", None, 3], ["plain", None, 3]),
        (["=1+1", "plain", None, 4], ["'=1+1", "plain", None, 4]),
        # A formula after a line break is no formula: only a cell's first character counts.
        (["two\n=lines", "\tx", "-"], ["two\n=lines", "'\tx", "'-"]),
        (["two\n=lines", "@x"], ["two\n=lines", "'@x"]),
        ([None, 1], [None, 1]),
    ],
)
def test_a_column_is_escaped_as_each_of_its_texts_would_be(column: list[Any], cells: list[Any]) -> None:
    assert list(escaped(column)) == cells == [escape_formula(v) if isinstance(v, str) else v for v in column]


def test_answers_become_one_column_per_key_with_lists_joined() -> None:
    answers = [
        {"name": "Amal", "languages": ["ar", "en"], "arrival_year": 2024},
        {},
        {"name": "Bob", "languages": [], "consent": True},  # a key not exported is left out
        {"languages": [1, 2.5]},  # a list of other than texts: each as its text
    ]
    assert answer_columns(answers, ["name", "languages", "arrival_year"]) == [
        ["Amal", None, "Bob", None],
        ["ar; en", None, "", "1; 2.5"],
        [2024, None, None, None],
    ]
    assert answer_columns(answers, ["name"]) == [["Amal", None, "Bob", None]]
    assert answer_columns([], ["name", "languages"]) == [[], []]


def test_sqlite_times_are_rearranged_and_an_odd_one_takes_the_long_way() -> None:
    stored = ["2026-11-23 15:00:59.999999", None, "2026-01-02 03:04:05.000000"]
    assert time_cells(stored) == ["2026-11-23T15:00:59+00:00", None, "2026-01-02T03:04:05+00:00"]
    odd = [*stored, "2026-11-23T15:00:00", "2026-11-23"]
    assert time_cells(odd)[3:] == ["2026-11-23T15:00:00+00:00", "2026-11-23T00:00:00+00:00"]
    assert time_cells(odd)[:3] == time_cells(stored)


class Discard(io.RawIOBase):
    """A binary sink that keeps nothing, so that only the export's own memory is measured."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(data)


async def test_memory_does_not_grow_with_the_number_of_records(sessions: async_sessionmaker[AsyncSession]) -> None:
    small, large = 1_500, 15_000
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with sessions() as session:
        rows = [
            {
                "channel": "telegram",
                "user_id": 1000 + n,
                "chat_id": 1000 + n,
                "role": "connectee",
                "language": "en",
                "status": "approved",
                "consent_version": "2026-10",
                "consented_at": start + timedelta(minutes=n),
                "created_at": start + timedelta(minutes=n),
                "updated_at": start + timedelta(minutes=n),
            }
            for n in range(large)
        ]
        await session.execute(insert(ParticipantRow), rows)
        answers = [
            {"participant_id": n + 1, "question_key": "name", "value": f"Person {n}", "updated_at": start}
            for n in range(large)
        ]
        await session.execute(insert(AnswerRow), answers)
        await session.commit()
    del rows, answers

    async def peak(until: datetime | None) -> int:
        async with sessions() as session:
            source = await export_of(session, KEYS, Period(None, until), EXPORTED)
            tracemalloc.start()
            try:
                counts = await write_csv(source, Discard())
                highest = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        assert counts["participants"] == (large if until is None else small)
        return highest

    await peak(start + timedelta(minutes=small))  # warm caches (compiled queries, codecs) first
    small_peak = await peak(start + timedelta(minutes=small))
    large_peak = await peak(None)
    # Ten times the records: a copy of every record would make the peak about ten times higher.
    assert large_peak < 3 * small_peak, (small_peak, large_peak)
