"""Webhook mode under attack: connections that never finish their headers, and requests no Telegram sends.

A real `frontdoor run --webhook` worker on 127.0.0.1, limited to 1,024 open files as a small
server is (the soft and the hard limit both, so raising the soft one does not help), against
the Bot API emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Final

import aiohttp
import pytest

from bot.channels.telegram_library import MODULES
from tests.e2e.bot_process import BotProcess, free_port
from tests.e2e.emulator import SECRET_HEADER, BotApiEmulator
from tests.e2e.script import answer

OPEN_FILES: Final = 1024  # the worker's limit: a common default (systemd's soft limit, many containers)
STALLED: Final = 1_100  # more connections than the worker could ever hold open
HALF_A_HEADER: Final = b"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appli"
LOG_BOUND: Final = 100_000  # bytes; before the fix the log grew by 161 MB in 30 s
CLOSED_WITHIN: Final = 60.0  # seconds to wait for the worker to drop a stalled connection; it takes a few


@pytest.fixture
def library() -> str:
    """Stalled connections are the listener's (aiohttp's) to drop, whichever library reads updates;
    what is refused as no update is the library's to read, and is tested on both."""
    return "aiogram"


@pytest.fixture
async def telegram(library: str) -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        emulator.library = library
        yield emulator


@pytest.fixture
async def worker(telegram: BotApiEmulator, tmp_path: Path, database_url: str) -> AsyncIterator[BotProcess]:
    process = BotProcess(telegram, tmp_path, database_url, webhook_port=free_port(), open_files=OPEN_FILES)
    await process.start()
    yield process
    process.stop()


@pytest.fixture
def room_for_the_attacker() -> Iterator[None]:
    """The attacking side (this test) needs more than a thousand sockets of its own."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < STALLED + 500:
        pytest.skip(f"this process may open only {hard} files; the attack needs {STALLED + 500}")
    if soft != resource.RLIM_INFINITY and soft < STALLED + 500:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * STALLED), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


Stalled = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def stall(port: int) -> Stalled | None:
    """One slowloris connection: half a header, then nothing; None when the worker did not take it."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout=5.0)
        writer.write(HALF_A_HEADER)
        await writer.drain()
    except (OSError, TimeoutError):
        return None
    return reader, writer


async def closed_by_the_worker(connection: Stalled) -> bool:
    with contextlib.suppress(OSError):
        await connection[0].read()  # b"" (or a reset) once the worker hangs up
    return True


async def post(port: int, body: bytes, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://127.0.0.1:{port}/telegram", data=body, headers=headers) as response,
    ):
        await response.read()
        return response.status


async def status_of_a_body_that_never_comes(port: int, secret: str) -> bytes:
    """Signed headers announcing 100 bytes, then 10 of them and nothing more: the worker's status line."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{SECRET_HEADER}: {secret}\r\nContent-Length: 100\r\n\r\n"
    )
    writer.write(head.encode() + b'{"update_')
    try:
        return await asyncio.wait_for(reader.readline(), CLOSED_WITHIN)
    finally:
        writer.close()


async def healthz(port: int) -> int:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status


@pytest.mark.usefixtures("room_for_the_attacker")
async def test_a_thousand_connections_that_never_finish_their_headers_do_not_stop_a_signed_update(
    telegram: BotApiEmulator, worker: BotProcess
) -> None:
    port = worker.webhook_port or 0
    stalled = [connection for connection in await asyncio.gather(*(stall(port) for _ in range(STALLED))) if connection]
    try:
        open_files = worker.open_file_count()
        assert open_files < OPEN_FILES - 100, f"the worker holds {open_files} files open under attack"

        amal = telegram.user(601, first_name="Amal")
        await answer(amal, "/start", "Which language would you like to use?")
        await answer(amal, "press:English", "Are you new to the region")
        assert await healthz(port) == 200

        closed = await asyncio.wait_for(asyncio.gather(*map(closed_by_the_worker, stalled)), CLOSED_WITHIN)
        assert all(closed), "every stalled connection is hung up on by the worker"
    finally:
        for _, writer in stalled:
            writer.close()
    size = worker.log.stat().st_size
    assert size < LOG_BOUND, f"the log grew to {size} bytes:\n{worker.log.read_text()[-3000:]}"
    log = worker.log.read_text()
    assert "Traceback" not in log and "Too many open files" not in log


@pytest.mark.parametrize("library", tuple(MODULES))
async def test_requests_no_telegram_sends_get_the_right_4xx_and_one_summary_line(
    telegram: BotApiEmulator, worker: BotProcess
) -> None:
    port = worker.webhook_port or 0
    secret = telegram.webhook_secret or ""
    signed = {"Content-Type": "application/json", SECRET_HEADER: secret}

    assert await post(port, b"[" * 100_000, signed) == 400, "deeply nested JSON"
    assert await post(port, b'{"update_id": 1, "message": {', signed) == 400, "malformed JSON"
    assert await post(port, b'{"update_id": 1}', {**signed, "Content-Type": "text/plain"}) == 415
    assert await post(port, b'{"update_id": 1}', {"Content-Type": "application/json"}) == 401, "no secret"
    assert await post(port, b'{"update_id": 1}', {**signed, SECRET_HEADER: "guessed"}) == 401
    oversize = b'{"update_id": 1, "padding": "' + b"x" * 2_000_000 + b'"}'
    assert await post(port, oversize, signed) == 413
    assert await post(port, b'{"update_id": 1}', {**signed, "X-Padding": "x" * 10_000}) == 400, "a header too long"
    assert (await status_of_a_body_that_never_comes(port, secret)).startswith(b"HTTP/1.1 408")
    assert await healthz(port) == 200

    amal = telegram.user(602, first_name="Amal")
    await answer(amal, "/start", "Which language would you like to use?")
    log = worker.log.read_text()
    assert "RecursionError" not in log and "Traceback" not in log
    refusals = [line for line in log.splitlines() if "refused" in line]
    assert len(refusals) == 1, "the first refusal is logged; the rest are summed up a minute later at most"
    assert "1 not an update (400)" in refusals[0], "the first: the deeply nested JSON"

    worker.stop()  # what is counted and not yet written is written on the way out
    summary = worker.log.read_text().splitlines()[len(log.splitlines()) :]
    refused = [line for line in summary if "refused" in line]
    assert len(refused) == 1
    for count in ("1 not an update (400)", "2 without the right secret token (401)", "1 not JSON (415)"):
        assert count in refused[0]
    assert "1 too big (413)" in refused[0] and "1 body too slow (408)" in refused[0]
    assert "1 failed (LineTooLong)" in refused[0], "aiohttp's own refusal, counted too"
    assert secret not in worker.log.read_text()
