"""Two people confirming the same connector slot at the same moment cannot both succeed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from handlers.core.model import Conversation, Role
from storage.database import open_engine, session_factory, upgrade
from storage.tables import MeetingRow
from storage.unit_of_work import UnitOfWork
from tests.support.clock import NOW

SLOT = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
RIVALS = 12


async def test_many_simultaneous_confirmations_of_one_slot_exactly_one_wins(database_url: str) -> None:
    engine = open_engine(database_url)
    await upgrade(engine)
    sessions = session_factory(engine)
    async with UnitOfWork(sessions) as uow:
        connector = await uow.participants.create(
            Conversation("telegram", 1, 1), role=Role.CONNECTOR, language="en", consent_version="v", now=NOW
        )
        match_ids = []
        for user_id in range(100, 100 + RIVALS):
            connectee = await uow.participants.create(
                Conversation("telegram", user_id, user_id),
                role=Role.CONNECTEE,
                language="en",
                consent_version="v",
                now=NOW,
            )
            match = await uow.matchmaking.create_proposal(connectee.id, connector.id, [], NOW)
            match_ids.append(match.id)
        await uow.commit()

    start = asyncio.Event()

    async def confirm(match_id: int) -> bool:
        await start.wait()
        async with UnitOfWork(sessions) as uow:
            match = await uow.matchmaking.proposal(match_id, lock=True)
            assert match is not None
            meeting = await uow.matchmaking.book(match, SLOT, SLOT + timedelta(minutes=30), "video", NOW)
            await uow.commit()
            return meeting is not None

    tasks = [asyncio.create_task(confirm(match_id)) for match_id in match_ids]
    await asyncio.sleep(0.05)
    start.set()
    results = await asyncio.gather(*tasks)
    try:
        assert sum(results) == 1, f"{sum(results)} confirmations won the same slot"
        async with sessions() as session:
            booked = await session.scalar(select(func.count()).select_from(MeetingRow))
        assert booked == 1
    finally:
        await engine.dispose()
