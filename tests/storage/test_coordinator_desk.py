"""Coordinators in chat: the daily digest, search, suggestions, pause, export, figures, invite codes."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from bot.digest_picture import DigestPictures
from bot.export_process import ExportProcess
from handlers.core.bidi import FSI, PDI
from handlers.core.events import Document
from handlers.core.ports import Chart
from storage.coordinators import invite
from storage.tables import DigestRow, JobRow, ParticipantRow
from tests.support.clock import NOW
from tests.support.personas import AMAL, COORDINATOR, INTRODUCTION, PRIYA, a_booked_meeting, approve_all
from tests.support.world import World, world_on

UNKNOWN = "Sorry, I do not know that command. Send /help to see what I can do."
PREPARING = (
    "Preparing every record as {format}. The file will come here when it is ready, in a minute or two for a big "
    "program; you can go on using the bot meanwhile."
)
EIGHT_AM = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # Tue, Nov 24, 08:00 in Toronto


def digests(world: World) -> list[str]:
    return [text for text in world.phones[COORDINATOR].texts() if text.startswith("Connector Program: daily digest")]


async def test_the_daily_digest_reaches_each_coordinator_once_a_day(database_url: str) -> None:
    async with world_on(database_url, NOW, coordinators=[COORDINATOR]) as world:
        world.phone(COORDINATOR)
        await a_booked_meeting(world)
        await world.run_jobs(EIGHT_AM - timedelta(minutes=1))
        assert digests(world) == [], "not before 08:00 in the program's time zone"
        await world.run_jobs(EIGHT_AM)
        await world.run_jobs(EIGHT_AM + timedelta(hours=3))
        screen = world.phones[COORDINATOR].screen
    # A restart: a new Frontdoor on the same database runs the jobs again the same day.
    async with world_on(database_url, EIGHT_AM + timedelta(hours=5), coordinators=[COORDINATOR]) as again:
        again.phone(COORDINATOR).screen = screen
        await again.run_jobs(EIGHT_AM + timedelta(hours=5))
        (digest,) = digests(again)
        assert digest.splitlines()[:9] == [
            "Connector Program: daily digest, November 24, 2026",
            "",
            "Since Mon, Nov 23, 8:00\u202fAM:",
            "1 new newcomer",
            "1 new volunteer",
            "0 meetings held",
            "0 meetings missed (no-show)",
            "0 referrals recorded",
            "0 jobs reported",
        ]
        assert "0 applications are waiting for review." in digest
        assert "0 meetings today and tomorrow" in digest, "Thursday's meeting is not yet today or tomorrow"
        assert "0 people the bot can no longer reach" in digest

        await again.run_jobs(EIGHT_AM + timedelta(days=2))  # Thursday 08:00: the meeting is today
        thursday = digests(again)[-1]
        assert len(digests(again)) == 2
        assert "Since Tue, Nov 24, 8:00\u202fAM:" in thursday
        assert "1 meeting today and tomorrow\n• Thu, Nov 26, 9:00\u202fAM: Amal (#2) with Priya (#1)" in thursday
        async with again.app.sessions() as session:
            days = [row.day for row in (await session.execute(select(DigestRow))).scalars()]
        assert days == ["2026-11-24", "2026-11-26"]


async def test_the_digest_counts_outcomes_and_people_who_blocked_the_bot(world: World) -> None:
    priya, amal = await a_booked_meeting(world)
    asked = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
    await world.run_jobs(asked)
    await amal.click("Yes, we met")
    await amal.click("5")
    await amal.click("Add a contact")
    for _ in range(3):
        await amal.click("Skip")
    async with world.app.sessions() as session, session.begin():
        row = (await session.execute(select(ParticipantRow).where(ParticipantRow.user_id == 201))).scalar_one()
        row.unreachable_since = asked
    coordinator = world.phone(COORDINATOR)
    drawn = world.app.pictures = Drawn()
    await coordinator.send("/digest")
    text = coordinator.last.text
    assert "1 meeting held" in text and "1 referral recorded" in text
    assert [count for _, count, _ in drawn.charts[-1].steps] == [1, 1, 1, 1, 1, 0], "met, and referred a contact"
    assert "1 person the bot can no longer reach\n• Priya (#1)" in text
    await priya.send("/status")  # she unblocked the bot and writes again
    await coordinator.send("/digest")
    assert "0 people the bot can no longer reach" in coordinator.last.text


class Drawn:
    """The digest's pictures as drawn, and the charts they were drawn from (what the picture says)."""

    def __init__(self) -> None:
        self.charts: list[Chart] = []
        self._pictures = DigestPictures()

    def draw(self, chart: Chart) -> bytes | None:
        self.charts.append(chart)
        return self._pictures.draw(chart)


