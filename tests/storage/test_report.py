"""The monthly report on a real database (SQLite and PostgreSQL): a small program whose figures are known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalogs import Catalogs
from handlers.core.program import load_program
from storage.report import FIGURES, Month, Report, monthly_report
from storage.report_files import group_label
from storage.tables import AnswerRow, FollowUpRow, MeetingRow, ParticipantRow, ProposalRow, ReferralRow
from tests.storage.test_export import participant

ZONE = "America/Toronto"
NOVEMBER = Month(2026, 11, ZONE)


def at(day: int, hour: int = 15, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def person(
    user_id: int, role: str, created: datetime, *, language: str = "en", status: str = "approved", **answers: Any
) -> ParticipantRow:
    row = participant(user_id, role, status, created)
    row.language, row.submitted_at = language, created + timedelta(hours=1)
    row.reviewed_at = created + timedelta(days=1) if status == "approved" else None
    row.given = answers  # type: ignore[attr-defined]
    return row


async def seed(sessions: async_sessionmaker[AsyncSession]) -> None:
    """November in Kitchener-Waterloo: Amal (health, heard from a friend, Arabic) and Dana (another sector,
    typed "3", French) register; Bob volunteers, and invites Cara, who invites Eli; Amal meets Bob, Dana
    misses her first meeting and meets him later; Amal reports a job 30 days on. Zed registered on
    31 October at 22:00 in Toronto (November in UTC): October's."""
    async with sessions() as session:
        amal = person(
            1, "connectee", at(2), language="ar", sector="health", community="Kitchener", referral_source="friend"
        )
        dana = person(2, "connectee", at(5), language="fr", sector={"other": "3"}, community="Waterloo")
        bob = person(3, "connector", at(1, 12))
        cara = person(4, "connector", at(20))
        eli = person(5, "connector", at(25))
        zed = person(6, "connectee", at(1, 2), status="submitted", sector="health")  # 31 October, 22:00 local
        people = [amal, dana, bob, cara, eli, zed]
        session.add_all(people)
        await session.flush()
        for row in people:
            session.add_all(
                AnswerRow(participant_id=row.id, question_key=key, value=value, updated_at=row.created_at)
                for key, value in row.given.items()  # type: ignore[attr-defined]
            )
        first = ProposalRow(connectee_id=amal.id, connector_id=bob.id, **_proposal(at(4)))
        second = ProposalRow(connectee_id=dana.id, connector_id=bob.id, **_proposal(at(7)))
        session.add_all([first, second])
        await session.flush()
        held = _meeting(first, at(9), "held")  # 7 days after Amal registered
        session.add_all(
            [held, _meeting(second, at(12), "no_show", "rescheduled"), _meeting(second, at(20), "held")]
        )  # Dana: 15 days
        await session.flush()
        asked = FollowUpRow(
            meeting_id=held.id,
            participant_id=bob.id,
            role="connector",
            kind="meeting",
            status="done",
            answers={"referred_count": 1},
            asked_at=at(10),
            answered_at=at(10),
            updated_at=at(10),
        )
        session.add(asked)
        await session.flush()
        session.add_all(
            [
                _referral(held, asked, bob, cara, at(15), "A"),
                _referral(held, asked, cara, eli, at(22), "B"),
                _referral(held, asked, bob, None, at(23), "C"),
            ]
        )
        session.add(
            FollowUpRow(
                meeting_id=held.id,
                participant_id=amal.id,
                role="connectee",
                kind="work_30",
                status="done",
                answers={"work": "employed_in_field", "helped": "yes"},
                asked_at=at(27),
                answered_at=at(28),
                updated_at=at(28),
            )
        )
        await session.commit()


def _proposal(created: datetime) -> dict[str, Any]:
    return {
        "status": "confirmed",
        "version": 1,
        "slots": [],
        "reasons": [],
        "created_at": created,
        "updated_at": created,
    }


def _meeting(match: ProposalRow, starts: datetime, outcome: str, status: str = "scheduled") -> MeetingRow:
    return MeetingRow(
        match_id=match.id,
        connectee_id=match.connectee_id,
        connector_id=match.connector_id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        mode="video",
        status=status,
        outcome=outcome,
        created_at=starts - timedelta(days=1),
        updated_at=starts,
    )


