"""The running bot's database as the tests look into it, SQLite file or PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import func, select, text

from bot.app import declared_capabilities
from bot.catalogs import LOCALES, Catalogs
from bot.runtime import Runtime, queue
from handlers.core.events import Outgoing
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

    async def write(self, messages: list[Outgoing]) -> None:
        """Messages a job wrote (a reminder, a follow-up), into the outbox as the job runner writes them
        (bot.runtime.queue: fitted to the reader's channel, the template carried with the message)."""
        runtime = SimpleNamespace(catalogs=Catalogs(LOCALES), capabilities_of=declared_capabilities().__getitem__)
        engine = open_engine(self.database_url)
        try:
            async with UnitOfWork(session_factory(engine)) as uow:
                await queue(uow, messages, datetime.now(UTC), cast(Runtime, runtime))
                await uow.commit()
        finally:
            await engine.dispose()

    async def last_wrote_back(self, channel: str, chat_id: int, hours: float) -> None:
        """The bot's record of when this person last wrote, moved `hours` back (their reply window with it)."""
        engine = open_engine(self.database_url)
        try:
            async with UnitOfWork(session_factory(engine)) as uow:
                found = await uow.windows.last_in(channel, {chat_id})
                await uow.windows.closed(channel, chat_id, found[chat_id] - timedelta(hours=hours))
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
