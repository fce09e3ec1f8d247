"""SQLite's fast path: the bot's connection makes its calls on the event loop's thread, and the
statements every update runs go straight to it. The two live together because the second relies on
the first, and both on private parts of SQLAlchemy 2.1 and aiosqlite 0.22 (pinned in pyproject.toml;
tests/storage/test_hot_internals.py names whichever of those parts changed).

SQLAlchemy's execution of one statement (the session, an execution context, the parameters, a
result) costs some 60 µs of Python; SQLite runs one of these indexed statements in 2 to 20. Every
update runs a dozen, so that execution was a third of an update's time. The bot's SQLite
connections make their calls on the event loop's thread (`LoopSideSqlite`, below), so such a
statement, compiled once, runs on sqlite3 itself, in the session's transaction, its parameters and
rows converted by the very type processors SQLAlchemy would apply.

On PostgreSQL the same statement, compiled once for asyncpg, is run by asyncpg's prepared statement
(SQLAlchemy's own cache of them, per connection) in the session's transaction: SQLAlchemy's execution
there (the session, a greenlet, an execution context, the result) was a fifth of a worker's CPU.
Anywhere else (SQLite in memory, a statement with Python-side column defaults, several parameter
sets on PostgreSQL, which SQLAlchemy sends as one statement) it goes through the session.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, cast

import aiosqlite
from sqlalchemy import Select
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase

SQLITE_BUSY_TIMEOUT_MS: Final = 10_000
THREAD_STOP_SECONDS: Final = 5.0  # a connection that failed to open: how long its thread may take to stop


class LoopSideSqlite(aiosqlite.Connection):
    """An aiosqlite connection that makes SQLite's calls on the event loop's own thread when they cannot wait.

    aiosqlite hands every call (open a cursor, execute, fetch, commit) to its thread and back, each
    hand-off a loop wake-up and two thread switches: 0.3 to 0.8 ms, several per statement, more
    than an update's own work. A transaction here begins IMMEDIATE, taking SQLite's write lock, and
    then no statement of it (COMMIT included) ever waits for another connection: they take
    microseconds, and run here. Only two things can wait, and go to the thread so the loop never
    blocks on them: PRAGMAs at connect, and a BEGIN while another process holds the write lock
    (tried here first without waiting, then in the thread, waiting up to busy_timeout). A COMMIT
    may write a WAL checkpoint (every thousand pages): a few milliseconds, now and then, here.
    """

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        statement = args[0].lstrip().upper() if args and isinstance(args[0], str) else ""
        if self._connection is None or not self._running or statement.startswith("PRAGMA"):
            return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        if not statement.startswith("BEGIN IMMEDIATE"):  # a plain BEGIN (a reader's) takes no lock
            return fn(*args, **kwargs)
        connection = self._connection
        connection.execute("PRAGMA busy_timeout=0")
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as error:
            if connection.in_transaction or "locked" not in str(error):
                raise
        waiting = partial(_waiting, connection, fn, args, kwargs)
        return await super()._execute(waiting)  # type: ignore[no-untyped-call]

    def on_loop(self) -> sqlite3.Connection | None:
        """SQLite's own connection, for the statements `run` runs on it directly (inside a
        transaction, which holds the write lock, none of them waits); None once closed."""
        return self._connection if self._running else None


def _waiting(connection: sqlite3.Connection, fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """In aiosqlite's thread: wait for another process's write lock as long as busy_timeout allows."""
    connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    return fn(*args, **kwargs)


def loop_side_sqlite(path: str) -> Callable[[], Coroutine[Any, Any, aiosqlite.Connection]]:
    """The engine's `async_creator` for the SQLite file at `path`: a `LoopSideSqlite` each time."""

    async def connect() -> aiosqlite.Connection:
        connection = LoopSideSqlite(partial(sqlite3.connect, path, check_same_thread=False), iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite: an unclosed connection must not hang exit
        try:
            return await connection
        except BaseException:
            # A file SQLite cannot open: aiosqlite stops its thread without waiting for it, and the
            # thread, answering after the command has ended, met a closed event loop (a traceback
            # printed after the command's own one line). It is waited for here.
            await asyncio.to_thread(connection._thread.join, THREAD_STOP_SECONDS)
            raise

    return connect


Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]]


