"""Webhook workers: one `frontdoor run --webhook` against two on one database, the same crowd sent to each.

Each worker is a real process (python -m bot.cli run --webhook …), its Bot API calls answered by the
stub over HTTP. This process plays Telegram and the reverse proxy in front of the workers: it posts
each update (with the webhook's secret) as Telegram posts them, at most `connections` at once in all
(Telegram's default for a webhook is 40), spread evenly over the workers. A crowd (1,000 people, ten
intake steps each) is sent as fast as the workers take it; the rate runs from the first update
posted to the last message owed reaching the stub (every reply sent, every button answered), as in
the throughput benchmark. Limits are lifted the same way.

What limits two workers is read from /proc while each run lasts: the CPU the workers, the database
server (every `postgres` process) and this process (the stub and the posting) used per update, and
how busy the machine's cores were (other people's work on it included).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.common import Figure, fresh_database, scratch, sized
from benchmarks.intake import Offered, crowd, rehearse
from benchmarks.memory import serve_stub
from benchmarks.startup import run_environment, start_frontdoor
from benchmarks.telegram_stub import Owed, StubBotAPI
from tests.e2e.bot_process import free_port

NAME = "workers"
TARGET = 1.3  # two workers' rate against one's (issue 27), on this two-core machine
SECRET = "benchmark-webhook-secret"
START_SECONDS = 300.0
LIMIT_SECONDS = 1800.0
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Size:
    users: int
    steps: int
    languages: int
    connections: int  # updates being posted at once, over all workers


FULL = Size(users=1000, steps=10, languages=10, connections=40)
TINY = Size(users=10, steps=4, languages=1, connections=4)


@dataclass
class Measured:
    rate: float  # updates a second
    cpu: dict[str, float]  # seconds of CPU per update: the workers, the database server, this process
    busy: float  # the machine's cores busy, as a share of all of them


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used, in seconds (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def database_server_cpu() -> float:
    """CPU used so far by every PostgreSQL process on this machine."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name.startswith("postgres"):
                total += cpu_seconds(int(entry.name))
    return total


def machine_ticks() -> tuple[int, int]:
    """(busy, all) CPU ticks of the whole machine so far, from /proc/stat."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


async def start_workers(folder: Path, url: str, api_port: int, count: int, api: StubBotAPI) -> list[Any]:
    """`count` webhook workers on `url`, each listening on its own port; returned once each is serving."""
    processes = []
    for _worker in range(count):
        port = free_port()
        env = run_environment(folder, api_port, "aiogram") | {
            "FRONTDOOR_DATABASE_URL": url,
            "FRONTDOOR_WEBHOOK_SECRET": SECRET,
        }
        webhook = ["--webhook", f"http://127.0.0.1:{port}/telegram", "--listen", f"127.0.0.1:{port}"]
        process = await start_frontdoor(folder, env, *webhook)
        processes.append((process, port))
        # One at a time: the first migrates the new database, the others find it done.
        await _serving(port)
    return processes


async def _serving(port: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status in (200, 503):
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the webhook worker on port {port} did not start")
            await asyncio.sleep(0.2)


async def post_all(ports: list[int], offered: list[Offered], connections: int) -> None:
    """Every update posted once, `connections` at a time, the i-th connection always to the same worker."""
    pending = iter(offered)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def connection(session: aiohttp.ClientSession, port: int) -> None:
        for item in pending:
            async with session.post(f"http://127.0.0.1:{port}/telegram", json=item.update, headers=headers) as answer:
                if answer.status != 200:
                    raise RuntimeError(f"the worker on port {port} answered {answer.status}")

    limits = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=limits) as session:
        await asyncio.gather(*(connection(session, ports[index % len(ports)]) for index in range(connections)))


async def measure(folder: Path, database: str, count: int, offered: list[Offered], size: Size) -> Measured:
    api = StubBotAPI()
    arrived = Owed(api, sum(item.replies + item.button for item in offered))
    api_port = free_port()
    runner = await serve_stub(api, api_port, asyncio.Event())
    folder.mkdir()
    async with fresh_database(database, folder) as url:
        workers = await start_workers(folder, url, api_port, count, api)
        try:
            before = _readings([process.pid for process, _port in workers])
            began = time.perf_counter()
            await post_all([port for _process, port in workers], offered, size.connections)
            await asyncio.wait_for(arrived.done.wait(), timeout=LIMIT_SECONDS)
            after = _readings([process.pid for process, _port in workers])
        finally:
            for process, _port in workers:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                await process.wait()
            await runner.cleanup()
    used = {name: (after[name] - before[name]) / len(offered) for name in ("workers", "database", "benchmark")}
    busy = (after["busy"] - before["busy"]) / max(1.0, after["all"] - before["all"])
    return Measured(len(offered) / (arrived.last - began), used, busy)


def _readings(pids: list[int]) -> dict[str, float]:
    busy, everything = machine_ticks()
    return {
        "workers": sum(cpu_seconds(pid) for pid in pids),
        "database": database_server_cpu(),
        "benchmark": time.process_time(),
        "busy": busy,
        "all": everything,
    }


async def run(tiny: bool = False, database: str = "postgresql", **overrides: float) -> list[Figure]:
    size = sized(FULL, TINY, tiny, overrides)
    with scratch(NAME) as folder:
        from handlers.core.program import load_program

        scripts = await rehearse(folder, list(load_program().languages[: size.languages]))
        offered = crowd(scripts, size.users, size.steps)
        one = await measure(folder / "one", database, 1, offered, size)
        two = await measure(folder / "two", database, 2, offered, size)
    return [
        Figure(
            NAME,
            f"two webhook workers against one, {database}",
            two.rate / one.rate,
            "",
            TARGET,
            note=f"one worker {one.rate:,.1f} updates/s, two {two.rate:,.1f}; {len(offered):,} updates from "
            f"{size.users:,} people, {size.connections} posted at once; {_limits(one, 'one')}; {_limits(two, 'two')}",
        ),
        Figure(NAME, f"one webhook worker, {database}", one.rate, "updates/s"),
        Figure(NAME, f"two webhook workers, {database}", two.rate, "updates/s"),
    ]


def _limits(measured: Measured, label: str) -> str:
    cpu = ", ".join(f"{name} {seconds * 1000:.2f}" for name, seconds in measured.cpu.items())
    return f"{label}: CPU ms per update {cpu}; the machine's cores {measured.busy:.0%} busy"
