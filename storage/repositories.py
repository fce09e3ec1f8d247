"""Repositories: one per record, each given the unit of work's session. None of them commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from handlers.model import Conversation, Participant, Role, Status, Step
from storage.database import insert_for
from storage.tables import (
    AnswerRow,
    ConsentRow,
    ConversationRow,
    OutboxRow,
    ParticipantRow,
    ProcessedUpdateRow,
    WorkerRow,
)
from storage.workers import SILENCE


class SqlParticipants:
    """Registrations and their answers (implements handlers.ports.Participants)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._cache: dict[int, Participant] = {}  # one load per update, however often a flow asks

    async def create(
        self, conversation: Conversation, *, role: Role, language: str, consent_version: str, now: datetime
    ) -> Participant:
        row = ParticipantRow(
            channel=conversation.channel,
            user_id=conversation.user_id,
            chat_id=conversation.chat_id,
            role=role.value,
            language=language,
            status=Status.IN_PROGRESS.value,
            consent_version=consent_version,
            consented_at=now,
            consent_language=language,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        self._session.add(ConsentRow(participant_id=row.id, version=consent_version, language=language, agreed_at=now))
        participant = participant_from_row(row, {})
        self._cache[participant.id] = participant
        return participant

    def remember(self, participant: Participant) -> Participant:
        """The one object this unit of work uses for that participant (already cached, or this one)."""
        return self._cache.setdefault(participant.id, participant)

    def forget(self, participant_id: int) -> None:
        """Drop a participant from this unit of work's cache (their row changed behind it)."""
        self._cache.pop(participant_id, None)

    async def get(self, participant_id: int) -> Participant | None:
        """The participant, or None when there is none or their personal data was erased."""
        if participant_id in self._cache:
            return self._cache[participant_id]
        row = await self._session.get(ParticipantRow, participant_id)
        if row is None or row.status == Status.ERASED.value:
            return None
        answers = await self._session.execute(
            select(AnswerRow.question_key, AnswerRow.value).where(AnswerRow.participant_id == participant_id)
        )
        participant = participant_from_row(row, {key: value for key, value in answers})
        self._cache[participant_id] = participant
        return participant

    async def save_answer(self, participant: Participant, key: str, value: Any, now: datetime) -> None:
        participant.answers[key] = value
        row = await self._session.get(AnswerRow, (participant.id, key))
        if row is None:
            self._session.add(AnswerRow(participant_id=participant.id, question_key=key, value=value, updated_at=now))
        else:
            row.value = value
            row.updated_at = now
        await self._touch(participant, now)

    async def forget_answer(self, participant: Participant, key: str, now: datetime) -> None:
        participant.answers.pop(key, None)
        await self._session.execute(
            delete(AnswerRow).where(AnswerRow.participant_id == participant.id, AnswerRow.question_key == key)
        )
        await self._touch(participant, now)

    async def update(self, participant: Participant, now: datetime) -> None:
        participant.updated_at = now
        await self._session.execute(
            update(ParticipantRow)
            .where(ParticipantRow.id == participant.id)
            .values(
                role=participant.role.value,
                language=participant.language,
                status=participant.status.value,
                submitted_at=participant.submitted_at,
                time_zone=participant.time_zone,
                reviewed_at=participant.reviewed_at,
                paused_until=participant.paused_until,
                unmatched_since=participant.unmatched_since,
                unreachable_since=participant.unreachable_since,
                updated_at=now,
            )
        )

    async def agree(self, participant: Participant, version: str, language: str, now: datetime) -> None:
        """They agreed to consent text `version`, shown in `language`; the earlier agreements stay on record."""
        participant.consent_version, participant.consent_language, participant.consented_at = version, language, now
        await self._session.execute(
            update(ParticipantRow)
            .where(ParticipantRow.id == participant.id)
            .values(consent_version=version, consent_language=language, consented_at=now, updated_at=now)
        )
        self._session.add(ConsentRow(participant_id=participant.id, version=version, language=language, agreed_at=now))

    async def mark_unreachable(self, channel: str, chat_id: int, now: datetime) -> None:
        """The channel says this chat blocked the bot (the first time counts)."""
        await self._session.execute(
            update(ParticipantRow)
            .where(
                ParticipantRow.channel == channel,
                ParticipantRow.chat_id == chat_id,
                ParticipantRow.unreachable_since.is_(None),
            )
            .values(unreachable_since=now)
        )

    async def delete(self, participant: Participant) -> None:
        self._cache.pop(participant.id, None)
        await self._session.execute(delete(AnswerRow).where(AnswerRow.participant_id == participant.id))
        await self._session.execute(delete(ParticipantRow).where(ParticipantRow.id == participant.id))

    async def _touch(self, participant: Participant, now: datetime) -> None:
        participant.updated_at = now
        await self._session.execute(
            update(ParticipantRow).where(ParticipantRow.id == participant.id).values(updated_at=now)
        )


def participant_from_row(row: ParticipantRow, answers: dict[str, Any]) -> Participant:
    return Participant(
        id=row.id,
        channel=row.channel,
        user_id=row.user_id,
        chat_id=row.chat_id,
        role=Role(row.role),
        language=row.language,
        status=Status(row.status),
        consent_version=row.consent_version,
        consented_at=row.consented_at,
        consent_language=row.consent_language,
        created_at=row.created_at,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
        answers=answers,
        time_zone=row.time_zone,
        reviewed_at=row.reviewed_at,
        paused_until=row.paused_until,
        unmatched_since=row.unmatched_since,
        unreachable_since=row.unreachable_since,
    )


class SqlConversations:
    """Conversation state, loaded with a lock so one person's updates are handled one at a time."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self, channel: str, user_id: int, chat_id: int, now: datetime) -> Conversation:
        """The person's conversation, created on first contact, locked until the transaction ends."""
        query = (
            select(ConversationRow)
            .where(ConversationRow.channel == channel, ConversationRow.user_id == user_id)
            .with_for_update()
        )
        row = (await self._session.execute(query)).scalar_one_or_none()
        if row is None:
            # Two first messages at once must not both create the row: let the database decide.
            insert = insert_for(self._session)
            await self._session.execute(
                insert(ConversationRow)
                .values(
                    channel=channel, user_id=user_id, chat_id=chat_id, step=Step.IDLE.value, state={}, updated_at=now
                )
                .on_conflict_do_nothing()
            )
            row = (await self._session.execute(query)).scalar_one()
        state = row.state or {}
        return Conversation(
            channel=row.channel,
            user_id=row.user_id,
            chat_id=row.chat_id,
            language=row.language,
            step=Step(row.step),
            role=Role(row.role) if row.role else None,
            participant_id=row.participant_id,
            question=state.get("question"),
            history=list(state.get("history", [])),
            pending=list(state.get("pending", [])),
            editing=bool(state.get("editing", False)),
            paused_step=Step(state["paused_step"]) if state.get("paused_step") else None,
        )

    async def save(self, conversation: Conversation, now: datetime) -> None:
        state: dict[str, Any] = {
            "question": conversation.question,
            "history": conversation.history,
            "pending": conversation.pending,
            "editing": conversation.editing,
            "paused_step": conversation.paused_step.value if conversation.paused_step else None,
        }
        await self._session.execute(
            update(ConversationRow)
            .where(ConversationRow.channel == conversation.channel, ConversationRow.user_id == conversation.user_id)
            .values(
                chat_id=conversation.chat_id,
                language=conversation.language,
                step=conversation.step.value,
                role=conversation.role.value if conversation.role else None,
                participant_id=conversation.participant_id,
                state=state,
                updated_at=now,
            )
        )


class SqlProcessedUpdates:
    """Which updates were handled already (checked under the person's conversation lock)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(self, channel: str, update_id: int) -> bool:
        return await self._session.get(ProcessedUpdateRow, (channel, update_id)) is not None

    async def remember(self, channel: str, update_id: int, now: datetime) -> None:
        self._session.add(ProcessedUpdateRow(channel=channel, update_id=update_id, processed_at=now))


class SqlOutbox:
    """Outgoing messages: written with the update, sent after the commit, retried until done."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, channel: str, chat_id: int, payloads: list[dict[str, Any]], now: datetime) -> list[int]:
        rows = [
            OutboxRow(
                channel=channel,
                chat_id=chat_id,
                payload=payload,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            for payload in payloads
        ]
        self._session.add_all(rows)
        await self._session.flush()
        return [row.id for row in rows]

    async def claim(
        self,
        channel: str,
        now: datetime,
        lease_until: datetime,
        limit: int,
        chat_ids: list[int] | None = None,
        *,
        worker: str | None = None,
        per_chat: int | None = None,
    ) -> list[OutboxRow]:
        """Due messages, oldest first, leased to this sender until `lease_until`.

        A chat's messages are taken only from its oldest pending one on, so each chat reads its
        messages in the order they were written, even with several senders: while an older one
        waits (for a retry, or in another sender's hands, even one locked but not yet committed by
        it) the later ones stay. The lease, not a transaction held open during the HTTP call,
        keeps other senders off; a message whose `worker` stopped being seen is taken over at
        once, otherwise when the lease runs out. `per_chat` caps a chat's share of the batch,
        so that what is taken can be sent at one a second before the lease ends.
        """
        older = aliased(OutboxRow)
        taken_over = and_(
            OutboxRow.claimed_by.is_not(None),
            ~exists().where(WorkerRow.id == OutboxRow.claimed_by, WorkerRow.seen_at > now - SILENCE),
        )
        query = (
            select(OutboxRow)
            .where(
                OutboxRow.channel == channel,
                OutboxRow.status == "pending",
                or_(OutboxRow.next_attempt_at <= now, taken_over),
                ~exists().where(
                    older.chat_id == OutboxRow.chat_id,
                    older.status == "pending",
                    older.id < OutboxRow.id,
                    older.next_attempt_at > now,
                ),
            )
            .order_by(OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=OutboxRow)
        )
        if chat_ids is not None:
            query = query.where(OutboxRow.chat_id.in_(chat_ids))
        rows = await self._in_order(channel, list((await self._session.execute(query)).scalars()), per_chat)
        for row in rows:
            row.next_attempt_at = lease_until
            row.attempts += 1
            row.claimed_by = worker
        await self._session.flush()
        return rows

    async def _in_order(self, channel: str, rows: list[OutboxRow], per_chat: int | None) -> list[OutboxRow]:
        """Of the rows locked, each chat's longest run that starts at its oldest pending message."""
        if not rows:
            return rows
        mine = {row.id for row in rows}
        pending = await self._session.execute(
            select(OutboxRow.chat_id, OutboxRow.id)
            .where(
                OutboxRow.channel == channel,
                OutboxRow.status == "pending",
                OutboxRow.chat_id.in_({row.chat_id for row in rows}),
                OutboxRow.id <= max(mine),
            )
            .order_by(OutboxRow.id)
        )
        taken: dict[int, int] = {}
        stopped: set[int] = set()
        allowed: set[int] = set()
        for chat_id, outbox_id in pending:
            if chat_id in stopped:
                continue
            if outbox_id not in mine or (per_chat is not None and taken.get(chat_id, 0) >= per_chat):
                stopped.add(chat_id)
                continue
            taken[chat_id] = taken.get(chat_id, 0) + 1
            allowed.add(outbox_id)
        return [row for row in rows if row.id in allowed]

    async def last_sent(self, channel: str, chat_ids: set[int], since: datetime) -> dict[int, datetime]:
        """When each of these chats last got a message (from any worker), if after `since`."""
        if not chat_ids:
            return {}
        query = (
            select(OutboxRow.chat_id, func.max(OutboxRow.sent_at))
            .where(
                OutboxRow.channel == channel,
                OutboxRow.chat_id.in_(chat_ids),
                OutboxRow.status == "sent",
                OutboxRow.sent_at > since,
            )
            .group_by(OutboxRow.chat_id)
        )
        return {chat_id: sent_at for chat_id, sent_at in await self._session.execute(query) if sent_at is not None}

    async def release(self, outbox_ids: list[int], now: datetime) -> None:
        """Claimed but not tried (the lease was running out): due again at once, for any sender."""
        if outbox_ids:
            await self._session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(outbox_ids))
                .values(next_attempt_at=now, claimed_by=None, attempts=OutboxRow.attempts - 1)
            )

    async def pending(self, channel: str, now: datetime) -> tuple[int, datetime | None]:
        """How many messages wait to be sent, and since when the oldest of them is due."""
        query = select(func.count(), func.min(OutboxRow.created_at)).where(
            OutboxRow.channel == channel, OutboxRow.status == "pending"
        )
        count, oldest = (await self._session.execute(query)).one()
        return int(count), oldest

    async def mark_sent(self, outbox_id: int, now: datetime) -> None:
        await self._session.execute(
            update(OutboxRow).where(OutboxRow.id == outbox_id).values(status="sent", sent_at=now, last_error=None)
        )

    async def mark_retry(self, outbox_id: int, error: str, next_attempt_at: datetime) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(last_error=error[:500], next_attempt_at=next_attempt_at, claimed_by=None)
        )

    async def mark_dead(self, outbox_id: int, error: str) -> None:
        await self._session.execute(
            update(OutboxRow).where(OutboxRow.id == outbox_id).values(status="dead", last_error=error[:500])
        )

    async def mark_chat_dead(self, channel: str, chat_id: int, error: str) -> None:
        """Everything still pending for a chat that can no longer be reached."""
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id, OutboxRow.status == "pending")
            .values(status="dead", last_error=error[:500])
        )
