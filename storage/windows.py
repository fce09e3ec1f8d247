"""A channel's reply window (WhatsApp's 24 hours): when each person last wrote, and the messages
held in the outbox until they write again.

Why the time is written as their message is stored (bot.pipeline.receive_all), in that transaction:
the window opens when the message reaches us, not when a consumer gets to it; and the messages
held for that person are released by the same statement's transaction, so they go before the
answer to what they just wrote (a chat's messages leave in the order they were written).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import cache
from typing import Final, cast

from sqlalchemy import ColumnElement, Table, bindparam, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from handlers.core.templates import standing_for
from storage.core_tables import OUTBOX
from storage.database import among, insert_for, insert_of
from storage.tables import ChatWindowRow

WINDOWS: Final = cast(Table, ChatWindowRow.__table__)
# Written as a literal: only then may SQLite, and PostgreSQL's generic plans, use the partial index
# `ix_outbox_held` (as storage.outbox_claim.waiting does for the waiting ones).
HELD: Final[ColumnElement[str]] = literal_column("'held'")
# What the coordinators' digest counts per (template, language): the held messages' own mark.
_HELD_BY: Final = (
    select(OUTBOX.c.channel, OUTBOX.c.chat_id, OUTBOX.c.payload).where(OUTBOX.c.status == HELD).order_by(OUTBOX.c.id)
)


@cache
def _opened(dialect: str) -> Insert:
    insert = insert_of(dialect)
    statement = insert(WINDOWS).values(
        channel=bindparam("new_channel"), chat_id=bindparam("new_chat_id"), last_in_at=bindparam("now")
    )
    built: Insert = statement.on_conflict_do_update(
        index_elements=[WINDOWS.c.channel, WINDOWS.c.chat_id], set_={"last_in_at": statement.excluded.last_in_at}
    )
    return built


class SqlWindows:
    """When people last wrote, on channels with a reply window; the outbox's held messages."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

    async def opened(self, channel: str, chat_ids: list[int], now: datetime) -> set[int]:
        """These people wrote at `now`: their window is open, and what was held for them is due;
        those of them who had something held."""
        if not chat_ids:
            return set()
        rows = [{"new_channel": channel, "new_chat_id": chat_id, "now": now} for chat_id in dict.fromkeys(chat_ids)]
        await self._session.execute(_opened(self._dialect()), rows)
        released = await self._session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.channel == channel, OUTBOX.c.status == HELD)
            .where(among(OUTBOX.c.chat_id, "chats", self._dialect()))
            .values(status="pending", next_attempt_at=now, claimed_by=None)
            .returning(OUTBOX.c.chat_id),
            {"chats": list(dict.fromkeys(chat_ids))},
        )
        return set(released.scalars())

    async def last_in(self, channel: str, chat_ids: set[int]) -> dict[int, datetime]:
        """When each of these people last wrote (those who never did are not in it)."""
        if not chat_ids:
            return {}
        found = await self._session.execute(
            select(WINDOWS.c.chat_id, WINDOWS.c.last_in_at).where(
                WINDOWS.c.channel == channel, among(WINDOWS.c.chat_id, "chats", self._dialect())
            ),
            {"chats": list(chat_ids)},
        )
        return {chat_id: at for chat_id, at in found}

    async def closed(self, channel: str, chat_id: int, before: datetime) -> None:
        """The platform says this window is closed (WhatsApp's 131047): their last message counts
        as written at `before` at the latest, so the next try goes as a template or waits. A chat
        with no record (pruned after months of silence) gets one: else it would be tried free-form,
        and refused, again and again."""
        changed = await self._session.execute(
            update(WINDOWS)
            .where(WINDOWS.c.channel == channel, WINDOWS.c.chat_id == chat_id, WINDOWS.c.last_in_at > before)
            .values(last_in_at=before)
        )
        if not getattr(changed, "rowcount", 0):
            await self._session.execute(
                insert_for(self._session)(WINDOWS)
                .values(channel=channel, chat_id=chat_id, last_in_at=before)
                .on_conflict_do_nothing(index_elements=["channel", "chat_id"])
            )

    async def held(self) -> tuple[int, Counter[tuple[str, str]]]:
        """How many people have messages held, on any channel; and of them, how many wait for each
        (template, language) a held message goes as (one count per person and template)."""
        people: set[tuple[str, int]] = set()
        waiting: set[tuple[str, int, str, str]] = set()
        for channel, chat_id, payload in await self._session.execute(_HELD_BY):
            people.add((channel, chat_id))
            template = (payload or {}).get("template")
            waiting.add((channel, chat_id, standing_for(template), str((payload or {}).get("language", ""))))
        return len(people), Counter((kind, language) for _, _, kind, language in waiting)
