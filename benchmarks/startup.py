"""6. Start-up: from starting `frontdoor run` to its first getUpdates, and what the time goes on, on
each Telegram library (FRONTDOOR_TELEGRAM_LIBRARY=aiogram, then ptb).

`frontdoor run` starts as a real process (python -m bot.cli run) against a stub Bot API served over
HTTP on 127.0.0.1, on a SQLite file that already exists (a restart; the very first start, which also
creates the tables, is reported beside it). The figure is the median of three restarts. Where the
time goes: the interpreter alone (python -c pass); every import, by package (a fourth start under
python -X importtime, which slows imports a little); what remains before the first Bot API call
(settings, the program file, catalogs, the database and its migrations); and the Bot API calls
before polling (getMe, the command menu in every language, getWebhookInfo). Beside the time, the
process's CPU time (user + sys) to its first getUpdates: a loaded machine stretches the time, much
less the CPU time. Frontdoor's modules are compiled to bytecode first (python -m compileall), as a
second start finds them even where PYTHONDONTWRITEBYTECODE keeps a process from writing them.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from aiohttp import web

from benchmarks.common import Figure, median, scratch, sqlite_url
from benchmarks.telegram_stub import TOKEN, StubBotAPI
from bot.channels.telegram_library import MODULES
from tests.e2e.bot_process import free_port

NAME = "startup"
ROOT = Path(__file__).resolve().parent.parent
RESTARTS = 3
LIBRARIES = tuple(MODULES)
WAIT_SECONDS = 120.0
GROUPS = {  # an import's package -> the group it is reported under
    "aiogram": "aiogram",
    "magic_filter": "aiogram",
    "telegram": "python-telegram-bot",
    "httpx": "httpx",
    "httpcore": "httpx",
    "h11": "httpx",
    "anyio": "httpx",
    "sniffio": "httpx",
    "certifi": "httpx",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "annotated_types": "pydantic",
    "typing_inspection": "pydantic",
    "sqlalchemy": "SQLAlchemy",
    "aiosqlite": "SQLAlchemy",
    "asyncpg": "SQLAlchemy",
    "alembic": "Alembic",
    "mako": "Alembic",
    "babel": "Babel",
    "aiohttp": "aiohttp",
    "yarl": "aiohttp",
    "multidict": "aiohttp",
    "aiosignal": "aiohttp",
    "frozenlist": "aiohttp",
    "propcache": "aiohttp",
    "aiohappyeyeballs": "aiohttp",
    "bot": "Frontdoor",
    "handlers": "Frontdoor",
    "storage": "Frontdoor",
}


class StubServer:
    """The stub Bot API over HTTP: records when each call came, answers getUpdates with nothing."""

    def __init__(self) -> None:
        self.api = StubBotAPI()
        self.calls: list[tuple[float, str]] = []
        self.polled = asyncio.Event()
        self.pid: int | None = None
        self.cpu_seconds = float("nan")  # the process's CPU time (user + sys) at its first getUpdates

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append((time.perf_counter(), method))
        fields: dict[str, Any] = dict(await request.post())
        if method == "getUpdates":
            if self.pid is not None and not self.polled.is_set():
                self.cpu_seconds = cpu_seconds(self.pid)
            self.polled.set()
            return web.json_response({"ok": True, "result": []})
        status, body = await self.api.answer(method, fields)
        return web.json_response(body, status=status)

    def first(self, method: str) -> float:
        return next(at for at, name in self.calls if name == method)


async def start_once(
    folder: Path, port: int, library: str, *, importtime: bool = False
) -> tuple[float, StubServer, str]:
    """Start `frontdoor run`, wait for its first getUpdates, stop it; (seconds, what the stub saw, stderr)."""
    server = StubServer()
    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/{{method}}", server.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    env = run_environment(folder, port, library)
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "bot.cli", "run"]
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    server.pid = process.pid
    try:
        await asyncio.wait_for(server.polled.wait(), timeout=WAIT_SECONDS)
        seconds = server.first("getUpdates") - started
        server.started = started  # type: ignore[attr-defined]
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await process.communicate()
        await runner.cleanup()
    return seconds, server, stderr.decode(errors="replace")


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far, user and system (/proc/PID/stat's utime and stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_environment(folder: Path, port: int, library: str) -> dict[str, str]:
    """`frontdoor run`'s environment: the stub on `port`, a SQLite file in `folder`, the library."""
    return os.environ | {
        "PYTHONPATH": str(ROOT),
        "FRONTDOOR_BOT_TOKEN": TOKEN,
        "FRONTDOOR_TELEGRAM_API_URL": f"http://127.0.0.1:{port}",
        "FRONTDOOR_DATABASE_URL": sqlite_url(folder / "frontdoor.db"),
        "FRONTDOOR_TELEGRAM_LIBRARY": library,
    }


