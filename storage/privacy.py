"""A person's own records: all of them for /mydata, and their erasure (implements handlers.core.ports.PersonalData)."""

from __future__ import annotations

from datetime import datetime, timedelta
from re import Pattern
from typing import Any, Final

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.model import Erasure, FollowUpStatus, Status
from storage.coordinators import SqlCoordinatorRoster
from storage.links import SqlLinks
from storage.outbox import SqlOutbox
from storage.participants import SqlParticipants, naming
from storage.tables import (
    AnswerRow,
    Base,
    ChatWindowRow,
    ConsentRow,
    ConsentTextRow,
    ConversationRow,
    CoordinatorRow,
    FollowUpRow,
    IncomingUpdateRow,
    JobRow,
    LinkCodeRow,
    LinkTryRow,
    MeetingRow,
    OutboxRow,
    ParticipantRow,
    ProcessedUpdateRow,
    ProposalRow,
    ReferralRow,
    TeamMessageRow,
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
    "missed_meeting_at",
    "consent_version",
    "consent_language",
    "consented_at",
)

# How long what serves only delivery and bookkeeping is kept (docs/privacy.md, "Pruning").
# Telegram offers an unconfirmed update again for 24 hours at most: a week is far past any repeat.
UPDATE_IDS_KEPT: Final = timedelta(days=7)
# A chat's pace needs its last message's time for a second; the week is what /mydata counts.
MESSAGES_KEPT: Final = timedelta(days=7)
# Finished jobs and failed updates: a month to look into a failure.
JOBS_KEPT: Final = timedelta(days=30)
FAILED_UPDATES_KEPT: Final = timedelta(days=30)
# A chat with no registration (someone who looked, or stopped): its language and step.
IDLE_CHATS_KEPT: Final = timedelta(days=90)
# A wrong link code typed counts for an hour (handlers.intake.linking); a day is past any count.
LINK_TRIES_KEPT: Final = timedelta(days=1)
# A message to the team and its answer: a season is long past any conversation about it.
TEAM_MESSAGES_KEPT: Final = timedelta(days=90)


def _record(row: Base, names: tuple[str, ...] | None = None) -> dict[str, Any]:
    columns = names or tuple(column.key for column in row.__table__.columns)
    return {name: getattr(row, name) for name in columns}


