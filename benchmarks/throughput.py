"""1. Update throughput: whole intake steps, on each Telegram library, against a bare aiogram echo bot.

A crowd of people (1,000; --tiny: 20) each take a newcomer's whole intake, interleaved; all their
updates wait at the stub's getUpdates from the start. Frontdoor's rate is updates per second from
the first getUpdates that returned updates to the moment the stub received the last message owed
(every reply sent or edited, every button answered): each update was parsed, stored, handled in
its own transaction (conversation loaded and locked, answer validated and stored, replies rendered
into the outbox, committed) and its replies sent. The echo bot is fed the same updates in the same
run; the figure is the ratio of the two rates, for Frontdoor on aiogram and on python-telegram-bot
(each on a database of its own, one after the other in this process).

`--database postgresql`: each on a new PostgreSQL database (benchmarks.common.fresh_database) instead
of a SQLite file, with its target (0.3 of the echo bot: issue 27). After the timed runs, a smaller
crowd (`counted` people) goes through the bot on aiogram once more, its statements and round trips
counted (benchmarks.statements): slower while counted, so not timed.

The WhatsApp door beside them (issue 29; benchmarks.whatsapp_door): the same crowd, its intake
rehearsed on WhatsApp, POSTed signed to `frontdoor run --whatsapp` as a process on a database of its
own, against a bare aiohttp webhook echo, also a process. No target: reported.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks import statements, whatsapp_door
from benchmarks.common import Figure, fresh_database, scratch, sized
from benchmarks.harness import LIBRARIES, Watch, running_echo, running_frontdoor, settings_for
from benchmarks.intake import Offered, crowd, rehearse
from benchmarks.telegram_stub import Owed, StubBotAPI
from bot.config import Settings

NAME = "throughput"
TARGET = 0.25
TARGETS = {"sqlite": TARGET, "postgresql": 0.3}  # issue 8's on SQLite, issue 27's on PostgreSQL
LIMIT_SECONDS = 1800.0  # a run that has not finished by then is reported as such


@dataclass(frozen=True)
class Size:
    users: int
    languages: int
    steps: int  # each person's first steps of the intake (0: all of it, Submit included)
    counted: int = 200  # people in the run whose statements are counted (0: none)


FULL = Size(users=1000, languages=10, steps=10)
TINY = Size(users=10, languages=1, steps=6, counted=5)


async def measure_rate(api: StubBotAPI, offered: list[Offered], owed: int) -> float:
    """Updates a second, from the first getUpdates that returned updates until `owed` calls reached the stub."""
    arrived = Owed(api, owed)
    api.offer([item.update for item in offered])
    await asyncio.wait_for(arrived.done.wait(), timeout=LIMIT_SECONDS)
    assert api.first_poll_at is not None
    return len(offered) / (arrived.last - api.first_poll_at)


async def frontdoor_rate(
    folder: Path, offered: list[Offered], library: str, database: str = "sqlite", *, counted: bool = False
) -> tuple[float, statements.Tally | None]:
    """Frontdoor's rate on `library` and a new database; with `counted`, the statements it ran too."""
    api = StubBotAPI()
    owed = sum(item.replies + item.button for item in offered)
    (folder / library).mkdir(parents=True)
    async with fresh_database(database, folder / library) as url:
        if not counted:
            return await rate_on(api, offered, owed, settings_for(folder / library, database_url=url), library), None
        async with statements.counting(url) as (relayed, watch, tally):
            settings = settings_for(folder / library, database_url=relayed)
            return await rate_on(api, offered, owed, settings, library, watch), tally


async def rate_on(
    api: StubBotAPI, offered: list[Offered], owed: int, settings: Settings, library: str, watch: Watch | None = None
) -> float:
    async with running_frontdoor(api, settings, library, watch):
        return await measure_rate(api, offered, owed)


async def echo_rate(offered: list[Offered]) -> float:
    api = StubBotAPI()
    async with running_echo(api):
        return await measure_rate(api, offered, len(offered))


async def run(tiny: bool = False, database: str = "sqlite", **overrides: float) -> list[Figure]:
    size = sized(FULL, TINY, tiny, overrides)
    with scratch(NAME) as folder:
        from handlers.core.program import load_program

        languages = list(load_program().languages[: size.languages])
        scripts = await rehearse(folder, languages)
        offered = crowd(scripts, size.users, size.steps or None)
        started = time.perf_counter()
        echo = await echo_rate(offered)
        rates = {library: (await frontdoor_rate(folder, offered, library, database))[0] for library in LIBRARIES}
        took = time.perf_counter() - started
        counts: list[Figure] = []
        if size.counted:
            few = crowd(scripts, size.counted, size.steps or None)
            _, tally = await frontdoor_rate(folder / "counted", few, "aiogram", database, counted=True)
            assert tally is not None
            counts = statements.figures(NAME, database, tally, len(few), "at once, on aiogram")
        whatsapp = await whatsapp_figures(folder / whatsapp_door.DOOR, languages, size, database)
    note = (
        f"on {database}: Frontdoor {', '.join(f'on {library} {rate:,.1f}' for library, rate in rates.items())} "
        f"updates/s, bare aiogram echo {echo:,.1f} updates/s; {len(offered):,} updates from {size.users:,} people "
        f"({len(scripts)} languages, {len(offered) // size.users} steps each); {took:.0f} s"
    )
    ratios = [
        Figure(NAME, f"ratio to a bare aiogram echo bot, on {library}", rate / echo, "", TARGETS[database])
        for library, rate in rates.items()
    ]
    figures = [*ratios[:-1], replace(ratios[-1], note=note)]  # the note once, below both
    figures += [
        Figure(NAME, f"Frontdoor updates per second on {library}", rate, "updates/s") for library, rate in rates.items()
    ]
    return [*figures, Figure(NAME, "echo updates per second", echo, "updates/s"), *counts, *whatsapp]


async def whatsapp_figures(folder: Path, languages: list[str], size: Size, database: str) -> list[Figure]:
    """The WhatsApp door's rate against its bare webhook echo's, the same crowd fed to each."""
    scripts = await rehearse(folder, languages, whatsapp_door.DOOR)
    posted = whatsapp_door.crowd(scripts, size.users, size.steps or None)
    echo = await whatsapp_door.echo_rate(folder / "echo", posted)
    door = await whatsapp_door.on_database(database, folder / "door", posted)
    note = (
        f"on {database}: the WhatsApp door {door.rate:,.1f} updates/s, bare aiohttp webhook echo {echo.rate:,.1f} "
        f"updates/s, each a process; {len(posted):,} signed webhook POSTs from {size.users:,} people, "
        f"{whatsapp_door.CONNECTIONS} at once; {whatsapp_door.cpu_note(door)}; the echo's "
        f"{echo.door_cpu * 1000:.2f} ms"
    )
    return [
        Figure(NAME, "ratio to a bare webhook echo, WhatsApp", door.rate / echo.rate, "", note=note),
        Figure(NAME, "Frontdoor updates per second on WhatsApp", door.rate, "updates/s"),
        Figure(NAME, "WhatsApp echo updates per second", echo.rate, "updates/s"),
    ]
