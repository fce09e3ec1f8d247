"""Long polling in-process against the emulator: a long poll's updates are stored together, and
confirmed to Telegram (the next offset) only once stored, so nothing is lost when storing fails."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import serve
from bot.app import Frontdoor, build
from bot.channels import telegram_library
from bot.config import Settings
from bot.polling import poll
from tests.e2e.emulator import BotApiEmulator


@pytest.fixture
async def frontdoor(tmp_path: Path) -> AsyncIterator[Frontdoor]:
    app = await build(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'frontdoor.db'}", chat_interval=0.0))
    yield app
    await app.close()


@contextlib.asynccontextmanager
async def polling(app: Frontdoor, telegram: BotApiEmulator) -> AsyncIterator[None]:
    client = telegram_library.load(telegram.library).make_client(telegram.token, telegram.url)
    runtime = serve.wire(app, client, Settings(), worker=None)
    stop = asyncio.Event()
    background = runtime.start(stop)
    task = asyncio.create_task(poll(client, runtime.incoming))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        stop.set()
        await asyncio.gather(*background)
        await client.close()


async def test_updates_that_could_not_be_stored_come_again_and_are_answered_once(
    telegram: BotApiEmulator, frontdoor: Frontdoor, monkeypatch: pytest.MonkeyPatch
) -> None:
    receive_all = frontdoor.receive_all
    failures = 0

    async def database_away_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal failures
        if failures == 0:
            failures += 1
            raise ConnectionError("the database went away")
        return await receive_all(*args, **kwargs)

    monkeypatch.setattr(frontdoor, "receive_all", database_away_once)
    amal, bo = telegram.user(11, first_name="Amal"), telegram.user(12, first_name="Bo")
    amal.send("/start")
    bo.send("/start")
    async with polling(frontdoor, telegram):
        await amal.wait_for("Welcome", timeout=15)
        await bo.wait_for("Welcome", timeout=15)
        await amal.wait_idle(quiet=0.3, timeout=10)
        await bo.wait_idle(quiet=0.3, timeout=10)

    assert failures == 1
    offsets = [call.params.get("offset") for call in telegram.calls_to("getUpdates")]
    assert offsets[:2] == [None, None], "not confirmed after the failure: asked again from the start"
    assert ["Welcome!" in m.text for m in amal.inbox].count(True) == 1
    assert ["Welcome!" in m.text for m in bo.inbox].count(True) == 1
