"""Opening the database and bringing its schema up to date with Alembic (imported only when a migration is due)."""

from __future__ import annotations

import asyncio
import sys
from asyncio.subprocess import DEVNULL, PIPE
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import aiosqlite
from sqlalchemy import ColumnElement, any_, bindparam, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.hot import SQLITE_BUSY_TIMEOUT_MS, loop_side_sqlite
from storage.private_files import private_database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS: Final = Path(__file__).with_name("migrations")
MIGRATE_APART: Final = (sys.executable, "-m", "storage.migrate_apart")  # upgrade(apart=True)'s process
SQLITE_QUEUE_SECONDS: Final = 60.0  # a burst may queue many short transactions for the one connection


def open_engine(url: str, *, reading: bool = False, **options: Any) -> AsyncEngine:
    """An engine for `url`; SQLite gets WAL, foreign keys and write-locking transactions, in a private file.

    `reading` (long exports): on SQLite, plain BEGIN, a snapshot that never holds the write lock,
    so the running bot keeps writing while an export reads.
    """
    if url.startswith("sqlite") and not reading and ":memory:" not in url:
        # Every transaction here takes SQLite's one write lock at BEGIN, so a second connection could
        # only wait for it inside SQLite, whose busy handler sleeps up to 100 ms at a time while the
        # lock is long free. One connection makes transactions queue in the pool instead, woken the
        # moment the previous one ends. (Other processes on the same file still wait in SQLite.)
        options = {"pool_size": 1, "max_overflow": 0, "pool_timeout": SQLITE_QUEUE_SECONDS} | options
    path = make_url(url).database if url.startswith("sqlite") else None
    if path and ":memory:" not in path and not path.startswith("file:"):
        private_database(path)
    if path and ":memory:" not in path and not make_url(url).query and "async_creator" not in options:
        options["async_creator"] = loop_side_sqlite(path)
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine, "BEGIN" if reading else "BEGIN IMMEDIATE")
    return engine


def _tune_sqlite(engine: AsyncEngine, begin: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (below) instead of the driver's deferred BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted text is overwritten with zeros, not left in free pages (some builds default to it, not all).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock at the start, so two processes handling updates of one
        # person run one after the other instead of failing at commit: SQLite's form of a row lock.
        connection.exec_driver_sql(begin)


async def inserted(session: AsyncSession, row: object) -> bool:
    """Add `row` in a savepoint; False when a unique key refuses it, and the transaction goes on.

    How the database, not a check before the insert, decides races: a slot held twice, a double
    booking, a follow-up or a digest started twice.
    """
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def unindexed(column: ColumnElement[str]) -> ColumnElement[str]:
    """A text column as SQLite will not look it up by an index (`column || ''`), for a condition that,
    without table statistics, it would wrongly choose an index for over a better one."""
    return column.concat("")


def among(column: ColumnElement[int], name: str, dialect: str) -> ColumnElement[bool]:
    """`column` is one of the list bound as `name`, in one statement text whatever the list's length.

    On PostgreSQL `column = ANY(an array)`: asyncpg prepares each statement text anew on each
    connection (a round trip of its own), and `IN (…)` is a text for each length of list. SQLite
    prepares nothing ahead: there the list is expanded into `IN (…)`.
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY  # PostgreSQL's module, imported by PostgreSQL only

        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT, which has `on_conflict_do_nothing` on PostgreSQL and SQLite alike."""
    return insert_of(session.get_bind().dialect.name)


def insert_of(dialect: str) -> Any:
    """`insert_for` by the dialect's name, for statements built once per database."""
    # Each dialect's module imported by the database that uses it: on SQLite, PostgreSQL's never.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


async def forget_erased_pages(session: AsyncSession) -> None:
    """After an erasure is committed, on SQLite: copy the WAL into the database and empty it
    (`wal_checkpoint(TRUNCATE)`), so that the pages as they were before, with the erased text, are
    not left readable in the -wal file. A reader holding an old snapshot keeps the WAL from being
    emptied; the next checkpoint then does it. Elsewhere nothing to do."""
    engine = session.bind
    if not isinstance(engine, AsyncEngine) or engine.dialect.name != "sqlite":
        return
    async with engine.connect() as connection:  # the session's connection is back in the pool
        driver = (await connection.get_raw_connection()).driver_connection
        if isinstance(driver, aiosqlite.Connection):
            cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            await cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def newest_migration() -> str:
    """The revision of the newest migration: each file in migrations/versions is named after its own
    (0013_digest_picture.py is revision 0013; tests/storage/test_migrations.py holds them to it)."""
    return max(path.name.partition("_")[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


class DatabaseUnavailable(RuntimeError):
    """The database could not be opened (no such folder or database, refused, unknown host, a wrong
    password); the message is one line: which database (its password hidden) and why."""


async def applied_migrations(engine: AsyncEngine) -> list[str]:
    """The revisions Alembic recorded as applied here; none in a new database. A database that cannot
    be opened raises DatabaseUnavailable: this is the first connection a command makes."""
    try:
        connection = await engine.connect()
    except (OSError, DBAPIError, TimeoutError) as error:
        raise DatabaseUnavailable(_unavailable(engine, error)) from error
    try:
        return list((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    except DBAPIError:  # no such table yet
        return []
    finally:
        await connection.close()


def _unavailable(engine: AsyncEngine, error: BaseException) -> str:
    reason = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    said = " ".join(str(reason).split()) or type(reason).__name__
    where = engine.url.render_as_string(hide_password=True)
    hint = " (is its folder there, and may this account write in it?)" if engine.dialect.name == "sqlite" else ""
    return f"cannot open the database {where}: {said}{hint}"


class MigrationFailed(RuntimeError):
    """The migrations' own process failed; the message ends with what it printed last."""


async def upgrade(engine: AsyncEngine, *, apart: bool = False) -> None:
    """Apply every migration not yet applied (alembic upgrade head) on this engine.

    A database already at the newest migration, as at every start but the first after an update,
    is known so by one query, without importing Alembic (a good part of a bot's start-up).

    `apart` (a worker that runs for weeks): the migrations run in a process of their own
    (`python -m storage.migrate_apart`), so that the worker never imports Alembic and Mako, which it
    would keep in memory for as long as it runs (docs/benchmarks.md, "Frontdoor's own memory"). An
    in-memory database is reachable from this process only: migrated here.
    """
    if await applied_migrations(engine) == [newest_migration()]:
        return
    if apart and engine.url.database and ":memory:" not in engine.url.database:
        await _upgrade_apart(engine.url.render_as_string(hide_password=False))
        return
    from alembic import command

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def _upgrade_apart(url: str) -> None:
    """`upgrade` in a child process; the URL goes by standard input, not the command line that `ps` shows."""
    child = await asyncio.create_subprocess_exec(
        MIGRATE_APART[0], *MIGRATE_APART[1:], stdin=PIPE, stdout=DEVNULL, stderr=PIPE
    )
    _, said = await child.communicate(url.encode())
    if child.returncode != 0:
        last = said.decode(errors="replace").strip().splitlines()[-1:] or [f"exit status {child.returncode}"]
        raise MigrationFailed(f"the database's migrations failed: {last[0]}")
