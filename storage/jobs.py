"""Jobs with a due time (implements handlers.core.ports.Jobs), and what the job runner needs to claim them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from storage import hot
from storage.database import insert_of
from storage.tables import JobRow


@cache
def _schedule(dialect: str) -> Insert:
    """Built once per database: proposals and follow-ups schedule jobs by the hundred in a sweep."""
    insert = insert_of(dialect)
    built: Insert = (
        insert(cast(Table, JobRow.__table__))
        .values(
            kind=bindparam("new_kind"),
            key=bindparam("new_key"),
            due_at=bindparam("new_due_at"),
            payload=bindparam("new_payload"),
            status="pending",
            attempts=0,
            created_at=func.now(),
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return built


class SqlJobs:
    def __init__(self, session: AsyncSession, scheduled: set[str]) -> None:
        self._session = session
        self._scheduled = scheduled  # the kinds scheduled in this transaction, told after its commit

    async def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any]) -> None:
        values = {"new_kind": kind, "new_key": key, "new_due_at": due_at, "new_payload": payload}
        await hot.run(self._session, _schedule(self._session.get_bind().dialect.name), values)
        self._scheduled.add(kind)

    async def claim_due(
        self, now: datetime, *, only: Collection[str] = (), leave: Collection[str] = ()
    ) -> JobRow | None:
        """The oldest due job (of the kinds `only`, if given; not of the kinds `leave`), locked until
        this transaction ends; other workers skip it."""
        query = select(JobRow).where(JobRow.status == "pending", JobRow.due_at <= now)
        if only:
            query = query.where(JobRow.kind.in_(only))
        if leave:
            query = query.where(JobRow.kind.not_in(leave))
        query = query.order_by(JobRow.due_at, JobRow.id).limit(1).with_for_update(skip_locked=True)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def hold(self, job_id: int, until: datetime) -> None:
        """Keep a claimed job from other workers until `until`, past this transaction: for work done
        outside any transaction (an export). If its worker stops meanwhile, the job is due again then."""
        await self._session.execute(update(JobRow).where(JobRow.id == job_id).values(due_at=until))

    async def finish(self, job_id: int, now: datetime) -> None:
        await self._session.execute(update(JobRow).where(JobRow.id == job_id).values(status="done", done_at=now))

    async def retry(self, job_id: int, error: str, due_at: datetime, *, give_up: bool) -> None:
        await self._session.execute(
            update(JobRow)
            .where(JobRow.id == job_id)
            .values(
                attempts=JobRow.attempts + 1,
                last_error=error[:500],
                due_at=due_at,
                status="failed" if give_up else "pending",
            )
        )