class Rows:
    """What a statement returned (its rows as named tuples) and how many rows it changed."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return self._rows

    def one(self) -> Any:
        if not self._rows:
            raise NoResultFound("one row was expected, there was none")
        if len(self._rows) > 1:
            raise MultipleResultsFound(f"one row was expected, there were {len(self._rows)}")
        return self._rows[0]

    def one_or_none(self) -> Any:
        return self.one() if self._rows else None

    def scalars(self) -> list[Any]:
        """Each row's first column."""
        return [row[0] for row in self._rows]


async def run(session: AsyncSession, statement: Executable, parameters: Parameters) -> Rows:
    """Run `statement` in the session's transaction (begun here if not yet); a list of parameter
    sets runs it once for each, their rows together."""
    if not isinstance(parameters, Mapping) and not parameters:
        # No parameter sets: nothing to run. (session.execute would run the statement once without
        # any, and fail for want of its parameters: on PostgreSQL, a batch of updates claimed empty.)
        return Rows([], 0)
    sqlite = await _sqlite_of(session)
    if sqlite is None and isinstance(parameters, Mapping):
        asyncpg = _asyncpg_of(session)
        prepared = _prepared(statement, session) if asyncpg is not None else None
        if asyncpg is not None and prepared is not None:
            return await prepared.run_asyncpg(asyncpg, parameters, session.get_bind().dialect)
    prepared = _prepared(statement, session) if sqlite is not None else None
    if sqlite is None or prepared is None:
        result = cast(CursorResult[Any], await session.execute(statement, parameters))
        return Rows(list(result.all()) if result.returns_rows else [], result.rowcount)
    if isinstance(parameters, Mapping):
        return prepared.run(sqlite, parameters)
    rows, changed = [], 0
    for each in parameters:
        done = prepared.run(sqlite, each)
        rows += done.all()
        changed += done.rowcount
    return Rows(rows, changed)


async def _sqlite_of(session: AsyncSession) -> sqlite3.Connection | None:
    """The sqlite3 connection of the session's transaction, when it is the bot's own.

    The transaction is begun here if not yet, and a savepoint (`begin_nested`) set, as
    session.execute would do (SQLAlchemy does both lazily); then, for as long as that innermost
    transaction lasts, the connection is remembered.
    """
    transaction = _innermost(session)
    known = session.info.get(_CONNECTION)
    if transaction is not None and known is not None and known[0] is transaction and transaction.is_active:
        return cast(sqlite3.Connection | None, known[1])
    connection = await session.connection()
    fairy = connection.sync_connection.connection if connection.sync_connection else None
    driver = fairy.driver_connection if fairy is not None else None
    sqlite = driver.on_loop() if isinstance(driver, LoopSideSqlite) else None
    adapter = fairy.dbapi_connection if fairy is not None and connection.dialect.driver == "asyncpg" else None
    session.info[_CONNECTION] = (_innermost(session), sqlite)
    session.info[_ASYNCPG] = (_innermost(session), adapter)
    return sqlite


def _asyncpg_of(session: AsyncSession) -> Any:
    """SQLAlchemy's asyncpg connection of the session's transaction (as `_sqlite_of` just found it), or None."""
    known = session.info.get(_ASYNCPG)
    return known[1] if known is not None and known[0] is _innermost(session) else None


def _innermost(session: AsyncSession) -> SessionTransaction | None:
    """The session's savepoint, if one is open, else its transaction."""
    return session.sync_session.get_nested_transaction() or session.sync_session.get_transaction()


