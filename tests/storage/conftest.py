"""The program on a fresh database (each test's `database_url`, SQLite and PostgreSQL), at a fixed time."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Frontdoor
from handlers.core.program import load_program
from storage.database import open_engine, upgrade
from tests.support.clock import NOW


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[Frontdoor]:
    engine = open_engine(database_url)
    await upgrade(engine)
    frontdoor = Frontdoor(load_program(), engine, clock=lambda: NOW)
    yield frontdoor
    await frontdoor.close()
