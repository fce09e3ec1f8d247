"""The Bot API emulator every end-to-end test talks to, fresh for each test; and the Telegram
library the bot runs on: each test that starts the bot runs once on each (aiogram, python-telegram-bot)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.channels.telegram_library import MODULES
from tests.e2e.emulator import BotApiEmulator


@pytest.fixture(params=tuple(MODULES))
def library(request: pytest.FixtureRequest) -> str:
    """A module that tests the emulator itself, not the bot, overrides this with one library."""
    return str(request.param)


@pytest.fixture
async def telegram(library: str) -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        emulator.library = library
        yield emulator
