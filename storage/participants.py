"""Registrations and their answers (handlers.core.ports.Participants), and the answers read in bulk."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from re import Pattern
from typing import Any, Final, cast

from sqlalchemy import ColumnElement, Row, Select, Text, bindparam, delete, func, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from handlers.core.model import Conversation, Participant, Role, Status
from storage import hot
from storage.core_tables import ANSWERS, PARTICIPANTS
from storage.database import insert_of
from storage.outbox import SqlOutbox
from storage.tables import AnswerRow, ConsentRow, ParticipantRow

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
        missed_meeting_at=bindparam("new_missed_meeting_at"),
        updated_at=bindparam("now"),
    )
)
_TOUCH: Final = (
    update(PARTICIPANTS).where(PARTICIPANTS.c.id == bindparam("participant_id")).values(updated_at=bindparam("now"))
)


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


def participant_columns(dialect: str) -> dict[str, ColumnElement[Any]]:
    """A participant's columns by name, and their answers (`answers_object`) as "answers"."""
    answers = select(answers_object(dialect)).where(ANSWERS.c.participant_id == PARTICIPANTS.c.id)
    return {column.key: column for column in PARTICIPANTS.c} | {"answers": answers.scalar_subquery()}


@cache
def _participant(dialect: str) -> Select[Any]:
    """A participant with their answers, in one statement (the answers as `answers_object`)."""
    columns = [column.label(name) for name, column in participant_columns(dialect).items()]
    return select(*columns).where(PARTICIPANTS.c.id == bindparam("participant_id"))


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
    if dialect == "postgresql":  # the participant touched in the same round trip (SQLite: `_TOUCH` after it)
        touched = update(PARTICIPANTS).where(PARTICIPANTS.c.id == bindparam("new_participant_id"))
        built = built.add_cte(touched.values(updated_at=bindparam("now")).cte("touched"))
    return built


class SqlParticipants:
    """Registrations and their answers (implements handlers.core.ports.Participants)."""

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

    async def get(self, participant_id: int, *, lock: bool = False) -> Participant | None:
        """The participant, or None when there is none or their personal data was erased.

        `lock`: their row locked first (on PostgreSQL; SQLite's one writer is a lock already) and read
        again, so that a decision made meanwhile by another transaction is seen, not made twice.
        """
        if lock:
            locking = select(PARTICIPANTS.c.id).where(PARTICIPANTS.c.id == participant_id).with_for_update()
            await self._session.execute(locking)
            cached = self._cache.pop(participant_id, None)
            fresh = await self.get(participant_id)
            if cached is not None and fresh is not None:  # the object the flow already holds, made current
                vars(cached).update(vars(fresh))
                self._cache[participant_id] = fresh = cached
            return fresh
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
        dialect = self._session.get_bind().dialect.name
        values = {"new_participant_id": participant.id, "new_key": key, "new_value": value, "now": now}
        await hot.run(self._session, _save_answer(dialect), values)
        if dialect == "postgresql":
            participant.updated_at = now  # touched by the same statement
        else:
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
            "new_missed_meeting_at": participant.missed_meeting_at,
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
        missed_meeting_at=row.missed_meeting_at,
    )


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
