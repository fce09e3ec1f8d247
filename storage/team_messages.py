"""What people wrote to the program's team and its answers (implements handlers.core.ports.TeamMessages)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.model import Conversation, TeamMessage
from storage.tables import TeamMessageRow


class SqlTeamMessages:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, conversation: Conversation, text: str, now: datetime) -> TeamMessage:
        row = TeamMessageRow(
            channel=conversation.channel,
            user_id=conversation.user_id,
            chat_id=conversation.chat_id,
            participant_id=conversation.participant_id,
            language=conversation.language or "",
            from_team=False,
            answers=None,
            text=text,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _message(row)

    async def get(self, message_id: int) -> TeamMessage | None:
        row = await self._session.get(TeamMessageRow, message_id)
        return _message(row) if row is not None and not row.from_team else None

    async def answered(self, message: TeamMessage, text: str, now: datetime) -> None:
        self._session.add(
            TeamMessageRow(
                channel=message.channel,
                user_id=message.user_id,
                chat_id=message.chat_id,
                participant_id=message.participant_id,
                language=message.language,
                from_team=True,
                answers=message.id,
                text=text,
                created_at=now,
            )
        )
        await self._session.flush()


def _message(row: TeamMessageRow) -> TeamMessage:
    return TeamMessage(
        row.id, row.channel, row.user_id, row.chat_id, row.participant_id, row.language, row.text, row.created_at
    )
