"""The private parts of SQLAlchemy and aiosqlite that storage/hot.py relies on, each checked as it
was when pinned: an upgrade that changes one fails here, naming it, instead of storing wrong values
or blocking the event loop somewhere far from the cause."""

from __future__ import annotations

import inspect
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final

import aiosqlite
import pytest
from sqlalchemy import bindparam, literal, select
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.compiler import SQLCompiler

from storage import hot
from storage.core_tables import CONVERSATIONS, OUTBOX
from storage.database import open_engine, session_factory
from storage.hot import LoopSideSqlite

# The minor versions storage/hot.py was checked against, as pinned in pyproject.toml.
CHECKED: Final = {"SQLAlchemy": "2.1", "aiosqlite": "0.22"}
# A quarter second past: what is stored must come back to the microsecond.
TO_THE_MICROSECOND: Final = datetime(2026, 12, 6, 9, 0, 0, 250_000, tzinfo=UTC)
DIALECT: Final = SQLiteDialect_aiosqlite()


@dataclass(frozen=True)
class Part:
    library: str
    name: str  # the part of the library, as storage/hot.py touches it
    use: str  # what storage/hot.py does with it
    check: Callable[[Path], Awaitable[None]]

    def __str__(self) -> str:
        return f"{self.library} {self.name}"


def _compiled(statement: Any) -> SQLCompiler:
    compiled = statement.compile(dialect=DIALECT)
    assert isinstance(compiled, SQLCompiler)
    return compiled


async def _expanded_state(_: Path) -> None:
    statement = select(CONVERSATIONS.c.user_id).where(
        CONVERSATIONS.c.channel == bindparam("channel"),
        CONVERSATIONS.c.user_id.in_(bindparam("users", expanding=True)),
    )
    state = _compiled(statement).construct_expanded_state({"channel": "telegram", "users": [7, 8]})
    assert isinstance(state.statement, str) and state.statement.count("?") == 3, state.statement
    assert list(state.positiontup or ()) == ["channel", "users_1", "users_2"], state.positiontup
    assert [state.parameters[name] for name in state.positiontup or ()] == ["telegram", 7, 8]
    assert isinstance(state.processors, dict), "the expanded parameters' processors, by name"


async def _qmark(_: Path) -> None:
    assert DIALECT.paramstyle == "qmark", DIALECT.paramstyle
    assert _compiled(select(literal(1))).positional, "values are given to sqlite3 in positiontup's order"


async def _binds(_: Path) -> None:
    statement = CONVERSATIONS.update().values(state=bindparam("new_state"), updated_at=bindparam("now"))
    binds = _compiled(statement).binds
    assert set(binds) >= {"new_state", "now"}, set(binds)
    json_type = binds["new_state"].type.dialect_impl(DIALECT)
    assert json_type.bind_processor(DIALECT) is not None, "the JSON column's values are serialized by its processor"


async def _prefetch(_: Path) -> None:
    defaulted = OUTBOX.insert().values(
        channel="telegram", chat_id=1, payload={}, next_attempt_at=bindparam("now"), created_at=bindparam("now")
    )
    left_to_python = {column.name for column in _compiled(defaulted).insert_prefetch}
    assert {"status", "attempts"} <= left_to_python, left_to_python
    assert list(_compiled(CONVERSATIONS.update().values(step="idle")).update_prefetch) == []


async def _processors(_: Path) -> None:
    stored_state = OUTBOX.c.payload.type.dialect_impl(DIALECT)
    to_sqlite, from_sqlite = stored_state.bind_processor(DIALECT), stored_state.result_processor(DIALECT, None)
    assert to_sqlite is not None and from_sqlite is not None
    assert from_sqlite(to_sqlite({"text": "سلام"})) == {"text": "سلام"}
    moment = OUTBOX.c.created_at.type.dialect_impl(DIALECT)
    write, read = moment.bind_processor(DIALECT), moment.result_processor(DIALECT, None)
    stored = write(TO_THE_MICROSECOND) if write is not None else TO_THE_MICROSECOND
    assert (read(stored) if read is not None else stored) == TO_THE_MICROSECOND, "an aware UTC time, to the microsecond"


async def _dbapi_error(_: Path) -> None:
    raised = DBAPIError.instance("INSERT …", [1], sqlite3.IntegrityError("UNIQUE constraint failed"), sqlite3.Error)
    assert isinstance(raised, IntegrityError), type(raised)


async def _bot_engine(folder: Path) -> AsyncEngine:
    return open_engine(f"sqlite+aiosqlite:///{folder / 'bot.db'}")


async def _driver_connection(folder: Path) -> None:
    engine = await _bot_engine(folder)
    try:
        async with engine.connect() as connection:
            fairy = connection.sync_connection.connection if connection.sync_connection else None
            driver = fairy.driver_connection if fairy is not None else None
            assert isinstance(driver, LoopSideSqlite), type(driver)
    finally:
        await engine.dispose()


async def _session_transactions(folder: Path) -> None:
    engine = await _bot_engine(folder)
    try:
        async with session_factory(engine)() as session, session.begin():
            outer = session.sync_session.get_transaction()
            assert outer is not None and outer.is_active and session.sync_session.get_nested_transaction() is None
            async with session.begin_nested():
                nested = session.sync_session.get_nested_transaction()
                assert nested is not None and nested is not outer and nested.is_active
    finally:
        await engine.dispose()


async def _execute_signature(_: Path) -> None:
    execute = aiosqlite.Connection._execute
    assert inspect.iscoroutinefunction(execute)
    kinds = [parameter.kind for parameter in inspect.signature(execute).parameters.values()]
    assert kinds == [
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.VAR_POSITIONAL,
        inspect.Parameter.VAR_KEYWORD,
    ], inspect.signature(execute)


