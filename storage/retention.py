"""What retention checks before it anonymizes anyone (implements handlers.core.ports.RetentionRecords)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from handlers.core.model import Status
from storage.tables import ConversationRow, JobRow, OutboxRow, ParticipantRow, ProcessedUpdateRow, TeamMessageRow

# Times written with the program's clock, by people's messages (their conversation, the update's id)
# and by what the job runner did (jobs done, messages queued, registrations changed). Not the
# workers' heartbeats: they follow the clock second by second and would agree with any jump.
ACTIVITY: Final[tuple[InstrumentedAttribute[datetime] | InstrumentedAttribute[datetime | None], ...]] = (
    ParticipantRow.updated_at,
    ConversationRow.updated_at,
    ProcessedUpdateRow.processed_at,
    JobRow.done_at,
    OutboxRow.created_at,
    TeamMessageRow.created_at,
)


class SqlRetentionRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def newest_activity(self) -> datetime | None:
        newest = [await self._session.scalar(select(func.max(column))) for column in ACTIVITY]
        return max((moment for moment in newest if moment is not None), default=None)

    async def remaining(self) -> int:
        query = select(func.count()).select_from(ParticipantRow).where(ParticipantRow.status != Status.ERASED.value)
        return int(await self._session.scalar(query) or 0)
