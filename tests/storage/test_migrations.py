"""The migrations build exactly the tables storage/tables.py describes, on each database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from storage.database import open_engine, upgrade
from storage.tables import Base


async def test_the_migrated_schema_matches_the_tables(database_url: str) -> None:
    engine = open_engine(database_url)
    await upgrade(engine)

    def differences(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
