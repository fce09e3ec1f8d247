"""A sweep proposes exactly what proposing to each waiting newcomer on their own would.

The sweep loads every connector once (handlers.matching.pool.Pool) and keeps that pool up to date as it
proposes; this compares it, on two copies of one program, with the one-at-a-time way that looks
everything up again in the database for each newcomer.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from benchmarks import population
from bot.app import build
from bot.config import Settings
from handlers.coordinators import review
from handlers.matching import proposals
from storage.tables import ProposalRow, SlotHoldRow
from storage.unit_of_work import UnitOfWork
from tests.support.clock import NOW

CHANNEL = "telegram"


async def proposed_by(folder: Path, *, one_at_a_time: bool) -> tuple[list[tuple[int, int, str]], list[str]]:
    """Build the program (seeded: the same each time), sweep it, and return what was proposed and its texts."""
    app = await build(Settings(database_url=f"sqlite+aiosqlite:///{folder / 'frontdoor.db'}"))
    try:
        volunteers = await population.people(app.engine, app.program, connectees=0, connectors=40, now=NOW)
        plan = population.plan_month(volunteers.capacity, 0.5)
        newcomers = await population.people(
            app.engine,
            app.program,
            connectees=120 + sum(plan.values()),
            connectors=0,
            now=NOW,
            told=True,
            first_id=41,
            first_user=2_000_000,
        )
        matched, waiting = newcomers.connectees[: sum(plan.values())], newcomers.connectees[sum(plan.values()) :]
        await population.month_of_matching(app.engine, plan, matched, waiting, now=NOW, past=40)
        async with app.sessions() as session:
            before = int(await session.scalar(select(ProposalRow.id).order_by(ProposalRow.id.desc()).limit(1)) or 0)
        async with UnitOfWork(app.sessions) as uow:
            office = app.office(uow, CHANNEL, NOW)
            if one_at_a_time:
                messages = []
                for connectee in await uow.matchmaking.waiting_connectees(500, NOW):
                    messages += await proposals.find_connector(office, connectee)
            else:
                messages = await review.sweep(office, limit=500)
            await uow.commit()
        async with app.sessions() as session:
            matches = await session.execute(
                select(ProposalRow.connectee_id, ProposalRow.connector_id, ProposalRow.status)
                .where(ProposalRow.id > before)
                .order_by(ProposalRow.id)
            )
            holds = await session.execute(
                select(SlotHoldRow.connector_id, SlotHoldRow.starts_at)
                .where(SlotHoldRow.match_id > before)
                .order_by(SlotHoldRow.connector_id, SlotHoldRow.starts_at)
            )
            pairs = [(connectee, connector, status) for connectee, connector, status in matches]
            pairs += [(connector, 0, starts.isoformat()) for connector, starts in holds]
        return pairs, [message.reply.text for message in messages]
    finally:
        await app.close()


async def test_a_sweep_proposes_what_each_newcomer_alone_would_be_proposed(tmp_path: Path) -> None:
    (tmp_path / "pool").mkdir()
    (tmp_path / "alone").mkdir()
    swept, swept_texts = await proposed_by(tmp_path / "pool", one_at_a_time=False)
    alone, alone_texts = await proposed_by(tmp_path / "alone", one_at_a_time=True)
    assert len([pair for pair in swept if pair[1]]) >= 10, "the program leaves room for proposals"
    assert swept == alone
    assert swept_texts == alone_texts
