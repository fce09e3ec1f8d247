"""Cost flat as the program grows: throughput and latency with 1,000, 10,000 and 100,000 participants already there.

For each size, a new database gets a program's worth of people over two years (benchmarks.population:
three quarters newcomers, every answer of their forms, statuses as a program's records hold them),
0.4 proposals per participant with the meetings, follow-ups and referrals they led to, and the
traffic behind them: 20 messages sent to each person (the outbox keeps a row per message) and 25
updates of theirs remembered as handled. The bot is then started once and its jobs of the day run
(digest, retention, pruning; the sweep is recorded as done: `settle` says why), and what they
queued is marked sent, so no job's work falls into the measurement. Then, on aiogram, the
throughput benchmark's crowd (new people: 1,000 taking ten intake steps, all waiting at once) and
the latency benchmark's (the same steps offered at 200 a second) go through it.

The figure is the cost per update at the largest size against the smallest: wall time (1/rate) and
the CPU this process used per update (the bot, the stub and the crowd: the same work at every size,
and less moved by other work on the machine than the wall time). Target: at most 10 % more.
"""

from __future__ import annotations

import random
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text, update
from sqlalchemy.engine import make_url

from benchmarks import latency, population, statements
from benchmarks.common import Figure, fresh_database, percentile, scratch, sized
from benchmarks.harness import settings_for
from benchmarks.intake import Offered, crowd, rehearse
from benchmarks.telegram_stub import StubBotAPI
from benchmarks.throughput import rate_on
from bot.app import build
from bot.config import Settings
from handlers.coordinators.review import SWEEP
from storage.core_tables import OUTBOX, PROCESSED
from storage.tables import JobRow

NAME = "growth"
TARGET = 0.10  # the largest program's cost per update over the smallest's, at most
MESSAGES_EACH = 20
UPDATES_EACH = 25
SEEDED_IDS = ("participants", "matches", "meetings", "follow_ups", "referrals")  # tables whose ids population writes
NEWER_UPDATES = 100_000_000  # the crowd's update ids start above the history's


@dataclass(frozen=True)
class Size:
    smallest: int
    middle: int
    largest: int
    users: int  # the crowd's people (new ones), each taking `steps` steps
    steps: int
    rate: float  # the latency run's updates a second
    languages: int


FULL = Size(smallest=1_000, middle=10_000, largest=100_000, users=1000, steps=10, rate=200.0, languages=10)
TINY = Size(smallest=20, middle=40, largest=80, users=10, steps=4, rate=50.0, languages=1)


@dataclass
class Cost:
    participants: int
    rows: dict[str, int]
    wall_ms: float  # per update, in the throughput run
    cpu_ms: float  # per update, in the throughput run
    p50_ms: float
    p99_ms: float
    scans: list[str]  # on SQLite: the statements whose plan walks a whole table


async def seed(url: str, participants: int, now: datetime) -> dict[str, int]:
    """A program of `participants` with two years of history, in the database at `url` (migrated here)."""
    from handlers.core.program import load_program
    from storage.database import open_engine, upgrade

    engine = open_engine(url)
    try:
        await upgrade(engine)
        connectees = participants * 3 // 4
        people = await population.people(
            engine, load_program(), connectees=connectees, connectors=participants - connectees, now=now, mixed=True
        )
        rows = people.counts | await population.history(engine, people, matches=participants * 2 // 5, now=now)
        rows |= await traffic(engine, people, now)
        if engine.dialect.name == "postgresql":
            await _advance_sequences(engine)
    finally:
        await engine.dispose()
    return rows


async def _advance_sequences(engine: Any) -> None:
    """PostgreSQL's id sequences past the ids written here (population gives its rows their ids),
    so the rows the bot adds next do not collide with them."""
    async with engine.begin() as connection:
        for table in SEEDED_IDS:
            await connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )


async def traffic(engine: Any, people: population.Population, now: datetime, seed: int = 11) -> dict[str, int]:
    """What two years of conversations leave: each person's messages sent, and their updates handled."""
    rng = random.Random(seed)
    everyone = people.connectees + people.connectors
    messages: list[dict[str, Any]] = []
    handled: list[dict[str, Any]] = []
    for participant in everyone:
        chat = 1_000_000 + participant  # population.people's user and chat ids
        for _ in range(MESSAGES_EACH):
            at = now - timedelta(days=rng.uniform(1, 730))
            messages.append(
                {
                    "channel": population.CHANNEL,
                    "chat_id": chat,
                    "payload": {},
                    "status": "sent",
                    "attempts": 1,
                    "next_attempt_at": at,
                    "created_at": at,
                    "sent_at": at,
                }
            )
    for update_id in range(1, len(everyone) * UPDATES_EACH + 1):
        at = now - timedelta(days=rng.uniform(0, 30))
        handled.append({"channel": population.CHANNEL, "update_id": update_id, "processed_at": at})
    await population._insert(engine, OUTBOX, messages)
    await population._insert(engine, PROCESSED, handled)
    return {"outbox": len(messages), "processed_updates": len(handled)}


