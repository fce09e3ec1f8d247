"""5. Matching: one sweep over every waiting newcomer, against every approved connector.

The program as a sweep finds it: 2,000 approved connectors (--tiny: 30) and 10,000 approved
newcomers waiting for one (--tiny: 100), every one with their form's answers (sectors, job titles,
languages, availability, capacity). A month of matching is behind them: 90% of the connectors met
their monthly capacity (meetings booked and proposals on hold in the coming two weeks, with the
newcomers who got them), the others have room; the waiting newcomers were told "still looking"
when they were approved, and some were proposed before to connectors who declined or let it
expire (never proposed again). A sweep comes when a connector is approved or has room again.

The sweep is the `matching.sweep` job's own code (handlers.coordinators.review.sweep) over all the waiting
newcomers in one transaction, committed: each gets the best connector with room and common times
proposed (slots held, timers set, the connector's introduction written), or stays waiting. The
figure is the sweep's time; the checksum of what it proposed shows that two versions agree.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from benchmarks import population
from benchmarks.common import Figure, scratch, sized, sqlite_url
from bot.app import build
from bot.config import Settings
from handlers.coordinators import review
from storage.tables import ProposalRow, SlotHoldRow
from storage.unit_of_work import UnitOfWork

NAME = "matching"
TARGET_SECONDS = 5.0
CHANNEL = "telegram"
# One moment for every run: the slots depend on the day of the week and the hour, so only runs at the
# same moment propose the same and can compare checksums (versions of the code, before and after).
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Size:
    connectees: int  # waiting for a connector
    connectors: int
    full: float = 0.9  # share of the connectors who met their monthly capacity
    past: int = 3_000  # proposals declined or expired between waiting newcomers and connectors
    swept: int = 0  # how many of the waiting newcomers the sweep takes, longest-waiting first (0: all)


FULL = Size(connectees=10_000, connectors=2_000)
TINY = Size(connectees=100, connectors=30, past=30)


async def run(tiny: bool = False, **overrides: float) -> list[Figure]:
    size = sized(FULL, TINY, tiny, overrides)
    now = NOW
    with scratch(NAME) as folder:
        app = await build(Settings(database_url=sqlite_url(folder / "frontdoor.db")))
        try:
            volunteers = await population.people(
                app.engine, app.program, connectees=0, connectors=size.connectors, now=now
            )
            plan = population.plan_month(volunteers.capacity, size.full)
            newcomers = await population.people(
                app.engine,
                app.program,
                connectees=size.connectees + sum(plan.values()),
                connectors=0,
                now=now,
                told=True,
                first_id=size.connectors + 1,
                first_user=2_000_000,
            )
            matched, waiting_ids = (
                newcomers.connectees[: sum(plan.values())],
                newcomers.connectees[sum(plan.values()) :],
            )
            history = await population.month_of_matching(
                app.engine, plan, matched, waiting_ids, now=now, past=size.past
            )
            before = await _last_match(app)
            async with UnitOfWork(app.sessions) as uow:
                office = app.office(uow, CHANNEL, now)  # what the job runner gives the sweep job
                waiting = len(await uow.matchmaking.waiting_connectees(size.connectees, now))
                uow.participants._cache.clear()  # the sweep loads them itself, as the job does
                started = time.perf_counter()
                messages = await review.sweep(office, limit=size.swept or size.connectees)
                await uow.commit()
                took = time.perf_counter() - started
                swept = min(waiting, size.swept or waiting)
            proposed = await _proposed(app, before)
            checksum = await _checksum(app, before)
        finally:
            await app.close()
    note = (
        f"{waiting:,} newcomers waiting × {size.connectors:,} connectors ({history['meetings']:,} meetings and "
        f"{history['slot_holds']:,} held slots ahead); {proposed:,} proposed, {len(messages):,} messages; "
        f"{swept / took:,.1f} newcomers/s; checksum {checksum}"
        + ("" if swept == waiting else f"\n      only the {swept:,} longest-waiting were swept (--set swept)")
    )
    if swept < waiting:  # a partial sweep is not the figure; its time scaled to everyone is only an estimate
        note += f"; a full sweep at this pace would take about {took * waiting / swept:,.0f} s"
        return [Figure(NAME, f"sweep of {swept:,} only", took, "s", note=note)]
    return [Figure(NAME, "full sweep", took, "s", TARGET_SECONDS, higher_is_better=False, note=note)]


async def _last_match(app: object) -> int:
    async with app.sessions() as session:  # type: ignore[attr-defined]
        return int(await session.scalar(select(func.max(ProposalRow.id))) or 0)


async def _proposed(app: object, after_id: int) -> int:
    async with app.sessions() as session:  # type: ignore[attr-defined]
        return int(await session.scalar(select(func.count()).where(ProposalRow.id > after_id)) or 0)


async def _checksum(app: object, after_id: int) -> str:
    """What the sweep proposed (pairs and held slots), as a short hash: equal across versions means same result."""
    digest = hashlib.sha256()
    async with app.sessions() as session:  # type: ignore[attr-defined]
        rows = await session.execute(
            select(ProposalRow.id, ProposalRow.connectee_id, ProposalRow.connector_id, ProposalRow.status)
            .where(ProposalRow.id > after_id)
            .order_by(ProposalRow.id)
        )
        for row in rows:
            digest.update(repr(tuple(row[1:])).encode())
        holds = await session.execute(
            select(SlotHoldRow.connector_id, SlotHoldRow.starts_at)
            .where(SlotHoldRow.match_id > after_id)
            .order_by(SlotHoldRow.connector_id, SlotHoldRow.starts_at)
        )
        for row in holds:
            digest.update(repr((row[0], row[1].isoformat())).encode())
    return digest.hexdigest()[:12]
