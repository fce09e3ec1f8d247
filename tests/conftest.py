"""Shared fixtures: a fresh database per test, on a SQLite file and, where reachable, PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.database import open_engine, session_factory, upgrade

# What the property tests find must not depend on how busy the machine is: a loaded CI machine
# draws inputs slowly, and "too slow" or a missed deadline would fail a test that found nothing.
settings.register_profile("frontdoor", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("frontdoor")

POSTGRES_ADMIN_URL = os.environ.get("FRONTDOOR_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


async def _postgres_database() -> str | None:
    """Create an empty database for one test; None (and the reason printed) if PostgreSQL is unreachable."""
    try:
        import asyncpg

        connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    except (OSError, TimeoutError, ImportError, Exception) as error:  # noqa: BLE001 - any failure means "not here"
        print(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable ({type(error).__name__}): skipping")
        return None
    name = f"frontdoor_test_{uuid.uuid4().hex[:12]}"
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name


async def _drop_postgres_database(name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database of each kind; PostgreSQL tests skip, saying why, where there is none."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'frontdoor.db'}"
        return
    name = await _postgres_database()
    if name is None:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    host = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].removeprefix("postgresql://")
    yield f"postgresql+asyncpg://{host}/{name}"
    await _drop_postgres_database(name)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a migrated database (SQLite file, and PostgreSQL where reachable)."""
    engine = open_engine(database_url)
    await upgrade(engine)
    yield session_factory(engine)
    await engine.dispose()