def pictures(world: World) -> list[bytes]:
    return [message.photo for message in world.phones[COORDINATOR].screen if message.photo]


async def test_the_digest_comes_with_a_picture_of_the_week_once_a_day_unless_the_coordinator_turns_it_off(
    database_url: str,
) -> None:
    async with world_on(database_url, NOW, coordinators=[COORDINATOR]) as world:
        drawn = world.app.pictures = Drawn()
        coordinator = world.phone(COORDINATOR)
        await a_booked_meeting(world)
        await world.run_jobs(EIGHT_AM)
        await world.run_jobs(EIGHT_AM + timedelta(hours=3))
        (picture,) = pictures(world)
        photo, text = coordinator.screen[-2:]
        assert photo.photo == picture and text.text.startswith("Connector Program: daily digest, November 24")
        assert photo.text == (
            "The last 7 days in a picture. To get the digest as text only, send /digest picture off"
        ), "the caption says how to turn it off"
        with Image.open(io.BytesIO(picture)) as image:
            assert (image.format, image.width) == ("PNG", 1000) and 600 < image.height < 1000
        (chart,) = drawn.charts
        assert chart.title == "Newcomers over the past week"
        assert [(label, count) for label, count, _ in chart.steps] == [
            ("Registered", 1),
            ("Approved", 1),
            ("Offered a meeting", 1),
            ("Met a volunteer", 0),
            ("Referred to a contact", 0),
            ("Found work", 0),
        ]
        assert chart.trend == (("Nov 24", 0, "0"),), "Amal has her meeting: nobody waits"

        await coordinator.send("/digest pictures")
        assert coordinator.last.text == (
            "To get the digest now, send /digest. To get it as text only, send /digest picture off; "
            "with its picture again, /digest picture on."
        )
        await coordinator.send("/digest picture off")
        assert coordinator.last.text == (
            "Done: your digest comes as text only. To get its picture again, send /digest picture on"
        )
        await world.run_jobs(EIGHT_AM + timedelta(days=1))
        assert len(pictures(world)) == 1 and coordinator.last.text.startswith("Connector Program: daily digest"), (
            "text only"
        )
        await coordinator.send("/digest picture on")
        assert coordinator.last.text == "Done: your digest comes with its picture. To stop it, send /digest picture off"
        await world.run_jobs(EIGHT_AM + timedelta(days=2))
        assert len(pictures(world)) == 2
        assert [day for day, _, _ in drawn.charts[-1].trend] == ["Nov 24", "Nov 25", "Nov 26"], "each day's count kept"


async def test_the_digest_names_the_applications_waiting_and_how_to_review_them(world: World) -> None:
    coordinator, priya, amal = world.phone(COORDINATOR), world.phone(201), world.phone(101)
    await world.register(priya, "connector", PRIYA)
    await world.register(amal, "connectee", AMAL)
    await coordinator.send("/digest")
    assert "2 applications are waiting for review.\n• Priya (#1)\n• Amal (#2)\n/pending to review\n" in (
        coordinator.last.text
    )
    assert "2 new newcomers" not in coordinator.last.text and "1 new newcomer\n" in coordinator.last.text
    assert "0 newcomers waiting for a free volunteer\n" in coordinator.last.text, "Amal is not approved yet"
    assert "waiting for longer than" not in coordinator.last.text, "nobody has waited long: no heading over nobody"


async def test_a_coordinator_reads_the_digest_s_times_in_their_own_time_zone(world: World) -> None:
    coordinator = world.phone(COORDINATOR)
    await coordinator.send("/digest")
    assert "Since Sun, Nov 22, 10:00\u202fAM:" in coordinator.last.text, "the program's zone: Toronto"
    await world.register(coordinator, "connector", PRIYA)  # a coordinator who volunteers too
    await coordinator.send("/timezone")
    await coordinator.click("Pacific Time")
    await coordinator.send("/digest")
    assert "Since Sun, Nov 22, 7:00\u202fAM:" in coordinator.last.text, "theirs: Vancouver"


