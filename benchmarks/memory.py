"""9. Memory: `frontdoor run`'s resident memory, idle and after 10,000 updates, on each Telegram library.

`frontdoor run` starts as a real process (python -m bot.cli run) against the stub Bot API served
over HTTP on 127.0.0.1, once with FRONTDOOR_TELEGRAM_LIBRARY=aiogram and once with ptb, each on a
fresh SQLite file. A crowd (1,000 people, 10 intake steps each: 10,000 updates; --tiny: 15) waits at
getUpdates once polling has begun; the figure is the process's resident memory (VmRSS in
/proc/PID/status) once every reply owed was sent and every button answered. Idle: the same, as
the first getUpdates arrives, before any update. Frontdoor's own share (issue 27: at most 40 MB
on either library) is what it holds beyond a bare process of the same library: the interpreter with
the library imported and its Bot made, idle (`bare_mb`).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from benchmarks.common import Figure, scratch, sized
from benchmarks.intake import Offered, crowd, rehearse
from benchmarks.startup import run_environment, start_frontdoor
from benchmarks.telegram_stub import TOKEN, Call, StubBotAPI
from bot.channels.telegram_library import MODULES
from tests.e2e.bot_process import free_port

NAME = "memory"
TARGET_MB = 120.0  # issue 28: a small, cheap server's share
BARE = {  # a bare process of each library: imported, its Bot made, then idle
    "aiogram": "from aiogram import Bot\nbot = Bot('123456:TEST-token')",
    "ptb": "from telegram import Bot\nbot = Bot('123456:TEST-token')",
}
WAIT_SECONDS = 1800.0


@dataclass(frozen=True)
class Size:
    users: int
    steps: int
    languages: int


FULL = Size(users=1000, steps=10, languages=10)
TINY = Size(users=5, steps=3, languages=1)


def resident_mb(pid: int) -> float:
    """The process's resident memory now (VmRSS), in megabytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def bare_mb(library: str) -> float:
    """The resident memory of a bare process of `library`, idle."""
    code = f"{BARE[library]}\nimport sys\nprint('ready', flush=True)\nsys.stdin.read()"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None and process.stdin is not None
    await asyncio.wait_for(process.stdout.readline(), timeout=WAIT_SECONDS)
    try:
        return resident_mb(process.pid)
    finally:
        process.stdin.close()
        await process.wait()


async def serve_stub(api: StubBotAPI, port: int, polled: asyncio.Event) -> web.AppRunner:
    """The stub over HTTP, as `frontdoor run` calls Telegram: every method, forms in, JSON out."""

    async def handle(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        fields: dict[str, Any] = dict(await request.post())
        if method == "getUpdates":
            polled.set()
        status, body = await api.answer(method, fields)
        return web.json_response(body, status=status)

    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/{{method}}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def measure(folder: Path, port: int, library: str, offered: list[Offered]) -> tuple[float, float]:
    """(idle MB, MB once every update offered was answered) of `frontdoor run` on `library`."""
    api, polled, done = StubBotAPI(), asyncio.Event(), asyncio.Event()
    owed = sum(item.replies + item.button for item in offered)
    received = 0

    def on_call(_call: Call) -> None:
        nonlocal received
        received += 1
        if received >= owed:
            done.set()

    api.on_send = api.on_answer = on_call
    runner = await serve_stub(api, port, polled)
    process = await start_frontdoor(folder, run_environment(folder, port, library))
    try:
        await asyncio.wait_for(polled.wait(), timeout=WAIT_SECONDS)
        idle = resident_mb(process.pid)
        api.offer([item.update for item in offered])
        await asyncio.wait_for(done.wait(), timeout=WAIT_SECONDS)
        return idle, resident_mb(process.pid)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        await process.wait()
        await runner.cleanup()


async def run(tiny: bool = False, **overrides: float) -> list[Figure]:
    size = sized(FULL, TINY, tiny, overrides)
    port = free_port()
    figures = []
    with scratch(NAME) as folder:
        from handlers.core.program import load_program

        scripts = await rehearse(folder, list(load_program().languages[: size.languages]))
        offered = crowd(scripts, size.users, size.steps)
        for library in MODULES:
            (folder / library).mkdir()
            idle, after = await measure(folder / library, port, library, offered)
            bare = await bare_mb(library)
            note = (
                f"idle {idle:.0f} MB; {len(offered):,} updates from {size.users:,} people answered; a bare "
                f"{library} process {bare:.0f} MB, so Frontdoor's own {idle - bare:.0f} MB idle, "
                f"{after - bare:.0f} MB after"
            )
            figures.append(
                Figure(
                    NAME,
                    f"resident after {len(offered):,} updates, on {library}",
                    after,
                    "MB",
                    TARGET_MB,
                    higher_is_better=False,
                    note=note,
                )
            )
    return figures
