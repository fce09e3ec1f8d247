"""Conversation state, loaded with a lock so that one person's updates are handled one at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any, Final

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Update

from handlers.core.model import Conversation, Participant, Role, Status, Step
from storage import hot
from storage.core_tables import CONVERSATIONS, PARTICIPANTS
from storage.database import insert_for
from storage.outbox import waiting_count
from storage.participants import answers_of, participant_columns, participant_from_row
from storage.tables import ConversationRow

_PERSON: Final = "person_"  # the participant's columns, beside the conversation's (`_locking`)


@cache
def _locking(dialect: str) -> Select[Any]:
    """The conversation, locked, with how many messages wait for the chat (`chat_id`, counted up to
    `most`) and, on PostgreSQL, the person's participant row and answers: one round trip where
    three were (the lock, the outbox's count, the participant). SQLite runs statements in-process
    and reads the participant only when a flow asks (not every update does)."""
    statement = (
        select(CONVERSATIONS, waiting_count().label("waiting"))
        .where(CONVERSATIONS.c.channel == bindparam("channel"), CONVERSATIONS.c.user_id == bindparam("user_id"))
        .with_for_update(of=CONVERSATIONS)
    )
    if dialect == "postgresql":
        person = [column.label(f"{_PERSON}{name}") for name, column in participant_columns(dialect).items()]
        joined = CONVERSATIONS.outerjoin(PARTICIPANTS, PARTICIPANTS.c.id == CONVERSATIONS.c.participant_id)
        statement = statement.add_columns(*person).select_from(joined)
    return statement


@dataclass(frozen=True)
class Locked:
    """A person's conversation, locked; how many messages wait for their chat; their participant
    (read with it on PostgreSQL, else None: read when asked)."""

    conversation: Conversation
    waiting: int
    participant: Participant | None


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


class SqlConversations:
    """Conversation state, loaded with a lock so one person's updates are handled one at a time."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self, channel: str, user_id: int, chat_id: int, now: datetime) -> Conversation:
        """The person's conversation, created on first contact, locked until the transaction ends."""
        return (await self.lock_counting(channel, user_id, chat_id, now, 0)).conversation

    async def lock_counting(self, channel: str, user_id: int, chat_id: int, now: datetime, most: int) -> Locked:
        """`lock`, with the messages waiting for `chat_id` counted up to `most`, and the participant
        where it comes in the same statement (`_locking`)."""
        statement = _locking(self._session.get_bind().dialect.name)
        key = {"channel": channel, "user_id": user_id, "chat_id": chat_id, "most": most}
        row = (await hot.run(self._session, statement, key)).one_or_none()
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
            row = (await hot.run(self._session, statement, key)).one()
        return Locked(_conversation(row), row.waiting, _participant(row))

    async def save(self, conversation: Conversation, now: datetime) -> None:
        await hot.run(self._session, *self.saving(conversation, now))

    def saving(self, conversation: Conversation, now: datetime) -> tuple[Update, dict[str, Any]]:
        """The statement that stores the conversation, and its parameters (`save`, or run with the
        update's replies: SqlOutbox.add's `first`)."""
        state: dict[str, Any] = {
            "question": conversation.question,
            "history": conversation.history,
            "pending": conversation.pending,
            "editing": conversation.editing,
            "paused_step": conversation.paused_step.value if conversation.paused_step else None,
        }
        if conversation.writing_to_team:
            state["writing_to_team"] = True
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
        return _SAVE_CONVERSATION, values

    async def standing(self, channel: str, user_id: int) -> tuple[Step, str | None]:
        """Where a person stands, read without a lock: their step and open question (the preview's
        script and the tests' drivers answer the question the bot is waiting on)."""
        row = (
            await self._session.execute(
                select(ConversationRow).where(ConversationRow.channel == channel, ConversationRow.user_id == user_id)
            )
        ).scalar_one()
        return Step(row.step), (row.state or {}).get("question")


def _conversation(row: Any) -> Conversation:
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
        writing_to_team=bool(state.get("writing_to_team", False)),
    )


def _participant(row: Any) -> Participant | None:
    """The participant read with the conversation (PostgreSQL), unless there is none or it was erased."""
    if getattr(row, f"{_PERSON}id", None) is None or getattr(row, f"{_PERSON}status") == Status.ERASED.value:
        return None
    fields = {key.removeprefix(_PERSON): value for key, value in row._asdict().items() if key.startswith(_PERSON)}
    answers = answers_of(fields.pop("answers"))
    return participant_from_row(SimpleNamespace(**fields), answers)  # type: ignore[arg-type]