async def test_find_match_and_pause(world: World) -> None:
    coordinator, priya, amal = world.phone(COORDINATOR), world.phone(201), world.phone(101)
    await world.register(priya, "connector", PRIYA)
    await world.register(amal, "connectee", AMAL | {"name": "أمل حداد"})
    await coordinator.send("/find soft")
    assert coordinator.last.text.splitlines() == [
        "#1 Priya, volunteer, waiting for review: “Software engineer”",
        f"#2 {FSI}أمل{PDI}, newcomer, waiting for review: “Software developer”",  # isolated in an English line
    ]
    await coordinator.send("/find أمل")
    assert coordinator.last.text.startswith("#2 ")
    await coordinator.send("/find #1")
    assert coordinator.last.text.startswith("#1 Priya")
    await coordinator.send("/find nobody-like-this")
    assert coordinator.last.text == "Nobody found for “nobody-like-this”."

    await coordinator.send("/pause 1")
    assert coordinator.last.text == "Priya (#1) will not be matched until December 23, 2026."
    await approve_all(world)
    assert not any(message.shows(INTRODUCTION) for message in priya.screen), "paused: not proposed"
    await coordinator.send("/match 2")
    assert coordinator.last.text.startswith(f"No volunteer is free for {FSI}أمل{PDI} (#2)")
    await coordinator.send("/pause 1 0")
    assert coordinator.last.text == "Priya (#1) can be matched again."
    await coordinator.send("/match 2")
    assert coordinator.last.text.startswith(f"Suggested volunteers for {FSI}أمل{PDI} (#2), “Software developer”:")
    await coordinator.click("Propose Priya")
    assert "introduce you to a newcomer" in priya.showing(INTRODUCTION).text
    await coordinator.send("/match 1")
    assert coordinator.last.text == "#1 is not an approved newcomer."
    await coordinator.send("/match")
    assert coordinator.last.text == "Please add the participant's number, for example: /match 12"


async def test_export_in_chat_in_each_format(world: World) -> None:
    await a_booked_meeting(world)
    coordinator = world.phone(COORDINATOR)
    await coordinator.send("/export")
    assert coordinator.last.text == "Which format would you like?"
    assert coordinator.last.labels() == ["CSV (zip)", "Excel (xlsx)", "JSON"]

    await coordinator.click("JSON")
    assert coordinator.last.text == PREPARING.format(format="JSON")
    assert coordinator.last.document is None, "made by the job runner, not while the update holds the database"
    assert await export_jobs(world) == [("pending", {"kind": "json", "user_id": COORDINATOR})]
    assert world.app.jobs_due.is_set(), "the running job runner wakes for it at once"
    await world.run_jobs(world.now)
    assert coordinator.last.text == "Connector Program: every record, November 23, 2026"
    exported = json.loads(coordinator.last.document or b"")
    assert [p["answer_name"] for p in exported["participants"]] == ["Priya Sharma", "Amal Haddad"]
    assert len(exported["meetings"]) == 1
    assert await export_jobs(world) == [("done", {"kind": "json", "user_id": COORDINATOR})]

    await coordinator.click("CSV (zip)")
    await world.run_jobs(world.now)
    with zipfile.ZipFile(io.BytesIO(coordinator.last.document or b"")) as archive:
        assert "participants.csv" in archive.namelist()
        assert "Amal Haddad" in archive.read("participants.csv").decode("utf-8-sig")

    await coordinator.send("/export xlsx")
    assert coordinator.last.text == PREPARING.format(format="Excel (xlsx)")
    await world.run_jobs(world.now)
    workbook = load_workbook(io.BytesIO(coordinator.last.document or b""), read_only=True)
    assert "participants" in workbook.sheetnames

    await coordinator.send("/stats")
    assert coordinator.last.text.splitlines()[:3] == [
        "Connector Program: figures (this month in brackets)",
        "Newcomers registered: 1 (1)",
        "Volunteers registered: 1 (1)",
    ]


