"""The workers (`frontdoor run` processes) sharing one database, and the secrets they share.

Each worker's sender writes its row every second. The live ones of a channel divide its overall
sending rate between them (Telegram's, the Cloud API's: each limit is the bot's own), and a message
claimed by a worker that stopped being seen is taken over at once instead of waiting for its lease
to run out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import insert_for
from storage.tables import BotSecretRow, WorkerRow

# A worker unseen for this long is taken for dead. Several missed beats, so that a busy worker
# (a long transaction, a slow disk) is not taken for dead while it is still sending.
SILENCE: Final = timedelta(seconds=10)


class SqlWorkers:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def beat(self, worker_id: str, now: datetime, channel: str) -> None:
        """This worker is alive (its row is created on its first beat); rows of workers long gone go."""
        await self._session.execute(delete(WorkerRow).where(WorkerRow.seen_at < now - 100 * SILENCE))
        changed = await self._session.execute(update(WorkerRow).where(WorkerRow.id == worker_id).values(seen_at=now))
        if not getattr(changed, "rowcount", 0):
            await self._session.execute(
                insert_for(self._session)(WorkerRow)
                .values(id=worker_id, started_at=now, seen_at=now, channel=channel)
                .on_conflict_do_nothing(index_elements=["id"])
            )

    async def leave(self, worker_id: str) -> None:
        await self._session.execute(delete(WorkerRow).where(WorkerRow.id == worker_id))

    async def live(self, now: datetime, channel: str) -> int:
        """How many of `channel`'s workers were seen lately (at least one: the one asking)."""
        seen = (WorkerRow.seen_at > now - SILENCE, WorkerRow.channel == channel)
        query = select(func.count()).select_from(WorkerRow).where(*seen)
        return max(1, int((await self._session.execute(query)).scalar_one()))

    async def secret(self, name: str, candidate: str, now: datetime) -> str:
        """The shared secret `name`; the first worker to ask stores its `candidate`, the others get that."""
        await self._session.execute(
            insert_for(self._session)(BotSecretRow)
            .values(name=name, value=candidate, created_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        return str(
            (await self._session.execute(select(BotSecretRow.value).where(BotSecretRow.name == name))).scalar_one()
        )
