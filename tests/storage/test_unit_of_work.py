"""A unit of work's savepoint, on a real database: what fails inside it is undone alone, the rest commits."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables import ProcessedUpdateRow
from storage.unit_of_work import UnitOfWork
from tests.support.clock import NOW


async def test_what_fails_inside_a_savepoint_is_undone_alone_and_the_transaction_goes_on(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with UnitOfWork(sessions) as uow:
        assert await uow.processed_updates.first_time("telegram", 101, NOW)
        with pytest.raises(RuntimeError, match="the flow broke"):
            async with uow.savepoint():
                assert await uow.processed_updates.first_time("telegram", 102, NOW)
                raise RuntimeError("the flow broke")
        async with uow.savepoint():
            assert await uow.processed_updates.first_time("telegram", 103, NOW)
        await uow.commit()

    async with sessions() as session:
        remembered = (await session.scalars(select(ProcessedUpdateRow.update_id).order_by("update_id"))).all()
    assert remembered == [101, 103], "the update before the failure and the one after it, not the failed one"
