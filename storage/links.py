"""Account linking's codes and wrong tries, and the other door's conversation (implements
handlers.core.link_ports.Links)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.link_ports import Tries
from handlers.core.model import Conversation, Participant
from storage.conversations import SqlConversations
from storage.link_tables import LinkCodeRow, LinkTryRow
from storage.tables import ConversationRow, ParticipantRow


def code_hash(code: str) -> str:
    # Only the hash is stored: a leaked database hands out no live code.
    return hashlib.sha256(code.encode("ascii")).hexdigest()


class SqlLinks:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def keep_code(self, channel: str, user_id: int, code: str, now: datetime, expires_at: datetime) -> None:
        await self._drop_codes(channel, user_id)  # one live code a door: the newest
        self._session.add(
            LinkCodeRow(
                code_hash=code_hash(code), channel=channel, user_id=user_id, created_at=now, expires_at=expires_at
            )
        )
        await self._session.flush()

    async def wrong_tries(self, channel: str, user_id: int, since: datetime) -> Tries:
        mine = LinkTryRow.channel == channel, LinkTryRow.user_id == user_id
        counts = select(
            func.count().filter(*mine),
            func.count(),
        ).where(LinkTryRow.tried_at > since)
        row = (await self._session.execute(counts)).one()
        return Tries(mine=int(row[0]), everyone=int(row[1]))

    async def wrong_try(self, channel: str, user_id: int, now: datetime) -> None:
        self._session.add(LinkTryRow(channel=channel, user_id=user_id, tried_at=now))
        await self._session.flush()

    async def owner(self, code: str, now: datetime) -> tuple[str, int] | None:
        row = (
            await self._session.execute(
                select(LinkCodeRow.channel, LinkCodeRow.user_id)
                .where(LinkCodeRow.code_hash == code_hash(code), LinkCodeRow.expires_at > now)
                .with_for_update()
            )
        ).one_or_none()
        return None if row is None else (row.channel, row.user_id)

    async def use(self, code: str) -> None:
        await self._session.execute(delete(LinkCodeRow).where(LinkCodeRow.code_hash == code_hash(code)))

    async def conversation(self, channel: str, user_id: int, now: datetime) -> Conversation | None:
        there = await self._session.scalar(
            select(func.count())
            .select_from(ConversationRow)
            .where(ConversationRow.channel == channel, ConversationRow.user_id == user_id)
        )
        if not there:
            return None
        return await SqlConversations(self._session).lock(channel, user_id, 0, now)

    async def save(self, conversation: Conversation, now: datetime) -> None:
        await SqlConversations(self._session).save(conversation, now)

    async def move(self, participant: Participant, conversation: Conversation, now: datetime) -> None:
        participant.channel, participant.user_id, participant.chat_id = (
            conversation.channel,
            conversation.user_id,
            conversation.chat_id,
        )
        await self._session.execute(
            update(ParticipantRow)
            .where(ParticipantRow.id == participant.id)
            .values(channel=conversation.channel, user_id=conversation.user_id, chat_id=conversation.chat_id)
        )

    async def _drop_codes(self, channel: str, user_id: int) -> None:
        """A door's live code, if it has one."""
        await self._session.execute(
            delete(LinkCodeRow).where(LinkCodeRow.channel == channel, LinkCodeRow.user_id == user_id)
        )

    async def forget_door(self, channel: str, user_id: int) -> None:
        """Everything linking kept about a door: its live code and its wrong tries (erasure)."""
        await self._drop_codes(channel, user_id)
        await self._session.execute(
            delete(LinkTryRow).where(LinkTryRow.channel == channel, LinkTryRow.user_id == user_id)
        )
