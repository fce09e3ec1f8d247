"""The world the security tests attack: a real database (SQLite, and PostgreSQL where reachable), a coordinator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.clock import NOW
from tests.support.personas import COORDINATOR
from tests.support.world import World, world_on


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    async with world_on(database_url, NOW, coordinators=[COORDINATOR]) as world:
        yield world
