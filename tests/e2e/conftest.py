"""The Bot API emulator every end-to-end test talks to, fresh for each test; the Telegram library the
bot runs on (each test that starts the bot runs once on each: aiogram, python-telegram-bot); and
`frontdoor run` on it, with one coordinator, for the tests that do not start it their own way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.telegram_library import MODULES
from tests.e2e.bot_process import BotProcess
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.people import COORDINATOR
from tests.e2e.whatsapp_emulator import CloudApiEmulator
from tests.e2e.whatsapp_process import WhatsAppProcess


@pytest.fixture(params=tuple(MODULES))
def library(request: pytest.FixtureRequest) -> str:
    """A module that tests the emulator itself, not the bot, overrides this with one library."""
    return str(request.param)


@pytest.fixture
async def telegram(library: str) -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        emulator.library = library
        yield emulator


@pytest.fixture
async def bot(telegram: BotApiEmulator, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(telegram, tmp_path, environment={"FRONTDOOR_COORDINATORS": str(COORDINATOR)})
    await process.start()
    yield process
    process.stop()


@pytest.fixture
async def whatsapp() -> AsyncIterator[CloudApiEmulator]:
    """The Cloud API emulator, for the WhatsApp door's tests."""
    async with CloudApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def whatsapp_bot(whatsapp: CloudApiEmulator, tmp_path: Path) -> AsyncIterator[WhatsAppProcess]:
    """`frontdoor run --whatsapp` on it."""
    process = WhatsAppProcess(whatsapp, tmp_path)
    await process.start()
    yield process
    process.stop()