async def test_an_export_that_fails_is_told_to_the_coordinator_not_retried(world: World, tmp_path: Path) -> None:
    coordinator = world.phone(COORDINATOR)
    await coordinator.send("/start")
    world.app.exports = ExportProcess(f"sqlite+aiosqlite:///{tmp_path / 'no such folder' / 'gone.db'}", ["name"])
    await coordinator.send("/export csv")
    await world.run_jobs(world.now)
    assert coordinator.last.text == (
        "Sorry, the export could not be made. Please try again in a few minutes; if it fails again, "
        "please ask whoever runs the bot to look at its log."
    )
    assert coordinator.last.document is None
    async with world.app.sessions() as session:
        (job,) = (await session.execute(select(JobRow).where(JobRow.kind == "export"))).scalars()
    assert (job.status, job.attempts) == ("failed", 1)
    assert job.last_error and job.last_error.startswith("ExportFailed: the export process ended with 1")


async def test_an_export_whose_worker_stopped_is_made_again_once_its_hold_ends(world: World) -> None:
    coordinator = world.phone(COORDINATOR)
    await a_booked_meeting(world)
    working = world.app.exports

    class Stopping(ExportProcess):
        async def document(self, kind: str, now: datetime) -> Document:
            raise asyncio.CancelledError  # the bot is stopped while the file is made

    world.app.exports = Stopping(working.database_url, working.keys)
    await coordinator.send("/export json")
    asked = world.now
    with pytest.raises(asyncio.CancelledError):
        await world.run_jobs(asked)
    world.app.exports = working
    await world.run_jobs(asked + timedelta(minutes=14))
    assert coordinator.last.document is None, "held for the worker making it, however long that takes"
    assert await export_jobs(world) == [("pending", {"kind": "json", "user_id": COORDINATOR})]
    await world.run_jobs(asked + timedelta(minutes=15))
    assert coordinator.last.text.startswith("Connector Program: every record")
    assert len(json.loads(coordinator.last.document or b"")["participants"]) == 2


async def test_an_export_too_big_for_telegram_is_not_sent_and_the_coordinator_told(world: World) -> None:
    coordinator = world.phone(COORDINATOR)
    await coordinator.send("/start")
    made = world.app.exports

    class Huge(ExportProcess):
        async def document(self, kind: str, now: datetime) -> Document:
            return Document("frontdoor-export.xlsx", bytes(50_400_000))

    world.app.exports = Huge(made.database_url, made.keys)
    await coordinator.send("/export xlsx")
    await world.run_jobs(world.now)
    assert coordinator.last.document is None
    assert coordinator.last.text == (
        "The export is ready, but at 50.4 MB it is too big to send in this chat: Telegram takes files of up to "
        "50 MB. Please try CSV (zip), the smallest format, or ask whoever runs the bot to export it with the "
        "command frontdoor export."
    )


async def test_only_an_export_wakes_the_job_runner(world: World) -> None:
    await a_booked_meeting(world)
    assert not world.app.jobs_due.is_set(), "proposals, meetings and follow-ups wait for the runner's round"
    await world.phone(COORDINATOR).send("/export json")
    assert world.app.jobs_due.is_set()


async def export_jobs(world: World) -> list[tuple[str, dict[str, object]]]:
    async with world.app.sessions() as session:
        jobs = (await session.execute(select(JobRow).where(JobRow.kind == "export").order_by(JobRow.id))).scalars()
        return [(job.status, job.payload) for job in jobs]


async def test_a_one_time_code_makes_a_coordinator(world: World) -> None:
    async with world.app.sessions() as session, session.begin():
        code, expires = await invite(session, NOW)
    assert expires == NOW + timedelta(days=7)
    lee, sam = world.phone(700), world.phone(701)
    await lee.send("/pending")
    assert lee.last.text == UNKNOWN
    await lee.send("/coordinator wrong-code")
    assert lee.last.text.startswith("Sorry, that code does not work.")
    await lee.send(f"/coordinator {code}")
    assert (
        lee.last.text
        == "Connector Program\nWelcome! You are now a coordinator of the program. Send /help to see your commands."
    )
    await lee.send("/pending")
    assert lee.last.text == "No applications are waiting for review."
    await sam.send(f"/coordinator {code}")
    assert sam.last.text.startswith("Sorry, that code does not work."), "a code works once"

    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    assert any("New application to review" in text for text in lee.texts()), "told like the others"


async def test_an_expired_code_does_not_work(world: World) -> None:
    async with world.app.sessions() as session, session.begin():
        code, _ = await invite(session, NOW - timedelta(days=8))
    lee = world.phone(700)
    await lee.send(f"/coordinator {code}")
    assert lee.last.text.startswith("Sorry, that code does not work.")
