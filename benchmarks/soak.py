"""Soak: `frontdoor run`'s resident memory over half an hour at a steady 50 updates a second, on each library.

`frontdoor run` starts as a real process on each Telegram library (aiogram and python-telegram-bot,
side by side, each with its own stub Bot API over HTTP and its own SQLite file), as the memory
benchmark starts it. A crowd takes the newcomer's whole intake, Submit included, the updates offered
evenly at the rate (3,000 people for the full half hour: each sends a step every minute); the
sender's limits are lifted, as in the throughput benchmark, so replies do not queue behind
Telegram's pace. Every minute (--tiny: every 2 s) each process's resident memory (VmRSS) is read and
printed; once every reply owed to the first 10,000 updates has arrived it is read too. It stops by
itself after `minutes`, once the replies owed have arrived (or a minute later, counted as unsent).

Figures: resident memory after 10,000 updates; its growth from there to the end (target: at most
5 %, flat); the replies still unsent at the end; the series, in the note.
"""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import Figure, scratch, sized
from benchmarks.intake import Offered, crowd, rehearse
from benchmarks.memory import resident_mb, serve_stub
from benchmarks.startup import run_environment, start_frontdoor
from benchmarks.telegram_stub import Call, StubBotAPI
from bot.channels.telegram_library import MODULES
from tests.e2e.bot_process import free_port

NAME = "soak"
TARGET_GROWTH = 0.05  # of the resident memory after 10,000 updates, by the end of the soak
MARK = 10_000  # updates: the memory benchmark's burst, here at a steady rate
DRAIN_SECONDS = 60.0
START_SECONDS = 300.0


@dataclass(frozen=True)
class Size:
    minutes: float
    rate: float  # updates offered a second
    every: float  # seconds between two readings of the memory
    languages: int


FULL = Size(minutes=30.0, rate=50.0, every=60.0, languages=10)
TINY = Size(minutes=0.1, rate=10.0, every=2.0, languages=1)


@dataclass
class Soaked:
    """One library's process during the soak: what was offered, answered, and its memory over time."""

    library: str
    api: StubBotAPI = field(default_factory=StubBotAPI)
    owed: int = 0  # messages and button answers owed for the updates offered so far
    received: int = 0
    offered: int = 0
    owed_at_mark: int | None = None  # owed once the MARK-th update was offered
    at_mark: float | None = None  # MB once every reply owed to the first MARK updates arrived
    series: list[tuple[float, int, float]] = field(default_factory=list)  # (minutes, updates offered, MB)
    pid: int = 0

    def on_call(self, _call: Call) -> None:
        self.received += 1
        if self.at_mark is None and self.owed_at_mark is not None and self.received >= self.owed_at_mark:
            self.at_mark = resident_mb(self.pid)

    def offer(self, item: Offered) -> None:
        self.api.offer([item.update])
        self.offered += 1
        self.owed += item.replies + item.button
        if self.offered == MARK:
            self.owed_at_mark = self.owed


async def start(folder: Path, port: int, soaked: Soaked) -> tuple[asyncio.subprocess.Process, object]:
    polled = asyncio.Event()
    soaked.api.on_send = soaked.api.on_answer = soaked.on_call
    runner = await serve_stub(soaked.api, port, polled)
    process = await start_frontdoor(folder, run_environment(folder, port, soaked.library))
    soaked.pid = process.pid
    await asyncio.wait_for(polled.wait(), timeout=START_SECONDS)
    return process, runner


async def offer_steadily(everyone: list[Soaked], offered: list[Offered], rate: float, seconds: float) -> None:
    """Each update to every process at once, `rate` a second, for `seconds` (or until the crowd is done)."""
    began = time.perf_counter()
    for index, item in enumerate(offered):
        due = began + index / rate
        if due - began >= seconds:
            return
        pause = due - time.perf_counter()
        if pause > 0:
            await asyncio.sleep(pause)
        for soaked in everyone:
            soaked.offer(item)


async def sample(everyone: list[Soaked], every: float, stop: asyncio.Event) -> None:
    began = time.perf_counter()
    while not stop.is_set():
        minutes = (time.perf_counter() - began) / 60
        for soaked in everyone:
            mb = resident_mb(soaked.pid)
            soaked.series.append((minutes, soaked.offered, mb))
            print(
                f"  soak {soaked.library:>8} {minutes:6.1f} min {soaked.offered:>8,} updates {mb:7.1f} MB", flush=True
            )
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
        except TimeoutError:
            pass


async def drain(everyone: list[Soaked]) -> None:
    deadline = time.perf_counter() + DRAIN_SECONDS
    while time.perf_counter() < deadline and any(soaked.received < soaked.owed for soaked in everyone):
        await asyncio.sleep(0.5)


async def run(tiny: bool = False, **overrides: float) -> list[Figure]:
    size = sized(FULL, TINY, tiny, overrides)
    seconds = size.minutes * 60
    everyone = [Soaked(library) for library in MODULES]
    with scratch(NAME) as folder:
        from handlers.core.program import load_program

        scripts = await rehearse(folder, list(load_program().languages[: size.languages]))
        steps = max(len(script) for script in scripts.values())
        users = max(1, round(size.rate * seconds / steps) + 1)
        offered = crowd(scripts, users)
        started = []
        try:
            for soaked in everyone:
                (folder / soaked.library).mkdir()
                started.append(await start(folder / soaked.library, free_port(), soaked))
            stop = asyncio.Event()
            sampling = asyncio.create_task(sample(everyone, size.every, stop))
            await offer_steadily(everyone, offered, size.rate, seconds)
            await drain(everyone)
            stop.set()
            await sampling
            ended = [resident_mb(soaked.pid) for soaked in everyone]
        finally:
            for process, runner in started:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                await process.wait()
                await runner.cleanup()  # type: ignore[attr-defined]
    return [figure for soaked, end in zip(everyone, ended, strict=True) for figure in _figures(soaked, end, users)]


def _figures(soaked: Soaked, end: float, users: int) -> list[Figure]:
    series = "; ".join(f"{minutes:.1f} min {mb:.0f} MB" for minutes, _updates, mb in soaked.series)
    mark = soaked.at_mark
    base = mark if mark is not None else soaked.series[0][2]
    growth = (end - base) / base
    note = (
        f"{soaked.offered:,} updates offered by up to {users:,} people; RSS every reading: {series}; end {end:.0f} MB"
    )
    figures = [
        Figure(
            NAME,
            f"growth from {MARK:,} updates to the end, {soaked.library}" if mark else f"growth, {soaked.library}",
            growth * 100,
            "%",
            TARGET_GROWTH * 100,
            higher_is_better=False,
            note=note,
        ),
        Figure(
            NAME, f"replies unsent at the end, {soaked.library}", float(soaked.owed - soaked.received), "", 0.0, False
        ),
    ]
    if mark is not None:
        figures.insert(0, Figure(NAME, f"resident after {MARK:,} updates, {soaked.library}", mark, "MB"))
    return figures
