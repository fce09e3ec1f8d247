"""The unit of work: one session, one transaction, one commit, for one update or one job (or, under
load, a few people's updates together: `next_update`)."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction, async_sessionmaker

from storage.conversations import SqlConversations
from storage.coordinators import SqlCoordinatorRoster
from storage.database import forget_erased_pages
from storage.exports import SqlExports
from storage.follow_ups import SqlFollowUps
from storage.incoming import SqlIncoming
from storage.jobs import SqlJobs
from storage.links import SqlLinks
from storage.matchmaking import SqlMatchmaking
from storage.outbox import SqlOutbox
from storage.participants import SqlParticipants
from storage.privacy import SqlPersonalData
from storage.processed_updates import SqlProcessedUpdates
from storage.reports import SqlReports
from storage.retention import SqlRetentionRecords
from storage.team_messages import SqlTeamMessages
from storage.windows import SqlWindows
from storage.workers import SqlWorkers


class UnitOfWork:
    """`async with UnitOfWork(factory) as uow: …; await uow.commit()`; leaving without commit rolls back."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory
        self.scheduled: set[str] = set()  # the kinds of job scheduled in this transaction
        self.erased: set[int] = set()  # the Telegram users whose data this transaction erased

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._factory()
        await self.session.begin()
        self._repositories()
        return self

    async def next_update(self) -> None:
        """Between two updates handled in this one transaction: the next sees what the last one
        wrote, as it would in a transaction of its own, and nothing it had loaded (the repositories'
        caches and the session's objects start afresh)."""
        session = self.session
        if session.new or session.dirty or session.deleted:  # most steps write by statements only
            await session.flush()
        if session.identity_map:
            session.expunge_all()
        self._repositories()

    def _repositories(self) -> None:
        self.participants = SqlParticipants(self.session)
        self.conversations = SqlConversations(self.session)
        self.processed_updates = SqlProcessedUpdates(self.session)
        self.outbox = SqlOutbox(self.session)
        self.matchmaking = SqlMatchmaking(self.session, self.participants)
        self.jobs = SqlJobs(self.session, self.scheduled)
        self.follow_ups = SqlFollowUps(self.session)
        self.roster = SqlCoordinatorRoster(self.session)
        self.reports = SqlReports(self.session, self.participants, self.matchmaking)
        self.personal_data = SqlPersonalData(self.session, self.participants, self.erased)
        self.retention = SqlRetentionRecords(self.session)
        self.incoming = SqlIncoming(self.session)
        self.workers = SqlWorkers(self.session)
        self.exports = SqlExports(self.session)
        self.team_messages = SqlTeamMessages(self.session)
        self.links = SqlLinks(self.session)
        self.windows = SqlWindows(self.session)

    def savepoint(self) -> AsyncSessionTransaction:
        """`async with uow.savepoint(): …`: what is done inside is undone alone if it raises (a
        SAVEPOINT), and the transaction goes on. The session's own nested transaction, not a wrapper
        around it: updates pass through here one by one."""
        return self.session.begin_nested()

    async def rollback(self) -> None:
        """Undo all this transaction did so far (a failed job); the next statement begins another."""
        await self.session.rollback()

    async def reachable(self) -> None:
        """One round trip to the database (the health check): raises if it does not answer."""
        await self.session.execute(text("SELECT 1"))

    async def commit(self) -> None:
        await self.session.commit()
        if self.erased:
            await forget_erased_pages(self.session)
            self.erased.clear()

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if self.session.in_transaction():
                await self.session.rollback()
        finally:
            await self.session.close()