def _referral(
    meeting: MeetingRow,
    asked: FollowUpRow,
    by: ParticipantRow,
    registered: ParticipantRow | None,
    when: datetime,
    code: str,
) -> ReferralRow:
    return ReferralRow(
        meeting_id=meeting.id,
        follow_up_id=asked.id,
        connectee_id=meeting.connectee_id,
        connector_id=by.id,
        name="Someone",
        invite_code=code,
        registered_id=registered.id if registered else None,
        created_at=when,
    )


def row(report: Report, breakdown: str, group: str) -> dict[str, Any]:
    return next(figures for kind, name, figures in report.rows if (kind, name) == (breakdown, group))


@pytest.fixture
async def report(sessions: async_sessionmaker[AsyncSession]) -> Report:
    await seed(sessions)
    async with sessions() as session:
        return await monthly_report(session, NOVEMBER)


async def test_the_month_s_totals_are_what_happened_in_it(report: Report) -> None:
    assert row(report, "total", "") == {
        "connectees_registered": 2,  # Amal and Dana; Zed registered in October, Toronto time
        "connectors_registered": 3,
        "connectees_approved": 2,
        "connectors_approved": 3,
        "proposed": 2,
        "met_held": 2,
        "met_no_show": 1,
        "referrals": 3,
        "invited_registered": 2,  # Cara and Eli
        "jobs_30": 1,
        "jobs_90": 0,
        "median_days_to_first_meeting": 11.0,  # Amal 7 days, Dana 15
    }


async def test_figures_are_broken_down_by_the_newcomer_s_answers_and_language(report: Report) -> None:
    health = row(report, "sector", "health")
    assert (health["connectees_registered"], health["met_held"], health["jobs_30"]) == (1, 1, 1)
    assert health["median_days_to_first_meeting"] == 7.0
    other = row(report, "sector", "other: 3")
    assert (other["met_no_show"], other["median_days_to_first_meeting"]) == (1, 15.0)
    assert row(report, "sector", "")["connectors_registered"] == 3  # volunteers answer no single sector
    assert row(report, "community", "Waterloo")["proposed"] == 1
    assert row(report, "heard", "friend")["referrals"] == 3  # referred after Amal's meeting
    assert row(report, "language", "fr")["connectees_registered"] == 1


async def test_the_trend_has_twelve_months_and_october_has_zed(report: Report) -> None:
    months = [group for kind, group, _ in report.rows if kind == "month"]
    assert months == [f"{year}-{month:02d}" for year, month in [(2025, 12), *((2026, m) for m in range(1, 12))]]
    assert row(report, "month", "2026-10")["connectees_registered"] == 1
    assert row(report, "month", "2026-11") == row(report, "total", "")


async def test_the_chain_of_invitations_has_its_depth(report: Report) -> None:
    assert row(report, "invitation_depth", "1")["invited_registered"] == 1  # Cara, invited by Bob
    assert row(report, "invitation_depth", "2")["invited_registered"] == 1  # Eli, invited by Cara


async def test_every_row_has_every_figure(report: Report) -> None:
    assert all(list(figures) == [name for name, _ in FIGURES] for _, _, figures in report.rows)


def test_a_month_is_read_in_the_program_s_time_zone() -> None:
    month = Month.parse("2026-11", ZONE)
    assert (month.start, month.end) == (datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 12, 1, 5, tzinfo=UTC))
    for wrong in ("2026-13", "2026-1", "26-11", "2026/11", "２０２６-11"):
        with pytest.raises(ValueError):
            Month.parse(wrong, ZONE)


def test_groups_are_labelled_in_the_reader_s_language() -> None:
    t, program = Catalogs().translator("fr"), load_program()
    assert group_label(t, program, "sector", "health") == t.pgettext("sectors", "Health care") != "Health care"
    assert group_label(t, program, "sector", "other: 3") == "Autre : 3"
    assert group_label(t, program, "language", "ar") == "arabe"
    assert group_label(t, program, "community", "") == "Sans réponse"
    assert group_label(t, program, "total", "") == "Tous"
