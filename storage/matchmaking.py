"""Applications, proposals, slot holds and meetings (implements handlers.ports.Matchmaking)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.model import Match, MatchStatus, Meeting, MeetingOutcome, MeetingStatus, Participant, Role, Status
from handlers.ports import ConnectorRecord
from storage.database import inserted
from storage.repositories import SqlParticipants, participant_from_row
from storage.tables import AnswerRow, ConversationRow, MatchRow, MeetingRow, ParticipantRow, SlotHoldRow

OPEN = (MatchStatus.OFFERED.value, MatchStatus.PROPOSED.value)
TAKEN = (*OPEN, MatchStatus.CONFIRMED.value)  # counts against a connector's capacity


class SqlMatchmaking:
    def __init__(self, session: AsyncSession, participants: SqlParticipants) -> None:
        self._session = session
        self._participants = participants

    async def load(self, query: Select[ParticipantRow]) -> list[Participant]:
        """Participants with their answers in two queries, however many there are; never an erased one."""
        rows = list((await self._session.execute(query.where(ParticipantRow.status != Status.ERASED.value))).scalars())
        answers: dict[int, dict[str, Any]] = defaultdict(dict)
        if rows:
            found = await self._session.execute(
                select(AnswerRow.participant_id, AnswerRow.question_key, AnswerRow.value).where(
                    AnswerRow.participant_id.in_([row.id for row in rows])
                )
            )
            for participant_id, key, value in found:
                answers[participant_id][key] = value
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

    async def waiting_connectees(self, limit: int, now: datetime) -> list[Participant]:
        busy = select(MatchRow.connectee_id).where(MatchRow.status.in_(TAKEN))
        return await self.load(
            select(ParticipantRow)
            .where(
                ParticipantRow.role == Role.CONNECTEE.value,
                ParticipantRow.status == Status.APPROVED.value,
                ParticipantRow.id.not_in(busy),
                ParticipantRow.unreachable_since.is_(None),
                or_(ParticipantRow.paused_until.is_(None), ParticipantRow.paused_until <= now),
            )
            .order_by(ParticipantRow.reviewed_at, ParticipantRow.id)
            .limit(limit)
        )

    async def connectors_for(
        self, connectee_id: int, month_start: datetime, now: datetime, *, only: int | None = None
    ) -> list[ConnectorRecord]:
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
            select(MatchRow.connector_id, func.count())
            .where(MatchRow.connector_id.in_(ids), MatchRow.status.in_(TAKEN), MatchRow.created_at >= month_start)
            .group_by(MatchRow.connector_id)
        )
        last = await self._pairs(
            select(MatchRow.connector_id, func.max(MatchRow.created_at))
            .where(MatchRow.connector_id.in_(ids))
            .group_by(MatchRow.connector_id)
        )
        met = set(
            (
                await self._session.execute(select(MatchRow.connector_id).where(MatchRow.connectee_id == connectee_id))
            ).scalars()
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
                met_before=person.id in met,
                busy=busy[person.id],
            )
            for person in connectors
        ]

    async def _pairs(self, query: Select[Any, Any]) -> dict[Any, Any]:
        return {key: value for key, value in await self._session.execute(query)}

    async def create_match(self, connectee_id: int, connector_id: int, reasons: list[str], now: datetime) -> Match:
        row = MatchRow(
            connectee_id=connectee_id,
            connector_id=connector_id,
            status=MatchStatus.OFFERED.value,
            version=1,
            slots=[],
            reasons=reasons,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return match_from_row(row)

    async def match(self, match_id: int, *, lock: bool = False) -> Match | None:
        query = select(MatchRow).where(MatchRow.id == match_id)
        row = (await self._session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
        return match_from_row(row) if row else None

    async def save_match(self, match: Match, now: datetime) -> None:
        match.updated_at = now
        await self._session.execute(
            update(MatchRow)
            .where(MatchRow.id == match.id)
            .values(
                status=match.status.value,
                version=match.version,
                slots=[start.isoformat() for start in match.slots],
                slot=match.slot,
                asked_by=match.asked_by.value if match.asked_by else None,
                reasons=match.reasons,
                ended_by=match.ended_by.value if match.ended_by else None,
                updated_at=now,
            )
        )

    async def current_match(self, participant_id: int, role: Role) -> list[Match]:
        side = MatchRow.connectee_id if role is Role.CONNECTEE else MatchRow.connector_id
        rows = await self._session.execute(
            select(MatchRow).where(side == participant_id, MatchRow.status.in_(TAKEN)).order_by(MatchRow.id.desc())
        )
        return [match_from_row(row) for row in rows.scalars()]

    async def hold(self, match: Match, starts: list[datetime], minutes: int) -> list[datetime]:
        held = []
        for start in starts:
            # A savepoint per slot: a slot another proposal holds fails alone, not the update.
            hold = SlotHoldRow(
                connector_id=match.connector_id,
                starts_at=start,
                ends_at=start + timedelta(minutes=minutes),
                match_id=match.id,
            )
            if await inserted(self._session, hold):
                held.append(start)
        return held

    async def release(self, match_id: int) -> None:
        await self._session.execute(delete(SlotHoldRow).where(SlotHoldRow.match_id == match_id))

    async def book(self, match: Match, start: datetime, end: datetime, mode: str, now: datetime) -> Meeting | None:
        row = MeetingRow(
            match_id=match.id,
            connectee_id=match.connectee_id,
            connector_id=match.connector_id,
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


def match_from_row(row: MatchRow) -> Match:
    return Match(
        id=row.id,
        connectee_id=row.connectee_id,
        connector_id=row.connector_id,
        status=MatchStatus(row.status),
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
