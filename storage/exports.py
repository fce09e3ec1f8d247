"""handlers.core.ports.Exports: the funders' counts, for a coordinator who asks in the chat.

Apart from storage.export, which it imports when a coordinator first asks: the export's queries and
file writers are not imported while the bot starts (a bot that polls imports only what it needs
before it polls; docs/benchmarks.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession


class SqlExports:
    """handlers.core.ports.Exports on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def summary(self, since: datetime | None, until: datetime | None) -> dict[str, int]:
        from storage.export import Period, summary

        return await summary(self.session, Period(since, until))
