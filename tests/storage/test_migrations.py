"""The migrations build exactly the tables storage/tables.py describes, on each database."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from storage.database import alembic_config, open_engine, upgrade
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


async def test_answers_survive_0006_up_down_and_up_again(database_url: str) -> None:
    """Migration 0006 rebuilds the answers table on SQLite (WITHOUT ROWID): no answer is lost either way."""
    engine = open_engine(database_url)

    def migrate(connection: Connection, revision: str) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        current = MigrationContext.configure(connection).get_current_revision()
        (command.downgrade if current and current > revision else command.upgrade)(config, revision)

    def clustered(connection: Connection) -> bool | None:
        if connection.dialect.name != "sqlite":
            return None
        table_sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'answers'")).scalar_one()
        return "WITHOUT ROWID" in table_sql

    answers = text("SELECT participant_id, question_key, value FROM answers ORDER BY participant_id, question_key")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "0005")
            await connection.execute(
                text(
                    "INSERT INTO participants (id, channel, user_id, chat_id, role, language, status, consent_version,"
                    " consented_at, created_at, updated_at) VALUES (7, 'telegram', 7, 7, 'connectee', 'en', 'approved',"
                    " '2026-10', :now, :now, :now)"
                ),
                {"now": datetime(2026, 12, 2, tzinfo=UTC)},
            )
            await connection.execute(
                text("INSERT INTO answers VALUES (7, 'name', '\"Amal\"', :now), (7, 'languages', '[\"ar\"]', :now)"),
                {"now": datetime(2026, 12, 2, tzinfo=UTC)},
            )
            given = (await connection.execute(answers)).all()
            for revision, without_rowid in (("0006", True), ("0005", False), ("0006", True)):
                await connection.run_sync(migrate, revision)
                assert (await connection.execute(answers)).all() == given
                assert await connection.run_sync(clustered) in (without_rowid, None)
    finally:
        await engine.dispose()