async def settle(settings: Settings) -> None:
    """The bot's jobs of the day run once (digest, retention, pruning), and what they queued counted as sent.

    Not the day's sweep: it is recorded as done. The seeded program leaves tens of thousands of
    newcomers waiting (more than a running program would), and sweeping them 200 at a time is the
    job's cost (the matching benchmark's), not an update's.
    """
    app = await build(settings)
    try:
        now = datetime.now(UTC)
        today = now.astimezone(ZoneInfo(app.program.time_zone)).date()
        swept = {"kind": SWEEP, "key": f"sweep:daily:{today.isoformat()}", "due_at": now, "payload": {}}
        async with app.engine.begin() as connection:
            done = {"status": "done", "attempts": 1, "created_at": now, "done_at": now}
            await connection.execute(insert(JobRow.__table__), [swept | done])
        await app.run_jobs(population.CHANNEL)
        async with app.engine.begin() as connection:
            await connection.execute(update(OUTBOX).where(OUTBOX.c.status == "pending").values(status="sent"))
    finally:
        await app.close()


async def measure(
    folder: Path, database: str, participants: int, size: Size, crowds: tuple[list[Offered], ...]
) -> Cost:
    """The program written, settled, then the crowds through it: timed at once, counted, at the rate."""
    offered, few, later = crowds
    folder.mkdir()
    now = datetime.now(UTC)
    async with fresh_database(database, folder) as url:
        rows = await seed(url, participants, now)
        settings = settings_for(folder, database_url=url)
        await settle(settings)
        owed = sum(item.replies + item.button for item in offered)
        began_cpu = time.process_time()
        rate = await rate_on(StubBotAPI(), offered, owed, settings, "aiogram")
        cpu_ms = (time.process_time() - began_cpu) * 1000 / len(offered)
        walked = await scanning(folder, url, few) if database == "sqlite" else []
        # The latency run on the same program, by people new to it again.
        paced = settings_for(folder, database_url=url, chat_interval=1.0)
        latencies, _backlog = await latency.offer_at_rate(paced, later, size.rate, "aiogram")
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    return Cost(participants, rows, 1000 / rate, cpu_ms, p50, p99, walked)


async def scanning(folder: Path, url: str, offered: list[Offered]) -> list[str]:
    """A few more people's steps through the bot, every statement kept, then each one's plan read."""
    owed = sum(item.replies + item.button for item in offered)
    async with statements.counting(url) as (relayed, watch, tally):
        await rate_on(StubBotAPI(), offered, owed, settings_for(folder, database_url=relayed), "aiogram", watch)
    with closing(sqlite3.connect(make_url(url).database or "")) as database:
        return statements.scans(database, tally)


async def run(tiny: bool = False, database: str = "sqlite", **overrides: float) -> list[Figure]:
    size = sized(FULL, TINY, tiny, overrides)
    with scratch(NAME) as folder:
        from handlers.core.program import load_program

        scripts = await rehearse(folder, list(load_program().languages[: size.languages]))
        offered = crowd(scripts, size.users, size.steps, first_user=50_000_001)
        for item in offered:  # later than every update of the program's history, as Telegram numbers them
            item.update["update_id"] += NEWER_UPDATES
        few = crowd(scripts, max(1, size.users // 10), size.steps, first_user=60_000_001)
        later = crowd(scripts, size.users, size.steps, first_user=70_000_001)
        for order, group in enumerate((few, later), start=2):
            for item in group:
                item.update["update_id"] += order * NEWER_UPDATES
        costs = [
            await measure(folder / str(count), database, count, size, (offered, few, later))
            for count in (size.smallest, size.middle, size.largest)
        ]
    return _figures(costs, database)


def _figures(costs: list[Cost], database: str) -> list[Figure]:
    small, large = costs[0], costs[-1]
    each = "; ".join(
        f"{cost.participants:,} participants ({cost.rows.get('answers', 0):,} answers, {cost.rows.get('matches', 0):,} "
        f"proposals, {cost.rows.get('outbox', 0):,} messages): {cost.wall_ms:.3f} ms and {cost.cpu_ms:.3f} ms CPU "
        f"per update, p50 {cost.p50_ms:.1f} ms, p99 {cost.p99_ms:.1f} ms"
        for cost in costs
    )
    figures = [
        Figure(
            NAME,
            f"CPU per update, {large.participants:,} against {small.participants:,}, {database}",
            (large.cpu_ms / small.cpu_ms - 1) * 100,
            "%",
            TARGET * 100,
            higher_is_better=False,
            note=each,
        ),
        Figure(
            NAME,
            f"wall time per update, {large.participants:,} against {small.participants:,}",
            (large.wall_ms / small.wall_ms - 1) * 100,
            "%",
            TARGET * 100,
            higher_is_better=False,
        ),
        Figure(NAME, f"latency p99 at {large.participants:,}", large.p99_ms, "ms"),
        Figure(NAME, f"latency p99 at {small.participants:,}", small.p99_ms, "ms"),
    ]
    if database == "sqlite":  # the plans are read with SQLite's EXPLAIN QUERY PLAN (`scanning`): not told on PostgreSQL
        walking = f"statements walking a whole table at {large.participants:,}"
        figures.append(
            Figure(NAME, walking, len(large.scans), "", 0, higher_is_better=False, note=" | ".join(large.scans))
        )
    return figures
