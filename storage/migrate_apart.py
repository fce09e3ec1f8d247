"""`python -m storage.migrate_apart`: bring the database whose URL is read from standard input to the
newest migration, then end; how a worker migrates without importing Alembic itself
(storage.database.upgrade, `apart`)."""

from __future__ import annotations

import asyncio
import sys

from storage.database import open_engine, upgrade


async def migrate(url: str) -> None:
    engine = open_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(migrate(sys.stdin.readline().strip()))