class SqlPersonalData:
    def __init__(self, session: AsyncSession, participants: SqlParticipants, erased: set[int]) -> None:
        self._session = session
        self._participants = participants  # its cache must forget an erased person
        self._erased = erased  # the Telegram users erased in this transaction (UnitOfWork.commit checkpoints)

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
            "messages_with_the_team": [
                _record(row, ("id", "from_team", "answers", "text", "created_at"))
                for row in (
                    await self._session.execute(
                        select(TeamMessageRow)
                        .where(TeamMessageRow.channel == channel, TeamMessageRow.user_id == user_id)
                        .order_by(TeamMessageRow.id)
                    )
                ).scalars()
            ],
        }
        participant = (
            await self._session.get(ParticipantRow, participant_id, populate_existing=True) if participant_id else None
        )
        if participant is None or participant.status == Status.ERASED.value:
            return data
        pid = participant.id
        mine = or_(ProposalRow.connectee_id == pid, ProposalRow.connector_id == pid)
        data["registration"] = _record(participant, REGISTRATION)
        data["linked_accounts"] = [
            {"channel": door[0], "user_id": door[1]}
            for door in await self._doors(pid)
            if door[:2] != (channel, user_id)
        ]
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
        data["proposals"] = await self._rows(ProposalRow, mine, ProposalRow.id)
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

        Gone: their Telegram account, answers, typed follow-up answers, the names they gave of
        referred contacts, their chat state, the messages to them, those waiting to go to others
        that name them, their failed updates, a coordinator's access. Kept: role, language,
        dates, status history as "erased", consent versions, meeting outcomes and choice answers.
        Proposals and meetings under way are the flow's to cancel first (handlers.privacy.rights).
        """
        participant = await self._session.get(
            ParticipantRow, participant_id, with_for_update=True, populate_existing=True
        )
        if participant is None or participant.status == Status.ERASED.value:
            return
        channel, chat_id, user_id = participant.channel, participant.chat_id, participant.user_id
        person = await self._participants.get(participant_id)
        self._participants.forget(participant_id)
        # Every door of theirs: a person who linked two apps (handlers.intake.linking) has a chat on each.
        doors = {(channel, user_id, chat_id), *await self._doors(participant_id)}
        for door in sorted(doors):
            await self._forget(*door, naming(person) if person else None)
        await self._session.execute(delete(AnswerRow).where(AnswerRow.participant_id == participant_id))
        await self._session.execute(delete(ConversationRow).where(ConversationRow.participant_id == participant_id))
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
                missed_meeting_at=None,
                updated_at=now,
            )
        )
        await self._session.flush()

    async def _doors(self, participant_id: int) -> list[tuple[str, int, int]]:
        """The chats (channel, user, chat) that lead to this participant: two once they linked two apps."""
        rows = await self._session.execute(
            select(ConversationRow.channel, ConversationRow.user_id, ConversationRow.chat_id).where(
                ConversationRow.participant_id == participant_id
            )
        )
        return [(row.channel, row.user_id, row.chat_id) for row in rows]

    async def forget_chat(self, channel: str, user_id: int, chat_id: int) -> None:
        """What a chat kept without a registration (see `_forget`)."""
        await self._forget(channel, user_id, chat_id, None)

    async def _forget(self, channel: str, user_id: int, chat_id: int, naming_them: Pattern[str] | None) -> None:
        """What the chat kept, with or without a registration: its conversation, its messages with
        the team, the messages to it and those waiting to go to others that match `naming_them`, its
        updates set aside as failed (each holds the user's id), and a coordinator's access and
        digests. An update still to be handled is left: handling it removes it."""
        self._erased.add(user_id)
        await self._session.execute(
            delete(ConversationRow).where(ConversationRow.channel == channel, ConversationRow.user_id == user_id)
        )
        await self._session.execute(
            delete(TeamMessageRow).where(TeamMessageRow.channel == channel, TeamMessageRow.user_id == user_id)
        )
        await SqlOutbox(self._session).forget(channel, chat_id, naming_them)
        await self._session.execute(
            delete(ChatWindowRow).where(ChatWindowRow.channel == channel, ChatWindowRow.chat_id == chat_id)
        )
        await self._session.execute(
            delete(IncomingUpdateRow).where(
                IncomingUpdateRow.channel == channel,
                IncomingUpdateRow.user_id == user_id,
                IncomingUpdateRow.status == "failed",
            )
        )
        await SqlCoordinatorRoster(self._session).remove(channel, user_id)
        await SqlLinks(self._session).forget_door(channel, user_id)

    async def prune(self, now: datetime) -> dict[str, int]:
        """Drop what served only delivery and bookkeeping once old (the ages above); how many rows, by table."""
        statements = {
            "processed_updates": delete(ProcessedUpdateRow).where(
                ProcessedUpdateRow.processed_at < now - UPDATE_IDS_KEPT
            ),
            "outbox": delete(OutboxRow).where(
                OutboxRow.status.not_in(("pending", "held")),  # held: waits for the person, however long
                func.coalesce(OutboxRow.sent_at, OutboxRow.next_attempt_at) < now - MESSAGES_KEPT,
            ),
            "jobs": delete(JobRow).where(
                JobRow.status != "pending", func.coalesce(JobRow.done_at, JobRow.due_at) < now - JOBS_KEPT
            ),
            "incoming_updates": delete(IncomingUpdateRow).where(
                IncomingUpdateRow.status == "failed", IncomingUpdateRow.received_at < now - FAILED_UPDATES_KEPT
            ),
            "conversations": delete(ConversationRow).where(
                ConversationRow.participant_id.is_(None), ConversationRow.updated_at < now - IDLE_CHATS_KEPT
            ),
            "team_messages": delete(TeamMessageRow).where(TeamMessageRow.created_at < now - TEAM_MESSAGES_KEPT),
            "link_codes": delete(LinkCodeRow).where(LinkCodeRow.expires_at < now),
            "link_tries": delete(LinkTryRow).where(LinkTryRow.tried_at < now - LINK_TRIES_KEPT),
            # A window long closed is as good as none (storage.windows): its phone number is not kept.
            "chat_windows": delete(ChatWindowRow).where(ChatWindowRow.last_in_at < now - IDLE_CHATS_KEPT),
        }
        pruned = {}
        for table, statement in statements.items():
            result = await self._session.execute(statement)
            pruned[table] = int(getattr(result, "rowcount", 0) or 0)
        return pruned

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
