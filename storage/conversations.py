"""Conversation state, loaded with a lock so that one person's updates are handled one at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.model import Conversation, Role, Step
from storage import hot
from storage.core_tables import CONVERSATIONS
from storage.database import insert_for
from storage.tables import ConversationRow

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
            writing_to_team=bool(state.get("writing_to_team", False)),
        )

    async def save(self, conversation: Conversation, now: datetime) -> None:
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
        await hot.run(self._session, _SAVE_CONVERSATION, values)

    async def standing(self, channel: str, user_id: int) -> tuple[Step, str | None]:
        """Where a person stands, read without a lock: their step and open question (the preview's
        script and the tests' drivers answer the question the bot is waiting on)."""
        row = (
            await self._session.execute(
                select(ConversationRow).where(ConversationRow.channel == channel, ConversationRow.user_id == user_id)
            )
        ).scalar_one()
        return Step(row.step), (row.state or {}).get("question")
