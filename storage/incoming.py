"""Updates received but not yet handled: stored on receipt, handled in order per person.

Why a table and not a queue in memory: the channel confirms an update (the next getUpdates
offset, the webhook's 200) only once it is stored here, so a crash between receiving and handling
loses nothing, and every worker on one database can take any person's next update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Final

from sqlalchemy import Select, bindparam, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Delete, Insert

from storage import hot
from storage.core_tables import INCOMING, PROCESSED
from storage.database import among, insert_of, unindexed
from storage.processed_updates import SqlProcessedUpdates
from storage.tables import IncomingUpdateRow

# Every update runs these statements, so they are plain Core statements on the table, built once:
# building an ORM statement and running it through the ORM cost several times the SQL itself.
_OLDER: Final = INCOMING.alias("older")
_CLAIM: Final = (
    select(INCOMING)
    .where(
        # In id order from the oldest, stopping at the first it may take (LIMIT 1): not through the
        # (channel, user) index, every waiting update, sorted, for each claim.
        unindexed(INCOMING.c.channel) == bindparam("channel"),
        INCOMING.c.status == "pending",
        INCOMING.c.not_before <= bindparam("now"),
        ~exists().where(
            _OLDER.c.channel == INCOMING.c.channel,
            _OLDER.c.user_id == INCOMING.c.user_id,
            _OLDER.c.status == "pending",
            _OLDER.c.id < INCOMING.c.id,
        ),
    )
    .order_by(INCOMING.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True, of=INCOMING)
)


@cache
def _take() -> Select[Any]:
    """PostgreSQL's `take` in one statement: the updates claimed (`_CLAIM`), removed, and remembered
    as handled, each row with whether its update is seen for the first time (`fresh`)."""
    from sqlalchemy.dialects.postgresql import insert  # PostgreSQL's module, imported by PostgreSQL only

    claimed = _CLAIM.cte("claimed")
    removed = delete(INCOMING).where(INCOMING.c.id.in_(select(claimed.c.id))).cte("removed")
    now = bindparam("now", type_=PROCESSED.c.processed_at.type)
    remembered = (
        insert(PROCESSED)
        .from_select(["channel", "update_id", "processed_at"], select(claimed.c.channel, claimed.c.update_id, now))
        .on_conflict_do_nothing()
        .returning(PROCESSED.c.update_id)
        .cte("remembered")
    )
    fresh = claimed.c.update_id.in_(select(remembered.c.update_id)).label("fresh")
    return select(claimed, fresh).add_cte(removed).order_by(claimed.c.id)


@dataclass(frozen=True)
class Arrived:
    """An update as it arrived, to be stored: who sent it, the event, the pressed button's query."""

    update_id: int
    user_id: int
    event: dict[str, Any]
    answer_id: str | None


@cache
def _done(dialect: str) -> Delete:
    return delete(INCOMING).where(among(INCOMING.c.id, "incoming_ids", dialect))


@cache
def _store(dialect: str) -> Insert:
    insert = insert_of(dialect)
    built: Insert = (
        insert(INCOMING)
        .values(
            channel=bindparam("new_channel"),
            update_id=bindparam("new_update_id"),
            user_id=bindparam("new_user_id"),
            event=bindparam("new_event"),
            answer_id=bindparam("new_answer_id"),
            status="pending",
            attempts=0,
            not_before=bindparam("now"),
            received_at=bindparam("received_at"),  # one name per column: PostgreSQL's batched insert needs it
        )
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(INCOMING.c.id)  # a row for each new one: executemany's row count is not told by every driver
    )
    return built


class SqlIncoming:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def store(self, channel: str, updates: list[Arrived], now: datetime) -> int:
        """Keep updates for handling, in one statement; returns how many were new (not sent again by Telegram)."""
        if not updates:
            return 0
        rows = [
            {
                "new_channel": channel,
                "new_update_id": update.update_id,
                "new_user_id": update.user_id,
                "new_event": update.event,
                "new_answer_id": update.answer_id,
                "now": now,
                "received_at": now,
            }
            for update in updates
        ]
        return len((await hot.run(self._session, _store(self._session.get_bind().dialect.name), rows)).all())

    async def claim_next(self, channel: str, now: datetime) -> Any:
        """The next update to handle, locked until this transaction ends: a person's oldest only."""
        claimed = await self.claim(channel, now, 1)
        return claimed[0] if claimed else None

    async def claim(self, channel: str, now: datetime, limit: int) -> list[Any]:
        """The next updates to handle, at most one per person (their oldest), locked until this
        transaction ends; in the order they arrived.

        Another worker holding someone's oldest update (locked, so skipped here) keeps their
        later ones waiting too, because an older row of theirs still exists: one person's updates
        are handled one at a time and in order, whichever worker takes them.
        """
        return (await hot.run(self._session, _CLAIM, {"channel": channel, "now": now, "limit": limit})).all()

    async def take(self, channel: str, now: datetime, limit: int) -> list[tuple[Any, bool]]:
        """`claim`ed updates, removed (undone with the transaction, if it is) and remembered as
        handled (storage.processed_updates), each with whether it is seen for the first time: on
        PostgreSQL in one round trip where there were three (`_take`)."""
        if self._session.get_bind().dialect.name == "postgresql":
            rows = (await hot.run(self._session, _take(), {"channel": channel, "now": now, "limit": limit})).all()
            return [(row, row.fresh) for row in rows]
        rows = await self.claim(channel, now, limit)
        if not rows:
            return []
        fresh = await SqlProcessedUpdates(self._session).first_times(channel, [row.update_id for row in rows], now)
        await self.done([row.id for row in rows])
        return [(row, row.update_id in fresh) for row in rows]

    async def done(self, incoming_ids: list[int]) -> None:
        await hot.run(self._session, _done(self._session.get_bind().dialect.name), {"incoming_ids": incoming_ids})

    async def retry(self, incoming_id: int, error: str, not_before: datetime, *, give_up: bool) -> None:
        """A failed attempt: try again from `not_before`, or set it aside so the person's next ones go on."""
        await self._session.execute(
            update(IncomingUpdateRow)
            .where(IncomingUpdateRow.id == incoming_id)
            .values(
                attempts=IncomingUpdateRow.attempts + 1,
                last_error=error[:500],
                not_before=not_before,
                status="failed" if give_up else "pending",
            )
        )

    async def waiting(self, channel: str) -> int:
        """How many received updates are not handled yet."""
        query = select(func.count()).where(IncomingUpdateRow.channel == channel, IncomingUpdateRow.status == "pending")
        return int((await self._session.execute(query)).scalar_one())
