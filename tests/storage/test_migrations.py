"""The migrations build exactly the tables storage/tables.py describes, on each database."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, select, text, update

from handlers.core.events import payload_to_reply
from storage.database import alembic_config, applied_migrations, newest_migration, open_engine, session_factory, upgrade
from storage.outbox import SqlOutbox
from storage.tables import Base, OutboxRow


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


def test_each_migration_file_is_named_after_its_revision_so_the_newest_is_known_without_alembic() -> None:
    assert newest_migration() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_database_is_upgraded_from_an_older_migration_and_then_left_as_it_is(database_url: str) -> None:
    engine = open_engine(database_url)
    try:
        assert await applied_migrations(engine) == []
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "0012")
        assert await applied_migrations(engine) == ["0012"]
        await upgrade(engine)
        assert await applied_migrations(engine) == [newest_migration()]
        async with engine.connect() as connection:  # 0013's table is there
            assert (await connection.execute(text("SELECT count(*) FROM waiting_days"))).scalar_one() == 0
        await upgrade(engine)  # at the newest: nothing to do
        assert await applied_migrations(engine) == [newest_migration()]
    finally:
        await engine.dispose()


def migrate(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    current = MigrationContext.configure(connection).get_current_revision()
    (command.downgrade if current and current > revision else command.upgrade)(config, revision)


async def test_answers_survive_0006_up_down_and_up_again(database_url: str) -> None:
    """Migration 0006 rebuilds the answers table on SQLite (WITHOUT ROWID): no answer is lost either way."""
    engine = open_engine(database_url)

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


async def test_0007_drops_the_files_of_documents_sent_and_keeps_those_waiting(database_url: str) -> None:
    """Before 0007 a document sat in its message's JSON as base64, for good: a sent one's file goes,
    a waiting one's still reaches the sender, and back down it is base64 in the JSON again."""
    engine = open_engine(database_url)
    files = {"sent": b"every record, sent in November", "pending": b"every record, not yet sent"}
    insert = text(
        "INSERT INTO outbox (channel, chat_id, payload, status, attempts, next_attempt_at, created_at)"
        " VALUES ('telegram', 1, :payload, :status, 0, :now, :now)"
    )
    try:
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "0006")
            for status, content in files.items():
                document = {"filename": f"{status}.zip", "content": base64.b64encode(content).decode(), "caption": ""}
                values = {"payload": json.dumps({"text": "", "document": document}), "status": status}
                await connection.execute(insert, values | {"now": datetime(2026, 11, 30, tzinfo=UTC)})
            await connection.run_sync(migrate, "0007")
        async with session_factory(engine)() as session:
            as_of_0007 = select(OutboxRow.id, OutboxRow.payload).order_by(OutboxRow.id)  # no later column
            sent, pending = (await session.execute(as_of_0007)).all()
            assert sent.payload["document"] == {"filename": "sent.zip", "caption": ""}
            (claimed,) = await SqlOutbox(session).claim("telegram", datetime.now(UTC), datetime.now(UTC), 10)
        reply, _ = payload_to_reply(claimed.payload)
        assert reply.document is not None and reply.document.content == files["pending"]

        async with engine.begin() as connection:  # a file written since 0007 survives the way down
            await connection.execute(
                update(OutboxRow)
                .where(OutboxRow.id == pending.id)
                .values(
                    attachment=b"written since",
                    payload={"text": "", "document": {"filename": "new.zip", "caption": ""}},
                )
            )
            await connection.run_sync(migrate, "0006")
            stored = (await connection.execute(text("SELECT payload FROM outbox ORDER BY id"))).scalars().all()
        documents = [(json.loads(p) if isinstance(p, str) else p)["document"] for p in stored]
        assert documents == [
            {"filename": "sent.zip", "caption": ""},
            {"filename": "new.zip", "caption": "", "content": base64.b64encode(b"written since").decode()},
        ]
    finally:
        await engine.dispose()


async def test_0008_empties_the_messages_already_sent_and_keeps_those_waiting(database_url: str) -> None:
    """Before 0008 every message ever sent kept its words (a meeting's contact lines, a /pending list)."""
    engine = open_engine(database_url)
    insert = text(
        "INSERT INTO outbox (channel, chat_id, payload, status, attempts, next_attempt_at, created_at)"
        " VALUES ('telegram', 1, :payload, :status, 0, :now, :now)"
    )
    try:
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "0007")
            for status in ("sent", "dead", "pending"):
                payload = json.dumps({"text": f"Contact: +1 519-555-0111 ({status})"})
                await connection.execute(insert, {"payload": payload, "status": status, "now": datetime.now(UTC)})
            await connection.run_sync(migrate, "0008")
            rows = (await connection.execute(text("SELECT payload, farewell FROM outbox ORDER BY id"))).all()
        payloads = [(json.loads(p) if isinstance(p, str) else p) for p, _ in rows]
        assert payloads == [{}, {}, {"text": "Contact: +1 519-555-0111 (pending)"}]
        assert [bool(farewell) for _, farewell in rows] == [False, False, False]
    finally:
        await engine.dispose()
