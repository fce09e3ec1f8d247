"""The world the security tests attack: a real database (SQLite, and PostgreSQL where reachable), a coordinator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Frontdoor
from handlers.core.program import load_program
from storage.database import open_engine, upgrade
from tests.support.clock import NOW, Clock
from tests.support.personas import COORDINATOR
from tests.support.world import World, world_on


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[Frontdoor]:
    """The bot on that database, its clock stopped at NOW, for the tests that feed it updates themselves."""
    engine = open_engine(database_url)
    await upgrade(engine)
    frontdoor = Frontdoor(load_program(), engine, clock=Clock(NOW))
    yield frontdoor
    await frontdoor.close()


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    async with world_on(database_url, NOW, coordinators=[COORDINATOR]) as world:
        yield world