@dataclass(frozen=True)
class _Prepared:
    compiled: SQLCompiler
    processors: Mapping[str, Callable[[Any], Any]]  # each parameter's, by name, where its type has one
    convert: Callable[[tuple[Any, ...]], Any] | None  # a row as returned by sqlite3, as a named tuple

    def _bound(self, parameters: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """The statement's text, and its parameters in order, converted as SQLAlchemy would."""
        state = self.compiled.construct_expanded_state(parameters)
        # The expanded state names the processors of expanded parameters (IN lists) only.
        processors = {**self.processors, **state.processors} if state.processors else self.processors
        given = state.parameters
        values = [
            processors[name](given[name]) if name in processors else given[name] for name in state.positiontup or ()
        ]
        return state.statement, values

    async def run_asyncpg(self, adapter: Any, parameters: Mapping[str, Any], dialect: Dialect) -> Rows:
        """Run on SQLAlchemy's asyncpg connection `adapter` as its cursor would: the transaction begun
        if not yet, the statement prepared once per connection, errors raised as SQLAlchemy raises them."""
        text, values = self._bound(parameters)
        async with adapter._execute_mutex:
            try:
                if adapter._transaction is None:
                    await adapter._start_transaction()
                prepared, _ = await adapter._prepare(text, dialect._invalidate_schema_cache_asof)  # type: ignore[attr-defined]
                found = await prepared.fetch(*values)
            except Exception as error:
                try:
                    adapter._handle_exception(error)  # raises the error as the DBAPI's
                except Exception as translated:
                    raise DBAPIError.instance(text, values, translated, dialect.loaded_dbapi.Error) from error
                raise
        changed = _CHANGED.match(prepared.get_statusmsg() or "")
        convert = self.convert
        return Rows(
            [convert(tuple(row)) for row in found] if convert is not None else [], int(changed[1]) if changed else -1
        )

    def run(self, sqlite: sqlite3.Connection, parameters: Mapping[str, Any]) -> Rows:
        state_statement, values = self._bound(parameters)
        try:
            cursor = sqlite.execute(state_statement, values)
            found = cursor.fetchall() if self.convert is not None else []
        except sqlite3.Error as error:  # raised as SQLAlchemy raises it (IntegrityError, OperationalError…)
            raise DBAPIError.instance(state_statement, values, error, sqlite3.Error) from error
        convert = self.convert
        return Rows([convert(row) for row in found] if convert is not None else [], cursor.rowcount)


# Compiled for each database's dialect once; the statements are built once, at import.
_PREPARED: Final[dict[tuple[str, Executable], _Prepared | None]] = {}
_CONNECTION: Final = "storage.hot connection"  # session.info key: (its transaction, sqlite3 connection or None)
_ASYNCPG: Final = "storage.hot asyncpg"  # session.info key: (its transaction, SQLAlchemy's asyncpg connection or None)
_CHANGED: Final = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+) (\d+)")  # asyncpg's status: the rows changed


def _prepared(statement: Executable, session: AsyncSession) -> _Prepared | None:
    dialect = session.get_bind().dialect
    key = (dialect.name, statement)
    if key not in _PREPARED:
        _PREPARED[key] = _prepare(statement, dialect)
    return _PREPARED[key]


def _prepare(statement: Executable, dialect: Dialect) -> _Prepared | None:
    """The statement compiled for the dialect; None when only SQLAlchemy's execution can run it right."""
    compiled = cast(ClauseElement, statement).compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler) or compiled.insert_prefetch or compiled.update_prefetch:
        return None  # Python-side column defaults are computed by SQLAlchemy's execution context
    if isinstance(statement, Select):
        columns = list(statement.selected_columns)
    elif isinstance(statement, UpdateBase):
        columns = list(statement.exported_columns)
    else:
        return None
    processing = (
        (name, bind.type.dialect_impl(dialect).bind_processor(dialect)) for name, bind in compiled.binds.items()
    )
    parameters = {name: process for name, process in processing if process is not None}
    return _Prepared(compiled, parameters, _row_converter(columns, dialect) if columns else None)


def _row_converter(columns: list[Any], dialect: Dialect) -> Callable[[tuple[Any, ...]], Any]:
    """A row as sqlite3 returns it, as a named tuple of the values SQLAlchemy would give."""
    keys = [getattr(column, "key", None) or f"column_{index}" for index, column in enumerate(columns)]
    shape = namedtuple("Row", keys, rename=True)  # type: ignore[misc]  # noqa: PYI024 (built at run time)
    processors = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns]
    if not any(processors):
        return shape._make
    pairs = [(index, process) for index, process in enumerate(processors) if process is not None]

    def convert(row: tuple[Any, ...]) -> Any:
        values = list(row)
        for index, process in pairs:
            values[index] = process(values[index])
        return shape._make(values)

    return convert
