"""A person's own records: all of them for /mydata, and their erasure (implements handlers.ports.PersonalData)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.model import Erasure, FollowUpStatus, Status
from storage.coordinators import SqlCoordinators
from storage.repositories import SqlParticipants
from storage.tables import (
    AnswerRow,
    Base,
    ConsentRow,
    ConsentTextRow,
    ConversationRow,
    CoordinatorRow,
    FollowUpRow,
    MatchRow,
    MeetingRow,
    OutboxRow,
    ParticipantRow,
    ReferralRow,
)

# Follow-up answers that are choices from a fixed list, not words of the person's own: anonymous
# once the person is, and kept for the program's counts (meetings held, jobs found). Typed answers go.
COUNTED_ANSWERS: Final = frozenset(
    {"happened", "useful", "referral_count", "referred_count", "again", "work", "helped"}
)
REGISTRATION: Final = (
    "id",
    "role",
    "language",
    "status",
    "created_at",
    "submitted_at",
    "reviewed_at",
    "time_zone",
    "paused_until",
    "unmatched_since",
    "unreachable_since",
    "consent_version",
    "consent_language",
    "consented_at",
)


def _record(row: Base, names: tuple[str, ...] | None = None) -> dict[str, Any]:
    columns = names or tuple(column.key for column in row.__table__.columns)
    return {name: getattr(row, name) for name in columns}


class SqlPersonalData:
    def __init__(self, session: AsyncSession, participants: SqlParticipants) -> None:
        self._session = session
        self._participants = participants  # its cache must forget an erased person

    async def everything(self, channel: str, user_id: int, participant_id: int | None) -> dict[str, Any]:
        """Every record about this person: their chat, registration, answers, consents, proposals,
        meetings, follow-ups, the referrals they gave and the link they came by. Dates stay datetimes."""
        conversation = await self._session.get(ConversationRow, (channel, user_id))
        data: dict[str, Any] = {
            "account": {"channel": channel, "user_id": user_id},
            "conversation": None
            if conversation is None
            else _record(conversation, ("chat_id", "language", "step", "role", "state", "updated_at")),
            "coordinator_since": await self._session.scalar(
                select(CoordinatorRow.added_at).where(
                    CoordinatorRow.channel == channel, CoordinatorRow.user_id == user_id
                )
            ),
        }
        participant = (
            await self._session.get(ParticipantRow, participant_id, populate_existing=True) if participant_id else None
        )
        if participant is None or participant.status == Status.ERASED.value:
            return data
        pid = participant.id
        mine = or_(MatchRow.connectee_id == pid, MatchRow.connector_id == pid)
        data["registration"] = _record(participant, REGISTRATION)
        answers = await self._session.execute(
            select(AnswerRow.question_key, AnswerRow.value).where(AnswerRow.participant_id == pid)
        )
        data["answers"] = {key: value for key, value in answers}
        consents = await self._session.execute(
            select(ConsentRow, ConsentTextRow.text)
            .outerjoin(
                ConsentTextRow,
                (ConsentTextRow.version == ConsentRow.version) & (ConsentTextRow.role == participant.role),
            )
            .where(ConsentRow.participant_id == pid)
            .order_by(ConsentRow.id)
        )
        data["consents"] = [
            _record(row, ("version", "language", "agreed_at")) | {"text": text} for row, text in consents
        ]
        data["proposals"] = await self._rows(MatchRow, mine, MatchRow.id)
        data["meetings"] = await self._rows(
            MeetingRow, or_(MeetingRow.connectee_id == pid, MeetingRow.connector_id == pid), MeetingRow.id
        )
        data["follow_ups"] = await self._rows(FollowUpRow, FollowUpRow.participant_id == pid, FollowUpRow.id)
        data["referrals"] = [
            _record(row, ("id", "meeting_id", "name", "role", "organization", "created_at"))
            for row in (
                await self._session.execute(
                    select(ReferralRow).where(ReferralRow.connectee_id == pid).order_by(ReferralRow.id)
                )
            ).scalars()
        ]
        data["invited_through_referral"] = await self._session.scalar(
            select(ReferralRow.id).where(ReferralRow.registered_id == pid).limit(1)
        )
        data["messages_sent_to_you"] = await self._session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.channel == channel, OutboxRow.chat_id == participant.chat_id)
        )
        return data

    async def _rows(self, table: type[Base], where: ColumnElement[bool], order: Any) -> list[dict[str, Any]]:
        return [
            _record(row)
            for row in (
                await self._session.execute(
                    # as stored now, even if an object of this session was loaded before a Core update
                    select(table).where(where).order_by(order).execution_options(populate_existing=True)
                )
            ).scalars()
        ]

    async def erase(self, participant_id: int, reason: Erasure, now: datetime) -> None:
        """Erase the person's personal data; keep an anonymous record for the program's counts.

        Gone: their Telegram account, their coordinator access if they had one by invitation,
        answers, typed follow-up answers, the names they gave of referred contacts, their chat
        state and the messages to them. Kept: role, language,
        dates, status history as "erased", consent versions, meeting outcomes and choice answers.
        Proposals and meetings under way are the flow's to cancel first (handlers.privacy).
        """
        participant = await self._session.get(
            ParticipantRow, participant_id, with_for_update=True, populate_existing=True
        )
        if participant is None or participant.status == Status.ERASED.value:
            return
        channel, chat_id, user_id = participant.channel, participant.chat_id, participant.user_id
        self._participants.forget(participant_id)
        await self._session.execute(delete(AnswerRow).where(AnswerRow.participant_id == participant_id))
        await self._session.execute(
            delete(ConversationRow).where(
                or_(
                    ConversationRow.participant_id == participant_id,
                    (ConversationRow.channel == channel) & (ConversationRow.user_id == user_id),
                )
            )
        )
        await self._session.execute(delete(OutboxRow).where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id))
        await SqlCoordinators(self._session).remove(channel, user_id)  # a coordinator who leaves keeps no access
        follow_ups = (
            await self._session.execute(select(FollowUpRow).where(FollowUpRow.participant_id == participant_id))
        ).scalars()
        for follow_up in follow_ups:
            follow_up.answers = {key: value for key, value in follow_up.answers.items() if key in COUNTED_ANSWERS}
            if follow_up.status == FollowUpStatus.ASKED.value:
                follow_up.status, follow_up.step = FollowUpStatus.DONE.value, None
            follow_up.updated_at = now
        await self._session.execute(
            update(ReferralRow)
            .where(ReferralRow.connectee_id == participant_id)
            .values(name=None, role=None, organization=None, invitee_user_id=None)
        )
        await self._session.execute(
            update(ReferralRow).where(ReferralRow.registered_id == participant_id).values(invitee_user_id=None)
        )
        await self._session.execute(
            update(ParticipantRow)
            .where(ParticipantRow.id == participant_id)
            .values(
                user_id=0,
                chat_id=0,
                status=Status.ERASED.value,
                erased_at=now,
                erased_reason=reason.value,
                time_zone=None,
                paused_until=None,
                unmatched_since=None,
                unreachable_since=None,
                updated_at=now,
            )
        )
        await self._session.flush()

    async def inactive(self, before: datetime, limit: int) -> list[int]:
        """Participants, not yet erased, with no activity since `before` (registration or chat), oldest first."""
        last_seen = func.coalesce(func.max(ConversationRow.updated_at), ParticipantRow.updated_at)
        query = (
            select(ParticipantRow.id)
            .outerjoin(ConversationRow, ConversationRow.participant_id == ParticipantRow.id)
            .where(ParticipantRow.status != Status.ERASED.value, ParticipantRow.updated_at < before)
            .group_by(ParticipantRow.id, ParticipantRow.updated_at)
            .having(last_seen < before)
            .order_by(ParticipantRow.updated_at, ParticipantRow.id)
            .limit(limit)
        )
        return list((await self._session.execute(query)).scalars())

    async def erased(self, since: datetime) -> dict[Erasure, int]:
        """How many participants were erased since `since`, by reason."""
        rows = await self._session.execute(
            select(ParticipantRow.erased_reason, func.count())
            .where(ParticipantRow.erased_at >= since)
            .group_by(ParticipantRow.erased_reason)
        )
        return {Erasure(reason): int(count) for reason, count in rows if reason}
