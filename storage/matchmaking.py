"""Applications, proposals, slot holds and meetings (implements handlers.core.ports.Matchmaking)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Final

from sqlalchemy import Row, Select, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from handlers.core.model import (
    Meeting,
    MeetingOutcome,
    MeetingStatus,
    Participant,
    Proposal,
    ProposalStatus,
    Role,
    Status,
)
from handlers.core.ports import ConnectorRecord
from storage.core_tables import ANSWERS, MATCHES, PARTICIPANTS, SLOT_HOLDS
from storage.database import insert_of, inserted
from storage.participants import SqlParticipants, answers_by_participant, answers_object, participant_from_row
from storage.tables import ConversationRow, MeetingRow, ParticipantRow, ProposalRow, SlotHoldRow

# Proposals are read as plain rows (proposal, current_proposals), so a Core update leaves no ORM object stale.
_SAVE_PROPOSAL: Final = (
    update(MATCHES)
    .where(MATCHES.c.id == bindparam("match_id"))
    .values(
        status=bindparam("new_status"),
        version=bindparam("new_version"),
        slots=bindparam("new_slots"),
        slot=bindparam("new_slot"),
        asked_by=bindparam("new_asked_by"),
        reasons=bindparam("new_reasons"),
        ended_by=bindparam("new_ended_by"),
        updated_at=bindparam("now"),
    )
)
# A sweep makes hundreds of proposals: their statements are built once, not once each.
_CREATE_PROPOSAL: Final = (
    MATCHES.insert()
    .values(
        connectee_id=bindparam("new_connectee_id"),
        connector_id=bindparam("new_connector_id"),
        status=ProposalStatus.OFFERED.value,
        version=1,
        slots=[],
        reasons=bindparam("new_reasons"),
        created_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .returning(*MATCHES.c)
)


@cache
def _hold(dialect: str) -> Insert:
    """Slots held for a proposal, many rows in one statement; returns the starts it could hold."""
    insert = insert_of(dialect)
    statement = insert(SLOT_HOLDS).values(
        match_id=bindparam("new_match_id"),
        connector_id=bindparam("new_connector_id"),
        starts_at=bindparam("new_starts_at"),
        ends_at=bindparam("new_ends_at"),
    )
    built: Insert = statement.on_conflict_do_nothing().returning(SLOT_HOLDS.c.starts_at)
    return built


IDS_PER_QUERY = 500  # ids in one IN (…): well under what SQLite and PostgreSQL take
# A sweep's answers are read for thousands at a time: fewer round trips, and still well under
# SQLite's 32,766 bound parameters.
IDS_PER_ANSWERS_QUERY = 5000
OPEN = (ProposalStatus.OFFERED.value, ProposalStatus.PROPOSED.value)
TAKEN = (*OPEN, ProposalStatus.CONFIRMED.value)  # counts against a connector's capacity


class SqlMatchmaking:
    def __init__(self, session: AsyncSession, participants: SqlParticipants) -> None:
        self._session = session
        self._participants = participants

    async def load(self, query: Select[ParticipantRow]) -> list[Participant]:
        """Participants with their answers: one query for them, one per 5,000 for their answers; never an erased one.

        Read as plain rows of the tables: a sweep loads thousands, and ORM objects cost several
        times as much (and nothing here needs them).
        """
        plain = query.where(ParticipantRow.status != Status.ERASED.value).with_only_columns(*PARTICIPANTS.c)
        rows = (await self._session.execute(plain)).all()
        answers: dict[int, dict[str, Any]] = defaultdict(dict)
        ids = [row.id for row in rows]
        gathered = (
            select(ANSWERS.c.participant_id, answers_object(self._session.get_bind().dialect.name))
            .where(ANSWERS.c.participant_id.in_(bindparam("ids", expanding=True)))
            .group_by(ANSWERS.c.participant_id)
        )
        for start in range(0, len(ids), IDS_PER_ANSWERS_QUERY):
            found = await self._session.execute(gathered, {"ids": ids[start : start + IDS_PER_ANSWERS_QUERY]})
            answers.update(answers_by_participant(found.all()))
        return [self._participants.remember(participant_from_row(row, answers[row.id])) for row in rows]

    async def applications(self, limit: int) -> tuple[list[Participant], int]:
        submitted = ParticipantRow.status == Status.SUBMITTED.value
        count = await self._session.scalar(select(func.count()).select_from(ParticipantRow).where(submitted))
        people = await self.load(
            select(ParticipantRow)
            .where(submitted)
            .order_by(ParticipantRow.submitted_at, ParticipantRow.id)
            .limit(limit)
        )
        return people, int(count or 0)

    async def waiting_connectees(
        self, limit: int, now: datetime, *, after: tuple[datetime, int] | None = None
    ) -> list[Participant]:
        busy = select(ProposalRow.connectee_id).where(ProposalRow.status.in_(TAKEN))
        query = select(ParticipantRow).where(
            ParticipantRow.role == Role.CONNECTEE.value,
            ParticipantRow.status == Status.APPROVED.value,
            ParticipantRow.id.not_in(busy),
            ParticipantRow.unreachable_since.is_(None),
            ParticipantRow.missed_meeting_at.is_(None),
            or_(ParticipantRow.paused_until.is_(None), ParticipantRow.paused_until <= now),
        )
        if after is not None:
            reviewed, last = after
            query = query.where(
                or_(
                    ParticipantRow.reviewed_at > reviewed,
                    and_(ParticipantRow.reviewed_at == reviewed, ParticipantRow.id > last),
                )
            )
        return await self.load(query.order_by(ParticipantRow.reviewed_at, ParticipantRow.id).limit(limit))

    async def connectors_for(
        self, connectee_id: int, month_start: datetime, now: datetime, *, only: int | None = None
    ) -> list[ConnectorRecord]:
        records = await self._connectors(month_start, now, only)
        if not records:
            return []
        met = set(
            (
                await self._session.execute(
                    select(ProposalRow.connector_id).where(ProposalRow.connectee_id == connectee_id)
                )
            ).scalars()
        )
        return [replace(record, met_before=record.participant.id in met) for record in records]

    async def connectors(self, month_start: datetime, now: datetime) -> list[ConnectorRecord]:
        return await self._connectors(month_start, now, None)

    async def proposed_before(self, connectee_ids: list[int]) -> dict[int, set[int]]:
        proposed: dict[int, set[int]] = defaultdict(set)
        for start in range(0, len(connectee_ids), IDS_PER_QUERY):
            chunk = connectee_ids[start : start + IDS_PER_QUERY]
            pairs = await self._session.execute(
                select(ProposalRow.connectee_id, ProposalRow.connector_id).where(ProposalRow.connectee_id.in_(chunk))
            )
            for connectee_id, connector_id in pairs:
                proposed[connectee_id].add(connector_id)
        return dict(proposed)

    async def _connectors(self, month_start: datetime, now: datetime, only: int | None) -> list[ConnectorRecord]:
        approved = select(ParticipantRow).where(
            ParticipantRow.role == Role.CONNECTOR.value,
            ParticipantRow.status == Status.APPROVED.value,
            ParticipantRow.unreachable_since.is_(None),
        )
        if only is not None:
            approved = approved.where(ParticipantRow.id == only)
        connectors = await self.load(approved.order_by(ParticipantRow.id))
        if not connectors:
            return []
        ids = [person.id for person in connectors]
        used = await self._pairs(
            select(ProposalRow.connector_id, func.count())
            .where(
                ProposalRow.connector_id.in_(ids), ProposalRow.status.in_(TAKEN), ProposalRow.created_at >= month_start
            )
            .group_by(ProposalRow.connector_id)
        )
        last = await self._pairs(
            select(ProposalRow.connector_id, func.max(ProposalRow.created_at))
            .where(ProposalRow.connector_id.in_(ids))
            .group_by(ProposalRow.connector_id)
        )
        busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        holds = select(SlotHoldRow.connector_id, SlotHoldRow.starts_at, SlotHoldRow.ends_at).where(
            SlotHoldRow.connector_id.in_(ids), SlotHoldRow.ends_at > now
        )
        meetings = select(MeetingRow.connector_id, MeetingRow.starts_at, MeetingRow.ends_at).where(
            MeetingRow.connector_id.in_(ids),
            MeetingRow.status == MeetingStatus.SCHEDULED.value,
            MeetingRow.ends_at > now,
        )
        for query in (holds, meetings):
            for connector_id, start, end in await self._session.execute(query):
                busy[connector_id].append((start, end))
        return [
            ConnectorRecord(
                participant=person,
                used_this_month=int(used.get(person.id, 0)),
                last_matched_at=last.get(person.id),
                met_before=False,
                busy=busy[person.id],
            )
            for person in connectors
        ]

    async def _pairs(self, query: Select[Any, Any]) -> dict[Any, Any]:
        return {key: value for key, value in await self._session.execute(query)}

    async def create_proposal(
        self, connectee_id: int, connector_id: int, reasons: list[str], now: datetime
    ) -> Proposal:
        values = {"new_connectee_id": connectee_id, "new_connector_id": connector_id, "new_reasons": reasons}
        row = (await self._session.execute(_CREATE_PROPOSAL, values | {"now": now})).one()
        return match_from_row(row)

    async def proposal(self, match_id: int, *, lock: bool = False) -> Proposal | None:
        query = select(MATCHES).where(MATCHES.c.id == match_id)
        row = (await self._session.execute(query.with_for_update() if lock else query)).one_or_none()
        return match_from_row(row) if row else None

    async def save_proposal(self, proposal: Proposal, now: datetime) -> None:
        proposal.updated_at = now
        values = {
            "match_id": proposal.id,
            "new_status": proposal.status.value,
            "new_version": proposal.version,
            "new_slots": [start.isoformat() for start in proposal.slots],
            "new_slot": proposal.slot,
            "new_asked_by": proposal.asked_by.value if proposal.asked_by else None,
            "new_reasons": proposal.reasons,
            "new_ended_by": proposal.ended_by.value if proposal.ended_by else None,
            "now": now,
        }
        await self._session.execute(_SAVE_PROPOSAL, values)

    async def current_proposals(self, participant_id: int, role: Role) -> list[Proposal]:
        side = MATCHES.c.connectee_id if role is Role.CONNECTEE else MATCHES.c.connector_id
        rows = await self._session.execute(
            select(MATCHES).where(side == participant_id, MATCHES.c.status.in_(TAKEN)).order_by(MATCHES.c.id.desc())
        )
        return [match_from_row(row) for row in rows]

    async def hold(self, proposal: Proposal, starts: list[datetime], minutes: int) -> list[datetime]:
        if not starts:
            return []
        # One statement for them all; the key skips a slot another proposal holds, and only that one.
        rows = [
            {
                "new_match_id": proposal.id,
                "new_connector_id": proposal.connector_id,
                "new_starts_at": start,
                "new_ends_at": start + timedelta(minutes=minutes),
            }
            for start in starts
        ]
        statement = _hold(self._session.get_bind().dialect.name)
        taken = set((await self._session.execute(statement, rows)).scalars())
        return [start for start in starts if start in taken]

    async def release(self, match_id: int) -> None:
        await self._session.execute(delete(SlotHoldRow).where(SlotHoldRow.match_id == match_id))

    async def book(
        self, proposal: Proposal, start: datetime, end: datetime, mode: str, now: datetime
    ) -> Meeting | None:
        row = MeetingRow(
            match_id=proposal.id,
            connectee_id=proposal.connectee_id,
            connector_id=proposal.connector_id,
            starts_at=start,
            ends_at=end,
            mode=mode,
            status=MeetingStatus.SCHEDULED.value,
            created_at=now,
            updated_at=now,
        )
        return meeting_from_row(row) if await inserted(self._session, row) else None

    async def meeting(self, meeting_id: int, *, lock: bool = False) -> Meeting | None:
        query = select(MeetingRow).where(MeetingRow.id == meeting_id)
        row = (await self._session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
        return meeting_from_row(row) if row else None

    async def scheduled_meeting(self, match_id: int) -> Meeting | None:
        row = (
            await self._session.execute(
                select(MeetingRow).where(
                    MeetingRow.match_id == match_id, MeetingRow.status == MeetingStatus.SCHEDULED.value
                )
            )
        ).scalar_one_or_none()
        return meeting_from_row(row) if row else None

    async def save_meeting(self, meeting: Meeting, now: datetime) -> None:
        await self._session.execute(
            update(MeetingRow)
            .where(MeetingRow.id == meeting.id)
            .values(
                status=meeting.status.value,
                outcome=meeting.outcome.value if meeting.outcome else None,
                absent_id=meeting.absent_id,
                # Set once, as the outcome is: a later change (a new time, a cancel) leaves it.
                outcome_at=func.coalesce(MeetingRow.outcome_at, now) if meeting.outcome else None,
                updated_at=now,
            )
        )

    async def language_of(self, channel: str, user_id: int) -> str | None:
        language: str | None = await self._session.scalar(
            select(ConversationRow.language).where(
                and_(ConversationRow.channel == channel, ConversationRow.user_id == user_id)
            )
        )
        return language

    async def time_zone_of(self, channel: str, user_id: int) -> str | None:
        zone: str | None = await self._session.scalar(
            select(ParticipantRow.time_zone)
            .join(ConversationRow, ConversationRow.participant_id == ParticipantRow.id)
            .where(ConversationRow.channel == channel, ConversationRow.user_id == user_id)
        )
        return zone


def match_from_row(row: ProposalRow | Row[Any]) -> Proposal:
    return Proposal(
        id=row.id,
        connectee_id=row.connectee_id,
        connector_id=row.connector_id,
        status=ProposalStatus(row.status),
        slots=[datetime.fromisoformat(start) for start in row.slots],
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        slot=row.slot,
        asked_by=Role(row.asked_by) if row.asked_by else None,
        reasons=list(row.reasons),
        ended_by=Role(row.ended_by) if row.ended_by else None,
    )


def meeting_from_row(row: MeetingRow) -> Meeting:
    return Meeting(
        id=row.id,
        match_id=row.match_id,
        connectee_id=row.connectee_id,
        connector_id=row.connector_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        mode=row.mode,
        status=MeetingStatus(row.status),
        outcome=MeetingOutcome(row.outcome) if row.outcome else None,
        absent_id=row.absent_id,
    )
