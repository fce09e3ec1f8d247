"""The Bot API emulator every end-to-end test talks to, fresh for each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.emulator import BotApiEmulator


@pytest.fixture
async def telegram() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator
