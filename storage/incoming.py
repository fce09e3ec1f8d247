"""Updates received but not yet handled: stored on receipt, handled in order per person.

Why a table and not a queue in memory: the channel confirms an update (the next getUpdates
offset, the webhook's 200) only once it is stored here, so a crash between receiving and handling
loses nothing, and every worker on one database can take any person's next update.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.database import insert_for
from storage.tables import IncomingUpdateRow


class SqlIncoming:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def store(
        self, channel: str, update_id: int, user_id: int, event: dict[str, Any], answer_id: str | None, now: datetime
    ) -> bool:
        """Keep an update for handling; False when it is here already (Telegram sent it again)."""
        insert = insert_for(self._session)
        result = await self._session.execute(
            insert(IncomingUpdateRow)
            .values(
                channel=channel,
                update_id=update_id,
                user_id=user_id,
                event=event,
                answer_id=answer_id,
                status="pending",
                attempts=0,
                not_before=now,
                received_at=now,
            )
            .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        )
        return bool(getattr(result, "rowcount", 0))

    async def claim_next(self, channel: str, now: datetime) -> IncomingUpdateRow | None:
        """The next update to handle, locked until this transaction ends: a person's oldest only.

        Another worker holding someone's oldest update (locked, so skipped here) keeps their
        later ones waiting too, because an older row of theirs still exists: one person's updates
        are handled one at a time and in order, whichever worker takes them.
        """
        older = aliased(IncomingUpdateRow)
        query = (
            select(IncomingUpdateRow)
            .where(
                IncomingUpdateRow.channel == channel,
                IncomingUpdateRow.status == "pending",
                IncomingUpdateRow.not_before <= now,
                ~exists().where(
                    older.channel == IncomingUpdateRow.channel,
                    older.user_id == IncomingUpdateRow.user_id,
                    older.status == "pending",
                    older.id < IncomingUpdateRow.id,
                ),
            )
            .order_by(IncomingUpdateRow.id)
            .limit(1)
            .with_for_update(skip_locked=True, of=IncomingUpdateRow)
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def done(self, incoming_id: int) -> None:
        await self._session.execute(delete(IncomingUpdateRow).where(IncomingUpdateRow.id == incoming_id))

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
