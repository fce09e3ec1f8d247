"""Which updates were handled already: a retried update has no second effect."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from storage import hot
from storage.core_tables import PROCESSED
from storage.database import insert_of


@cache
def _first_time(dialect: str) -> Insert:
    insert = insert_of(dialect)
    if dialect == "postgresql":
        # The updates' ids as one array (unnest): one statement text for any number of updates,
        # prepared once per connection, where a row of VALUES each made a text for each count.
        from sqlalchemy.dialects.postgresql import ARRAY  # PostgreSQL's module, imported by PostgreSQL only

        given = select(
            bindparam("new_channel", type_=PROCESSED.c.channel.type),
            func.unnest(bindparam("new_update_ids", type_=ARRAY(PROCESSED.c.update_id.type))),
            bindparam("now", type_=PROCESSED.c.processed_at.type),
        )
        from_array: Insert = (
            insert(PROCESSED)
            .from_select(["channel", "update_id", "processed_at"], given)
            .on_conflict_do_nothing()
            .returning(PROCESSED.c.update_id)
        )
        return from_array
    values: dict[str, Any] = {
        "channel": bindparam("new_channel"),
        "update_id": bindparam("new_update_id"),
        "processed_at": bindparam("now"),
    }
    built: Insert = insert(PROCESSED).values(**values).on_conflict_do_nothing().returning(PROCESSED.c.update_id)
    return built


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
        dialect = self._session.get_bind().dialect.name
        rows: hot.Parameters = [
            {"new_channel": channel, "new_update_id": update_id, "now": now} for update_id in update_ids
        ]
        if dialect == "postgresql" and update_ids:
            rows = {"new_channel": channel, "new_update_ids": update_ids, "now": now}
        return set((await hot.run(self._session, _first_time(dialect), rows)).scalars())
