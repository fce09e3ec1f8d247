"""The running bot's database as the tests look into it, SQLite file or PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text

from storage.database import open_engine, session_factory
from storage.tables import OutboxRow, ParticipantRow
from storage.unit_of_work import UnitOfWork


class Store:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    async def queue(self, messages: Iterable[tuple[int, str]], channel: str = "telegram") -> None:
        """Messages the program wrote (a digest, reminders), through the outbox as the bot writes them."""
        engine = open_engine(self.database_url)
        try:
            async with UnitOfWork(session_factory(engine)) as uow:
                now = datetime.now(UTC)
                for chat_id, words in messages:
                    await uow.outbox.add(channel, chat_id, [{"text": words}], now)
                await uow.commit()
        finally:
            await engine.dispose()

    async def rows(self, query: Any) -> list[Any]:
        engine = open_engine(self.database_url)
        try:
            async with session_factory(engine)() as session:
                return list((await session.execute(text(query) if isinstance(query, str) else query)).all())
        finally:
            await engine.dispose()

    async def count(self, table: str) -> int:
        return int((await self.rows(f"SELECT count(*) FROM {table}"))[0][0])

    async def outbox(self) -> dict[str, int]:
        """How many outgoing messages are in each state (pending, sent, dead)."""
        query = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
        return {status: count for status, count in await self.rows(query)}

    async def dead_reasons(self) -> set[str | None]:
        return {reason for (reason,) in await self.rows(select(OutboxRow.last_error).where(OutboxRow.status == "dead"))}

    async def unreachable(self) -> dict[int, datetime | None]:
        """Each participant's user id, and since when the bot cannot reach them."""
        query = select(ParticipantRow.user_id, ParticipantRow.unreachable_since)
        return {user_id: since for user_id, since in await self.rows(query)}