async def _connection_attributes(_: Path) -> None:
    connection = aiosqlite.Connection(lambda: sqlite3.connect(":memory:"), 64)
    assert connection._connection is None and connection._running is True
    assert isinstance(connection._thread, threading.Thread) and not connection._thread.is_alive()


async def _calls_on_the_loop(folder: Path) -> None:
    engine = await _bot_engine(folder)
    ran: list[tuple[int, str]] = []
    try:
        async with session_factory(engine)() as session, session.begin():
            driver = (await session.connection()).sync_connection.connection.driver_connection  # type: ignore[union-attr]
            sqlite = driver.on_loop()
            assert isinstance(sqlite, sqlite3.Connection)
            sqlite.set_trace_callback(lambda statement: ran.append((threading.get_ident(), statement)))
            assert (await session.execute(select(literal(1)))).scalar_one() == 1
            assert (await hot.run(session, select(literal(2)), {})).scalars() == [2]
        sqlite.set_trace_callback(None)
    finally:
        await engine.dispose()
    elsewhere = [statement for thread, statement in ran if thread != threading.get_ident()]
    assert [statement for _, statement in ran][-1] == "COMMIT", ran
    assert elsewhere == [], "aiosqlite ran these in its thread: LoopSideSqlite._execute was not called for them"


async def _asyncpg_adapter(_: Path) -> None:
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection, PGDialect_asyncpg

    adapter = AsyncAdapt_asyncpg_connection
    for slot in ("_execute_mutex", "_transaction"):
        assert slot in adapter.__slots__ or any(slot in getattr(base, "__slots__", ()) for base in adapter.__mro__), (
            slot
        )
    assert inspect.iscoroutinefunction(adapter._start_transaction)
    assert list(inspect.signature(adapter._prepare).parameters) == ["self", "operation", "invalidate_timestamp"]
    assert inspect.iscoroutinefunction(adapter._prepare)
    assert callable(adapter._handle_exception)
    assert isinstance(PGDialect_asyncpg._invalidate_schema_cache_asof, (int, float))


PARTS: Final = (
    Part("SQLAlchemy", "SQLCompiler.construct_expanded_state", "gives sqlite3 its SQL and values", _expanded_state),
    Part("SQLAlchemy", "the aiosqlite dialect's qmark paramstyle", "passes values by position", _qmark),
    Part("SQLAlchemy", "SQLCompiler.binds", "finds each parameter's type processor", _binds),
    Part(
        "SQLAlchemy",
        "SQLCompiler.insert_prefetch and update_prefetch",
        "leaves Python defaults to the session",
        _prefetch,
    ),
    Part("SQLAlchemy", "TypeEngine bind_processor and result_processor", "converts values and rows", _processors),
    Part("SQLAlchemy", "DBAPIError.instance", "raises what SQLAlchemy raises", _dbapi_error),
    Part("SQLAlchemy", "a pooled connection's driver_connection", "finds the bot's own connection", _driver_connection),
    Part(
        "SQLAlchemy",
        "the session's transactions and savepoints",
        "knows which transaction it is in",
        _session_transactions,
    ),
    Part(
        "aiosqlite", "Connection._execute(fn, *args, **kwargs)", "is overridden by LoopSideSqlite", _execute_signature
    ),
    Part(
        "aiosqlite",
        "Connection._connection, _running and _thread",
        "are read by LoopSideSqlite",
        _connection_attributes,
    ),
    Part(
        "aiosqlite", "calls routed through Connection._execute", "makes SQLite's calls on the loop", _calls_on_the_loop
    ),
    Part(
        "SQLAlchemy",
        "the asyncpg connection's _execute_mutex, _transaction, _start_transaction, _prepare and _handle_exception",
        "runs PostgreSQL's statements as its cursor would",
        _asyncpg_adapter,
    ),
)


async def verify(part: Part, folder: Path) -> None:
    """Run the part's check; if it fails, fail with one line naming the part, the installed version and what relies on it."""
    try:
        await part.check(folder)
    except Exception as error:
        failure = error
    else:
        return
    pytest.fail(  # outside the except clause: the one message, not a chain of tracebacks
        f"{part.library} {version(part.library)} changed {part.name}, with which storage/hot.py {part.use} "
        f"(checked against {part.library} {CHECKED[part.library]}): {type(failure).__name__}: {failure}. "
        "Adapt storage/hot.py before moving the pin in pyproject.toml.",
        pytrace=False,
    )


@pytest.mark.parametrize("part", PARTS, ids=str)
async def test_what_storage_hot_relies_on_is_as_it_was_checked(part: Part, tmp_path: Path) -> None:
    await verify(part, tmp_path)


async def test_the_installed_versions_are_those_checked() -> None:
    for library, checked in CHECKED.items():
        assert version(library).startswith(f"{checked}."), (
            f"{library} {version(library)} is installed, {checked} was checked"
        )


async def test_a_part_that_changed_is_named_in_the_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delattr(SQLCompiler, "construct_expanded_state")
    with pytest.raises(pytest.fail.Exception) as failed:
        await verify(PARTS[0], tmp_path)
    assert str(failed.value).startswith(
        f"SQLAlchemy {version('SQLAlchemy')} changed SQLCompiler.construct_expanded_state"
    )

    monkeypatch.delattr(aiosqlite.Connection, "_execute")
    with pytest.raises(pytest.fail.Exception) as failed:
        await verify(PARTS[8], tmp_path)
    assert "aiosqlite" in str(failed.value) and "Connection._execute" in str(failed.value)
