"""Repositories: one per record, each given the unit of work's session. None of them commits."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from re import Pattern
from typing import Any, Final, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    Text,
    bindparam,
    case,
    delete,
    func,
    select,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from handlers.model import Conversation, Participant, Role, Status, Step
from storage import hot, outbox_claim
from storage.database import insert_for, insert_of, unindexed
from storage.outbox_claim import waiting
from storage.tables import (
    AnswerRow,
    ConsentRow,
    ConversationRow,
    OutboxRow,
    ParticipantRow,
    ProcessedUpdateRow,
)
from storage.workers import SILENCE

# What every update runs is a plain Core statement on the table, built once: building an ORM
# statement and running it through the ORM costs several times what SQLite takes to run it.
# (Participants, conversations and outbox rows are read as plain rows everywhere, so no ORM object
# of theirs in a session goes stale; storage.privacy loads a participant with populate_existing.)
PARTICIPANTS: Final = cast(Table, ParticipantRow.__table__)
ANSWERS: Final = cast(Table, AnswerRow.__table__)
CONVERSATIONS: Final = cast(Table, ConversationRow.__table__)
PROCESSED: Final = cast(Table, ProcessedUpdateRow.__table__)
OUTBOX: Final = cast(Table, OutboxRow.__table__)
_UPDATE_PARTICIPANT: Final = (
    update(PARTICIPANTS)
    .where(PARTICIPANTS.c.id == bindparam("participant_id"))
    .values(
        role=bindparam("new_role"),
        language=bindparam("new_language"),
        status=bindparam("new_status"),
        submitted_at=bindparam("new_submitted_at"),
        time_zone=bindparam("new_time_zone"),
        reviewed_at=bindparam("new_reviewed_at"),
        paused_until=bindparam("new_paused_until"),
        unmatched_since=bindparam("new_unmatched_since"),
        unreachable_since=bindparam("new_unreachable_since"),
        updated_at=bindparam("now"),
    )
)
_TOUCH: Final = (
    update(PARTICIPANTS).where(PARTICIPANTS.c.id == bindparam("participant_id")).values(updated_at=bindparam("now"))
)
_CONVERSATION: Final = (
    select(CONVERSATIONS)
    .where(CONVERSATIONS.c.channel == bindparam("channel"), CONVERSATIONS.c.user_id == bindparam("user_id"))
    .with_for_update()
)
_SAVE_CONVERSATION: Final = (
    update(CONVERSATIONS)
    .where(CONVERSATIONS.c.channel == bindparam("of_channel"), CONVERSATIONS.c.user_id == bindparam("of_user_id"))
    .values(
        chat_id=bindparam("new_chat_id"),
        language=bindparam("new_language"),
        step=bindparam("new_step"),
        role=bindparam("new_role"),
        participant_id=bindparam("new_participant_id"),
        state=bindparam("new_state"),
        updated_at=bindparam("now"),
    )
)
_ADD_OUTBOX: Final = (
    OUTBOX.insert()
    .values(
        channel=bindparam("new_channel"),
        chat_id=bindparam("new_chat_id"),
        payload=bindparam("new_payload"),
        attachment=bindparam("new_attachment"),
        farewell=bindparam("new_farewell"),
        status="pending",
        attempts=0,
        next_attempt_at=bindparam("due"),  # one name per column: PostgreSQL's batched insert needs it
        created_at=bindparam("now"),
    )
    .returning(OUTBOX.c.id)
)
# Delivered or given up, a message keeps only what delivery needs: its chat (a farewell's not even
# that), status, times and error. Its words and file were personal data of whoever it named.
_FORGOTTEN: Final[dict[str, Any]] = {
    "payload": {},
    "attachment": None,
    "chat_id": case((OUTBOX.c.farewell, 0), else_=OUTBOX.c.chat_id),
}
_MARK_ALL_SENT: Final = (
    update(OUTBOX)
    .where(OUTBOX.c.id.in_(bindparam("outbox_ids", expanding=True)))
    .values(status="sent", sent_at=bindparam("now"), last_error=None, **_FORGOTTEN)
)
_WAITING: Final = select(func.count()).select_from(
    select(OUTBOX.c.id)
    .where(OUTBOX.c.channel == bindparam("channel"), OUTBOX.c.chat_id == bindparam("chat_id"), waiting(OUTBOX))
    .limit(bindparam("most"))
    .subquery()
)
_LEASE: Final = (
    update(OUTBOX)
    .where(OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    .values(next_attempt_at=bindparam("lease_until"), attempts=OUTBOX.c.attempts + 1, claimed_by=bindparam("worker"))
)
_LAST_SENT: Final = (
    select(OUTBOX.c.chat_id, func.max(OUTBOX.c.sent_at))
    .where(
        OUTBOX.c.channel == bindparam("channel"),
        OUTBOX.c.chat_id.in_(bindparam("chat_ids", expanding=True)),
        unindexed(OUTBOX.c.status) == "sent",  # these chats' few messages, not every message ever sent
        OUTBOX.c.sent_at > bindparam("since"),
    )
    .group_by(OUTBOX.c.chat_id)
)


def _unbroken(picked: dict[int, list[int]], locked: dict[int, Any]) -> list[ClaimedMessage]:
    """Of each chat's run picked, the part locked without a gap (the rest waits behind a message
    another sender holds, or one sent or changed meanwhile), oldest first."""
    claimed: list[ClaimedMessage] = []
    for run in picked.values():
        for outbox_id in run:
            row = locked.get(outbox_id)
            if row is None:
                break
            claimed.append(ClaimedMessage(row.id, row.chat_id, _given(row.payload, row.attachment), row.attempts))
    return sorted(claimed, key=lambda message: message.id)


@dataclass(frozen=True)
class ClaimedMessage:
    """An outbox message leased to one sender; `attempts` counts this one."""

    id: int
    chat_id: int
    payload: dict[str, Any]
    attempts: int


def answers_object(dialect: str) -> ColumnElement[Any]:
    """A participant's answers gathered by the database as one JSON object (GROUP BY participant_id).

    One row and one json.loads per participant instead of one per answer: what bulk reads (a
    sweep, an export) spend most of their time on otherwise. Read it with `answers_of`.
    """
    if dialect == "postgresql":
        return type_coerce(func.json_object_agg(ANSWERS.c.question_key, ANSWERS.c.value), Text)
    # On SQLite the object is put together from the stored JSON texts as they are: json_group_object
    # would parse every answer again, a third of an export's time in the database.
    stored = func.coalesce(type_coerce(ANSWERS.c.value, Text), "null")
    pair = func.json_quote(ANSWERS.c.question_key) + ":" + stored
    return type_coerce("{" + func.coalesce(func.group_concat(pair, ","), "") + "}", Text)


def answers_of(gathered: str | dict[str, Any] | None) -> dict[str, Any]:
    """The answers an `answers_object` column holds (asyncpg hands it over decoded already; None when
    PostgreSQL gathered no answer at all)."""
    if gathered is None:
        return {}
    return gathered if isinstance(gathered, dict) else dict(json.loads(gathered))


def answers_of_each(gathered: Sequence[str | dict[str, Any] | None]) -> list[dict[str, Any]]:
    """`answers_of` for many participants' `answers_object` columns at once.

    Texts (SQLite's) are decoded in one json.loads of them all, as one JSON array: a call per
    participant cost more in Python than the decoding itself (0.6 s of 1.2 s for 95,000 of them).
    """
    if all(type(stored) is str for stored in gathered):
        return cast(list[dict[str, Any]], json.loads("[" + ",".join(cast(Sequence[str], gathered)) + "]"))
    return [answers_of(stored) for stored in gathered]


def answers_by_participant(rows: Sequence[Sequence[Any]]) -> dict[int, dict[str, Any]]:
    """Rows of (participant_id, `answers_object`) as each participant's answers (`answers_of_each`)."""
    return dict(zip([row[0] for row in rows], answers_of_each([row[1] for row in rows]), strict=True))


@cache
def _participant(dialect: str) -> Select[Any]:
    """A participant with their answers, in one statement (the answers as `answers_object`)."""
    answers = select(answers_object(dialect)).where(ANSWERS.c.participant_id == PARTICIPANTS.c.id)
    return select(PARTICIPANTS, answers.scalar_subquery().label("answers")).where(
        PARTICIPANTS.c.id == bindparam("participant_id")
    )


@cache
def _first_time(dialect: str) -> Insert:
    insert = insert_of(dialect)
    values: dict[str, Any] = {
        "channel": bindparam("new_channel"),
        "update_id": bindparam("new_update_id"),
        "processed_at": bindparam("now"),
    }
    built: Insert = insert(PROCESSED).values(**values).on_conflict_do_nothing().returning(PROCESSED.c.update_id)
    return built


@cache
def _save_answer(dialect: str) -> Insert:
    """Insert or replace one answer: one statement instead of a read and then a write."""
    insert = insert_of(dialect)
    statement = insert(ANSWERS).values(
        participant_id=bindparam("new_participant_id"),
        question_key=bindparam("new_key"),
        value=bindparam("new_value"),
        updated_at=bindparam("now"),
    )
    built: Insert = statement.on_conflict_do_update(
        index_elements=[ANSWERS.c.participant_id, ANSWERS.c.question_key],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
    )
    return built


class SqlParticipants:
    """Registrations and their answers (implements handlers.ports.Participants)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._cache: dict[int, Participant] = {}  # one load per update, however often a flow asks

    async def create(
        self,
        conversation: Conversation,
        *,
        role: Role,
        language: str,
        consent_version: str,
        now: datetime,
        consent_language: str | None = None,
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
            consent_language=consent_language or language,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        self._session.add(
            ConsentRow(participant_id=row.id, version=consent_version, language=row.consent_language, agreed_at=now)
        )
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
        statement = _participant(self._session.get_bind().dialect.name)
        row = (await hot.run(self._session, statement, {"participant_id": participant_id})).one_or_none()
        if row is None or row.status == Status.ERASED.value:
            return None
        participant = participant_from_row(row, answers_of(row.answers))
        self._cache[participant_id] = participant
        return participant

    async def save_answer(self, participant: Participant, key: str, value: Any, now: datetime) -> None:
        participant.answers[key] = value
        statement = _save_answer(self._session.get_bind().dialect.name)
        values = {"new_participant_id": participant.id, "new_key": key, "new_value": value, "now": now}
        await hot.run(self._session, statement, values)
        await self._touch(participant, now)

    async def forget_answer(self, participant: Participant, key: str, now: datetime) -> None:
        participant.answers.pop(key, None)
        await self._session.execute(
            delete(AnswerRow).where(AnswerRow.participant_id == participant.id, AnswerRow.question_key == key)
        )
        await self._touch(participant, now)

    async def update(self, participant: Participant, now: datetime) -> None:
        participant.updated_at = now
        values = {
            "participant_id": participant.id,
            "new_role": participant.role.value,
            "new_language": participant.language,
            "new_status": participant.status.value,
            "new_submitted_at": participant.submitted_at,
            "new_time_zone": participant.time_zone,
            "new_reviewed_at": participant.reviewed_at,
            "new_paused_until": participant.paused_until,
            "new_unmatched_since": participant.unmatched_since,
            "new_unreachable_since": participant.unreachable_since,
            "now": now,
        }
        await hot.run(self._session, _UPDATE_PARTICIPANT, values)

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
        """A registration given up (/cancel, "Start over"): gone with every message that showed it."""
        self._cache.pop(participant.id, None)
        await SqlOutbox(self._session).forget(participant.channel, participant.chat_id, naming(participant))
        await self._session.execute(delete(AnswerRow).where(AnswerRow.participant_id == participant.id))
        await self._session.execute(delete(ParticipantRow).where(ParticipantRow.id == participant.id))

    async def _touch(self, participant: Participant, now: datetime) -> None:
        participant.updated_at = now
        await hot.run(self._session, _TOUCH, {"participant_id": participant.id, "now": now})


def participant_from_row(row: ParticipantRow | Row[Any], answers: dict[str, Any]) -> Participant:
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
        key = {"channel": channel, "user_id": user_id}
        row = (await hot.run(self._session, _CONVERSATION, key)).one_or_none()
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
            row = (await hot.run(self._session, _CONVERSATION, key)).one()
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
        values = {
            "of_channel": conversation.channel,
            "of_user_id": conversation.user_id,
            "new_chat_id": conversation.chat_id,
            "new_language": conversation.language,
            "new_step": conversation.step.value,
            "new_role": conversation.role.value if conversation.role else None,
            "new_participant_id": conversation.participant_id,
            "new_state": state,
            "now": now,
        }
        await hot.run(self._session, _SAVE_CONVERSATION, values)


class SqlProcessedUpdates:
    """Which updates were handled already (checked under the person's conversation lock)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def first_time(self, channel: str, update_id: int, now: datetime) -> bool:
        """Remember the update as handled; False when it was already (nothing is written then).

        Rolled back with the transaction if handling it fails, so it is tried again.
        """
        return update_id in await self.first_times(channel, [update_id], now)

    async def first_times(self, channel: str, update_ids: list[int], now: datetime) -> set[int]:
        """`first_time` for updates handled together, in one statement: those seen for the first time."""
        statement = _first_time(self._session.get_bind().dialect.name)
        rows = [{"new_channel": channel, "new_update_id": update_id, "now": now} for update_id in update_ids]
        return set((await hot.run(self._session, statement, rows)).scalars())


def _stored(payload: dict[str, Any]) -> dict[str, Any]:
    """An outbox row's payload, attachment and farewell mark: a document's content (bytes) taken out
    of the JSON, and the mark into its column."""
    farewell = bool(payload.get("farewell", False))
    payload = {key: value for key, value in payload.items() if key != "farewell"}
    document = payload.get("document")
    if document is None:
        return {"new_payload": payload, "new_attachment": None, "new_farewell": farewell}
    described = {key: value for key, value in document.items() if key != "content"}
    return {
        "new_payload": payload | {"document": described},
        "new_attachment": document["content"],
        "new_farewell": farewell,
    }


def _given(payload: dict[str, Any], attachment: bytes | None) -> dict[str, Any]:
    """The payload as it was added: the document's content put back."""
    if attachment is None:
        return payload
    return payload | {"document": payload["document"] | {"content": attachment}}


# The answers that say who someone is. Others (an occupation, a sector) are shared by many people:
# matching them would drop messages about someone else.
IDENTIFYING: Final = ("name", "email", "phone")


def naming(participant: Participant) -> Pattern[str] | None:
    """What names this participant in a message: their first and full name and e-mail as whole
    words, their phone number however it is laid out; None when they gave none of these."""
    given = [str(participant.answers.get(key) or "").strip() for key in IDENTIFYING]
    words = {word for word in (participant.first_name, *given[:2]) if len(word) > 1}
    patterns = [rf"(?<!\w){re.escape(word)}(?!\w)" for word in sorted(words)]
    digits = re.sub(r"\D", "", given[2])
    if len(digits) > 4:
        patterns.append(r"[\s().-]*".join(digits))  # +15195550111 is shown as +1 519-555-0111
    return re.compile("|".join(patterns), re.IGNORECASE) if patterns else None


def _words_of(payload: dict[str, Any], attachment: bytes | None) -> str:
    """A message's words: its text, buttons, keyboard, and a document's name, caption and content
    (a calendar file names the other person too)."""
    document = payload.get("document") or {}
    buttons = [label for row in payload.get("buttons", []) for label, _ in row]
    parts = [payload.get("text", ""), *buttons, *payload.get("keyboard", [])]
    parts += [document.get("filename", ""), document.get("caption", ""), (attachment or b"").decode(errors="replace")]
    return "\n".join(str(part) for part in parts)


class SqlOutbox:
    """Outgoing messages: written with the update, sent after the commit, retried until done."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, channel: str, chat_id: int, payloads: list[dict[str, Any]], now: datetime) -> list[int]:
        if not payloads:
            return []
        rows = [
            {"new_channel": channel, "new_chat_id": chat_id, "due": now, "now": now} | _stored(payload)
            for payload in payloads
        ]
        return (await hot.run(self._session, _ADD_OUTBOX, rows)).scalars()

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
    ) -> list[ClaimedMessage]:
        """Due messages, oldest first, leased to this sender until `lease_until`.

        A chat's messages are taken only from its oldest pending one on, so each chat reads its
        messages in the order they were written, even with several senders: while an older one
        waits (for a retry, or in another sender's hands, even one locked but not yet committed by
        it) the later ones stay. The lease, not a transaction held open during the HTTP call,
        keeps other senders off; a message whose `worker` stopped being seen is taken over at
        once, otherwise when the lease runs out. `per_chat` caps a chat's share of the batch,
        so that what is taken can be sent at one a second before the lease ends.
        """
        dialect = self._session.get_bind().dialect.name
        values: dict[str, Any] = {"channel": channel, "now": now, "alive_since": now - SILENCE}
        most = per_chat or limit
        values |= {"per_chat": most} if dialect == "postgresql" else {"per_chat_less_one": most - 1}
        if chat_ids is not None:
            if not chat_ids:
                return []
            values["chats"] = list(chat_ids) if dialect == "postgresql" else json.dumps(list(chat_ids))
        found = await hot.run(self._session, outbox_claim.heads(dialect, chat_ids is not None), values)
        picked = outbox_claim.runs(found.all(), limit)
        if not picked:
            return []
        ids = [outbox_id for run in picked.values() for outbox_id in run]
        locked = await hot.run(self._session, outbox_claim.LOCK, values | {"ids": ids})
        rows = _unbroken(picked, {row.id: row for row in locked})
        if rows:
            leased = {"ids": [row.id for row in rows], "lease_until": lease_until, "worker": worker}
            await hot.run(self._session, _LEASE, leased)
        return [replace(row, attempts=row.attempts + 1) for row in rows]

    async def waiting(self, channel: str, chat_id: int, most: int) -> int:
        """How many messages wait to be sent to this chat, counted up to `most` (ix_outbox_waiting)."""
        counted = await hot.run(self._session, _WAITING, {"channel": channel, "chat_id": chat_id, "most": most})
        return int(counted.one()[0])

    async def last_sent(self, channel: str, chat_ids: set[int], since: datetime) -> dict[int, datetime]:
        """When each of these chats last got a message (from any worker), if after `since`."""
        if not chat_ids:
            return {}
        chats = {"channel": channel, "chat_ids": list(chat_ids), "since": since}
        found = await hot.run(self._session, _LAST_SENT, chats)
        return {chat_id: sent_at for chat_id, sent_at in found if sent_at is not None}

    async def forget(self, channel: str, chat_id: int, words: Pattern[str] | None) -> None:
        """Every message to this chat, and those to others not yet sent whose words match `words`
        (`naming`). Sent ones keep no words already; unsent ones are few, waiting for a slow chat."""
        await self._session.execute(delete(OutboxRow).where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id))
        if words is None:
            return
        waiting = await self._session.execute(
            select(OutboxRow.id, OutboxRow.payload, OutboxRow.attachment).where(
                OutboxRow.channel == channel, OutboxRow.status == "pending"
            )
        )
        naming_them = [outbox_id for outbox_id, payload, file in waiting if words.search(_words_of(payload, file))]
        if naming_them:
            await self._session.execute(delete(OutboxRow).where(OutboxRow.id.in_(naming_them)))

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

    async def mark_all_sent(self, outbox_ids: list[int], now: datetime) -> None:
        await hot.run(self._session, _MARK_ALL_SENT, {"outbox_ids": outbox_ids, "now": now})

    async def mark_retry(self, outbox_id: int, error: str, next_attempt_at: datetime) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(last_error=error[:500], next_attempt_at=next_attempt_at, claimed_by=None)
        )

    async def mark_dead(self, outbox_id: int, error: str) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(status="dead", last_error=error[:500], **_FORGOTTEN)
        )

    async def mark_chat_dead(self, channel: str, chat_id: int, error: str) -> None:
        """Everything still pending for a chat that can no longer be reached."""
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id, OutboxRow.status == "pending")
            .values(status="dead", last_error=error[:500], **_FORGOTTEN)
        )
