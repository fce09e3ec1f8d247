"""The program on a fresh database (each test's `database_url`, SQLite and PostgreSQL), at a fixed time."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Frontdoor
from handlers.core.program import load_program
from storage.database import open_engine, upgrade
from tests.support.clock import NOW
from tests.support.personas import COORDINATOR
from tests.support.world import World, world_on


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[Frontdoor]:
    engine = open_engine(database_url)
    await upgrade(engine)
    frontdoor = Frontdoor(load_program(), engine, clock=lambda: NOW)
    yield frontdoor
    await frontdoor.close()


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    """People's phones on the program, its coordinator among them (a module may bring its own world)."""
    async with world_on(database_url, NOW, coordinators=[COORDINATOR]) as world:
        yield world