# The sender's limits lifted, as in the throughput benchmark: what is measured is the bot, not the waiting.
LIMITS_OFF: dict[str, str] = {
    "FRONTDOOR_CHAT_INTERVAL": "0",
    "FRONTDOOR_SEND_RATE": "1000",
    "FRONTDOOR_PERSON_BURST": "1000000",
}


async def start_frontdoor(folder: Path, env: dict[str, str], *arguments: str) -> asyncio.subprocess.Process:
    """`frontdoor run ARGUMENTS` as a process in `folder`, with the sender's limits lifted, its output discarded."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        *arguments,
        cwd=folder,
        env=env | LIMITS_OFF,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def imports_by_group(stderr: str) -> tuple[dict[str, float], list[str]]:
    """Import time by package group (-X importtime's self times, which add up to the whole), and the
    modules imported directly (not by another import), in order."""
    groups: dict[str, float] = defaultdict(float)
    direct: list[str] = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|( *)(\S+)", line)
        if match:
            name = match.group(3)
            groups[GROUPS.get(name.split(".")[0], "other")] += int(match.group(1)) / 1e6
            if len(match.group(2)) == 1:
                direct.append(name)
    return dict(sorted(groups.items(), key=lambda item: -item[1])), direct


def import_seconds(modules: list[str]) -> float:
    """How long a plain interpreter takes to import these modules (and all they import), beyond starting."""
    # A module imported while the bot runs (httpx's anyio back-end, by the first request) may not
    # import outside a running event loop: left out, as it is not part of the start before it.
    code = (
        "import importlib, sys, time\n"
        "started = time.perf_counter()\n"
        "for name in dict.fromkeys(sys.argv[1:]):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        pass\n"
        "print(time.perf_counter() - started)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code, *modules],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    )
    return float(output.stdout.strip().splitlines()[-1])


def interpreter_seconds() -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - started)
    return median(times)


async def run(tiny: bool = False, **overrides: float) -> list[Figure]:
    """--tiny: one start only, under -X importtime (slower, so the figure is only a smoke test's)."""
    restarts = 0 if tiny else int(overrides.get("restarts", RESTARTS))
    port = free_port()
    subprocess.run([sys.executable, "-m", "compileall", "-q", "bot", "handlers", "storage"], cwd=ROOT, check=True)
    figures = []
    for library in LIBRARIES:
        with scratch(f"{NAME}-{library}") as folder:
            figures.append(await _measure(folder, port, library, restarts))
    return figures


async def _measure(folder: Path, port: int, library: str, restarts: int) -> Figure:
    traced, server, importtime = await start_once(folder, port, library, importtime=True)  # creates the tables
    times, servers = [traced], [server]
    first = float("nan")
    if restarts:
        (folder / "frontdoor.db").unlink()
        first, _, _ = await start_once(folder, port, library)
        times, servers = [], []
    for _ in range(restarts):
        seconds, server, _ = await start_once(folder, port, library)
        times.append(seconds)
        servers.append(server)
    figure = median(times)
    server = servers[sorted(range(len(times)), key=lambda index: times[index])[len(times) // 2]]
    cpu = median([each.cpu_seconds for each in servers])
    started: float = server.started  # type: ignore[attr-defined]
    before_api = server.first("getMe") - started
    api_calls = server.first("getUpdates") - server.first("getMe")
    interpreter = interpreter_seconds()
    groups, direct = imports_by_group(importtime)
    imports = sum(groups.values())
    if restarts:
        imports = import_seconds([name for name in direct if name not in ("__main__", "encodings")])
    share = imports / (sum(groups.values()) or 1.0)  # -X importtime slows imports; its shares are kept
    spent = ", ".join(f"{name} {seconds * share:.2f}" for name, seconds in groups.items() if seconds * share >= 0.01)
    how = (
        f"median of {len(times)} restarts ({', '.join(f'{t:.2f}' for t in times)} s); first start (tables created) "
        f"{first:.2f} s"
        if restarts
        else "one first start under -X importtime (--tiny)"
    )
    note = (
        f"{how}; CPU time (user + sys) to the first getUpdates {cpu:.2f} s (median)\n"
        f"      spent on: interpreter {interpreter:.2f} s; imports {imports:.2f} s ({spent}); "
        f"the rest before the first Bot API call {max(0.0, before_api - interpreter - imports):.2f} s "
        f"(settings, program file, catalogs, database and migrations); Bot API calls before polling "
        f"{api_calls:.2f} s ({sum(1 for _, name in server.calls if name != 'getUpdates')} calls)"
    )
    return Figure(NAME, f"process start to first getUpdates, on {library}", figure, "s", note=note)
