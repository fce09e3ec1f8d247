"""What coordinators read: the digest's figures and /find (implements handlers.core.ports.Reports).

Every figure is one query whatever the number of records; the lists are capped, since a
digest is read on a phone.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, and_, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.ids import database_id
from handlers.core.model import FollowUpStatus, MeetingOutcome, MeetingStatus, Participant, Role, Status
from handlers.core.ports import DigestFigures, DigestWindow, Funnel, HeldMessages
from storage.database import inserted
from storage.follow_ups import follow_up_from_row
from storage.matchmaking import OPEN, TAKEN, SqlMatchmaking, match_from_row, meeting_from_row
from storage.participants import SqlParticipants
from storage.tables import (
    AnswerRow,
    FollowUpRow,
    MeetingRow,
    ParticipantRow,
    ProposalRow,
    ReferralRow,
    WaitingDayRow,
)
from storage.windows import SqlWindows

LISTED = 10  # at most this many names under each heading
SEARCHED = ("name", "occupation", "job_title", "organization", "email", "phone")
WORK = ("employed_in_field", "employed_outside_field")


class SqlReports:
    def __init__(self, session: AsyncSession, participants: SqlParticipants, matchmaking: SqlMatchmaking) -> None:
        self._session = session
        self._participants = participants
        self._matchmaking = matchmaking

    async def _count(self, query: Select[Any]) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(query.subquery())) or 0)

    async def _first(self, table: Any, where: Any, order: Any) -> tuple[list[Any], int]:
        """The first LISTED rows in `order` (then by id), and how many rows there are in all."""
        query = select(table).where(where).order_by(order, table.id).limit(LISTED)
        # As stored now: participants and matches are updated with Core statements elsewhere, which
        # would leave an object this session loaded before stale.
        rows = list((await self._session.execute(query.execution_options(populate_existing=True))).scalars())
        return rows, await self._count(select(table.id).where(where))

    async def digest(self, window: DigestWindow) -> DigestFigures:
        registered = {
            Role(role): int(count)
            for role, count in await self._session.execute(
                select(ParticipantRow.role, func.count())
                .where(ParticipantRow.submitted_at >= window.since, ParticipantRow.submitted_at <= window.now)
                .group_by(ParticipantRow.role)
            )
        }
        stale, stale_count = await self._first(
            ProposalRow,
            and_(ProposalRow.status.in_(OPEN), ProposalRow.updated_at < window.stale_before),
            ProposalRow.updated_at,
        )
        soon, soon_count = await self._first(
            MeetingRow,
            and_(
                MeetingRow.status == MeetingStatus.SCHEDULED.value,
                MeetingRow.starts_at >= window.now,
                MeetingRow.starts_at < window.soon_until,
            ),
            MeetingRow.starts_at,
        )
        overdue, overdue_count = await self._first(
            FollowUpRow,
            and_(
                FollowUpRow.status == FollowUpStatus.ASKED.value,
                FollowUpRow.nudged_at.is_not(None),
                FollowUpRow.nudged_at < window.overdue_before,
            ),
            FollowUpRow.asked_at,
        )
        unreachable_rows, unreachable_count = await self._first(
            ParticipantRow, ParticipantRow.unreachable_since.is_not(None), ParticipantRow.unreachable_since
        )
        review_rows, review_count = await self._first(
            ParticipantRow, ParticipantRow.status == Status.SUBMITTED.value, ParticipantRow.submitted_at
        )
        (waiting_rows, waiting_count), (missed_rows, missed_count) = await self._waiting(window)
        listed = [*unreachable_rows, *waiting_rows, *missed_rows, *review_rows]
        ids = _pairs(stale) | _pairs(soon) | {row.participant_id for row in overdue} | {row.id for row in listed}
        people = {person.id: person for person in await self._people(ids)}
        outcomes = await self._outcomes(window)
        return DigestFigures(
            registered=registered,
            waiting_review=review_count,
            review_waiting=_named(people, review_rows),
            unanswered_proposals=[
                (match_from_row(row), people[row.connectee_id], people[row.connector_id]) for row in stale
            ],
            unanswered_count=stale_count,
            meetings_soon=[(meeting_from_row(row), people[row.connectee_id], people[row.connector_id]) for row in soon],
            soon_count=soon_count,
            overdue_follow_ups=[(follow_up_from_row(row), people[row.participant_id]) for row in overdue],
            overdue_count=overdue_count,
            waiting_connectees=await self._count(
                select(ParticipantRow.id).where(
                    ParticipantRow.role == Role.CONNECTEE.value,
                    ParticipantRow.status == Status.APPROVED.value,
                    ParticipantRow.unmatched_since.is_not(None),
                )
            ),
            meetings_held=outcomes[MeetingOutcome.HELD.value],
            no_shows=outcomes[MeetingOutcome.NO_SHOW.value],
            referrals=await self._count(
                select(ReferralRow.id).where(
                    ReferralRow.created_at >= window.since, ReferralRow.created_at <= window.now
                )
            ),
            jobs=await self._jobs(window),
            unreachable=_named(people, unreachable_rows),
            unreachable_count=unreachable_count,
            long_waiting=_named(people, waiting_rows),
            long_waiting_count=waiting_count,
            missed_meeting=_named(people, missed_rows),
            missed_meeting_count=missed_count,
        )

    async def _waiting(self, window: DigestWindow) -> tuple[tuple[list[Any], int], tuple[list[Any], int]]:
        """Approved connectees waiting for a connector since before `waiting_before` (with no proposal
        under way), and those held after a missed meeting: the first few of each, and how many."""
        approved = and_(
            ParticipantRow.role == Role.CONNECTEE.value,
            ParticipantRow.status == Status.APPROVED.value,
        )
        busy = select(ProposalRow.connectee_id).where(ProposalRow.status.in_(TAKEN))
        waiting = await self._first(
            ParticipantRow,
            and_(
                approved,
                ParticipantRow.unmatched_since < window.waiting_before,
                ParticipantRow.missed_meeting_at.is_(None),
                ParticipantRow.unreachable_since.is_(None),  # listed with those the bot cannot reach
                ParticipantRow.id.not_in(busy),
            ),
            ParticipantRow.unmatched_since,
        )
        missed = await self._first(
            ParticipantRow,
            and_(approved, ParticipantRow.missed_meeting_at.is_not(None)),
            ParticipantRow.missed_meeting_at,
        )
        return waiting, missed

    async def _people(self, ids: set[int]) -> list[Participant]:
        if not ids:
            return []
        return await self._matchmaking.load(select(ParticipantRow).where(ParticipantRow.id.in_(ids)))

    async def _outcomes(self, window: DigestWindow) -> dict[str, int]:
        """Meetings whose outcome was reported in the period (the first follow-up answer sets it)."""
        counts = {outcome.value: 0 for outcome in MeetingOutcome}
        for outcome, count in await self._session.execute(
            select(MeetingRow.outcome, func.count())
            .where(
                MeetingRow.outcome.is_not(None),
                MeetingRow.outcome_at >= window.since,
                MeetingRow.outcome_at <= window.now,
            )
            .group_by(MeetingRow.outcome)
        ):
            counts[str(outcome)] = int(count)
        return counts

    async def _jobs(self, window: DigestWindow) -> int:
        """Connectees who reported work in the period."""
        return int(await self._session.scalar(_found_work(window.since, window.now)) or 0)

    async def funnel(self, since: datetime, until: datetime) -> Funnel:
        """One query: each step a count of distinct newcomers, by the moment the step was taken."""

        def people(column: Any, *where: Any) -> Any:
            return select(func.count(func.distinct(column))).where(*where).scalar_subquery()

        newcomer = ParticipantRow.role == Role.CONNECTEE.value
        steps = select(
            people(ParticipantRow.id, newcomer, ParticipantRow.submitted_at.between(since, until)),
            people(
                ParticipantRow.id,
                newcomer,
                ParticipantRow.status == Status.APPROVED.value,
                ParticipantRow.reviewed_at.between(since, until),
            ),
            people(ProposalRow.connectee_id, ProposalRow.created_at.between(since, until)),
            people(
                MeetingRow.connectee_id,
                MeetingRow.outcome == MeetingOutcome.HELD.value,
                MeetingRow.starts_at.between(since, until),
            ),
            people(ReferralRow.connectee_id, ReferralRow.created_at.between(since, until)),
            _found_work(since, until).scalar_subquery(),
        )
        counts = (await self._session.execute(steps)).one()
        return Funnel(*(int(count or 0) for count in counts))

    async def waiting_days(self, day: str, waiting: int, first: str) -> list[tuple[str, int]]:
        if not await inserted(self._session, WaitingDayRow(day=day, waiting=waiting)):
            await self._session.execute(update(WaitingDayRow).where(WaitingDayRow.day == day).values(waiting=waiting))
        kept = select(WaitingDayRow.day, WaitingDayRow.waiting).where(WaitingDayRow.day.between(first, day))
        return [
            (str(when), int(count)) for when, count in await self._session.execute(kept.order_by(WaitingDayRow.day))
        ]

    async def held(self) -> HeldMessages:
        people, by_template = await SqlWindows(self._session).held()
        return HeldMessages(people, dict(by_template))

    async def find(self, text: str, limit: int) -> list[Participant]:
        needle = text.strip().lstrip("#")
        number = database_id(needle)
        by_id = ParticipantRow.id == number if number is not None else None
        # Answers are stored as JSON text, where non-ASCII letters may be \uXXXX escapes: search both forms,
        # as typed and case-folded (the database lowers only ASCII letters everywhere).
        forms = {needle, needle.casefold()}
        forms |= {json.dumps(form)[1:-1] for form in forms}
        stored = func.lower(cast(AnswerRow.value, String))
        matching = select(AnswerRow.participant_id).where(
            AnswerRow.question_key.in_(SEARCHED),
            or_(*(stored.like(_contains(form.lower()), escape="!") for form in forms)),
        )
        where = or_(ParticipantRow.id.in_(matching), by_id) if by_id is not None else ParticipantRow.id.in_(matching)
        return await self._matchmaking.load(
            select(ParticipantRow)
            .where(and_(where, ParticipantRow.status != Status.IN_PROGRESS.value))
            .order_by(ParticipantRow.id)
            .limit(limit)
        )


def _found_work(since: datetime, until: datetime) -> Select[Any]:
    """How many participants said in a work follow-up answered in the period that they found work."""
    return select(func.count(func.distinct(FollowUpRow.participant_id))).where(
        FollowUpRow.kind.like("work_%"),
        FollowUpRow.answered_at.between(since, until),
        FollowUpRow.answers["work"].as_string().in_(WORK),
    )


def _pairs(rows: list[Any]) -> set[int]:
    """The connectees and connectors of these proposals or meetings."""
    return {person for row in rows for person in (row.connectee_id, row.connector_id)}


def _named(people: dict[int, Participant], rows: list[Any]) -> list[Participant]:
    return [people[row.id] for row in rows]


def _contains(text: str) -> str:
    """A LIKE pattern for `text` anywhere, with LIKE's own characters taken literally."""
    return "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
