"""The Cloud API's side for the WhatsApp door's benchmarks: a fast stub Graph API, the webhook POSTs
Meta would make (signed), and the door as a real process (`frontdoor run --whatsapp`) or its yardstick
(benchmarks.whatsapp_echo).

`StubGraphAPI` answers `/{version}/{phone-number-id}/messages` and `/media` at once, checking only
the token, and tells `on_send` of each message as it arrives (its time.perf_counter(), its `to`): it
enforces no limit and no 24-hour window (the e2e tests' emulator, tests/e2e/whatsapp_emulator.py,
does), so what is measured is the bot's own work. Kept here: the benchmarks import nothing of tests/.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import aiohttp
from aiohttp import web

ROOT: Final = Path(__file__).resolve().parent.parent
VERSION: Final = "v21.0"  # bot.channels.whatsapp.GRAPH_VERSION
PHONE_NUMBER_ID: Final = "106540352242922"
TOKEN: Final = "EAAG-benchmark-access-token"
APP_SECRET: Final = "benchmark-app-secret-0123456789abcdef"
VERIFY_TOKEN: Final = "benchmark-verify-token"
START_SECONDS: Final = 120.0
FIRST_NUMBER: Final = 15_195_550_000  # the crowd's WhatsApp numbers (wa_id), one after another


def sign(body: bytes) -> str:
    """`X-Hub-Signature-256` as Meta writes it: the HMAC-SHA256 of the raw body with the app secret."""
    return "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(wa_id: int, message_id: str, message: dict[str, Any]) -> bytes:
    """The JSON of a webhook POST carrying one message from `wa_id` to our number, as Meta sends it."""
    stamp = {"from": str(wa_id), "id": message_id, "timestamp": str(int(time.time()))}
    metadata = {"display_phone_number": "15550001234", "phone_number_id": PHONE_NUMBER_ID}
    value = {
        "messaging_product": "whatsapp",
        "metadata": metadata,
        "contacts": [{"profile": {"name": f"Person {wa_id}"}, "wa_id": str(wa_id)}],
        "messages": [stamp | message],
    }
    update = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(update).encode()


@dataclass(frozen=True)
class Sent:
    at: float  # time.perf_counter() when the stub received it
    to: int


@dataclass
class StubGraphAPI:
    """The Graph API on 127.0.0.1: every message taken at once and recorded; `url` once started."""

    on_send: Callable[[Sent], None] | None = None
    sent: list[Sent] = field(default_factory=list)
    uploads: int = 0
    url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def _on_message(self, request: web.Request) -> web.Response:
        at = time.perf_counter()
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"error": {"code": 190, "message": "Invalid OAuth access token."}}, status=401)
        body = await request.json()
        sent = Sent(at, int(body["to"]))
        self.sent.append(sent)
        if self.on_send is not None:
            self.on_send(sent)
        answer = {"messaging_product": "whatsapp", "messages": [{"id": f"wamid.out{next(self._ids)}"}]}
        return web.json_response(answer | {"contacts": [{"input": body["to"], "wa_id": body["to"]}]})

    async def _on_media(self, request: web.Request) -> web.Response:
        await request.read()
        self.uploads += 1
        return web.json_response({"id": f"{next(self._ids)}0451"})

    def most_to_one(self) -> int:
        """The most messages any one person got: against the pair rate's burst (45)."""
        counts: dict[int, int] = {}
        for sent in self.sent:
            counts[sent.to] = counts.get(sent.to, 0) + 1
        return max(counts.values(), default=0)

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[StubGraphAPI]:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post(f"/{VERSION}/{{number}}/messages", self._on_message)
        app.router.add_post(f"/{VERSION}/{{number}}/media", self._on_media)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        try:
            yield self
        finally:
            await runner.cleanup()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def door_environment(api_url: str, database_url: str) -> dict[str, str]:
    """`frontdoor run --whatsapp`'s environment (and the echo's): the stub, the database, the limits.

    Lifted: the sender's 80 messages a second (Meta's default for a number, which a program can have
    raised to 1,000: set to that) and one person's allowance of updates (bot.flood), as for Telegram
    (benchmarks.harness). Kept: the pair rate, 45 at once then one every 6 seconds to a person: the
    crowd is many people, none sent more than a person is in a real intake (the figures say how many).
    """
    return os.environ | {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "FRONTDOOR_WHATSAPP_TOKEN": TOKEN,
        "FRONTDOOR_WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "FRONTDOOR_WHATSAPP_APP_SECRET": APP_SECRET,
        "FRONTDOOR_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "FRONTDOOR_WHATSAPP_API_URL": api_url,
        "FRONTDOOR_DATABASE_URL": database_url,
        "FRONTDOOR_WHATSAPP_SEND_RATE": "1000",
        "FRONTDOOR_PERSON_BURST": "1000000",
    }


@dataclass
class Door:
    """A webhook process listening on `port`; `pid` for its CPU time."""

    process: asyncio.subprocess.Process
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/whatsapp"

    def cpu_seconds(self) -> float:
        """Its user and system CPU time so far (/proc/PID/stat)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def running(folder: Path, env: dict[str, str], module: str, *arguments: str) -> AsyncIterator[Door]:
    """`python -m MODULE ARGUMENTS --listen 127.0.0.1:PORT` in `folder`, once it listens; SIGTERM after."""
    port = free_port()
    log = (folder / f"{module}.log").open("ab")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *arguments,
        "--listen",
        f"127.0.0.1:{port}",
        cwd=folder,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        await _listening(process, port, folder / f"{module}.log")
        yield Door(process, port)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        await process.wait()
        log.close()


async def _listening(process: asyncio.subprocess.Process, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    async with aiohttp.ClientSession() as session:
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"the webhook process exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as answer:
                    if answer.status in (200, 404, 503):  # the echo has no /healthz: any answer is a listener
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the webhook process on port {port} did not start:\n{log.read_text()[-3000:]}")
            await asyncio.sleep(0.1)
