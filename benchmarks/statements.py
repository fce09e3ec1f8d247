"""Statements and round trips per update, on SQLite and on PostgreSQL, and where they go.

SQLite: every statement SQLite runs is seen by its trace callback (the ones `storage.hot` runs on
sqlite3 directly, as well as SQLAlchemy's), and a round trip is a call handed to aiosqlite's thread
and back (the bot's connection makes most of its calls on the loop's thread: `storage.hot`).

PostgreSQL: the bot's connections go through `WireCount`, a relay on 127.0.0.1 that reads the
protocol's messages as they pass: a statement is an Execute or a simple Query, a round trip ends at
each ReadyForQuery (the server's "your turn": the bot waited for an answer once), a Parse is a
statement prepared (asyncpg keeps them prepared per connection; one seen again is a statement its
cache dropped or a new connection).
"""

from __future__ import annotations

import asyncio
import re
import struct
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url

from benchmarks.harness import Watch
from bot.app import Frontdoor

SSL_REQUEST: Final = 80877103
GSS_REQUEST: Final = 80877104
LITERAL: Final = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")
TABLE: Final = re.compile(r'\b(?:FROM|INTO|UPDATE|JOIN)\s+(?:LATERAL\s+)?(?:AS\s+)?"?(\w+)', re.IGNORECASE)
NESTED: Final = re.compile(r"\([^()]*\)")  # an innermost parenthesis
MAIN: Final = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
WRITES: Final = re.compile(r'\bAS\s*\(\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)  # a CTE's


def kind_of(sql: str) -> str:
    """'SELECT conversations', 'INSERT outbox', 'COMMIT'…: a statement's verb and the first table it
    names outside parentheses (a subquery's or a CTE's are not the statement's own); a statement with
    CTEs that write names them too ('INSERT outbox with UPDATE conversations')."""
    words = sql.split(None, 1)
    verb = words[0].upper().rstrip(";") if words else "?"
    if verb in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA"):
        return verb
    outer = sql
    while (inner := NESTED.sub(" ", outer)) != outer:
        outer = inner
    main = MAIN.search(outer)
    verb = main.group(1).upper() if main else verb
    found = TABLE.search(outer, main.start() if main else 0) or TABLE.search(sql)
    kind = f"{verb} {found.group(1)}" if found else verb
    writes = (
        [f"{verb.split()[0].upper()} {table}" for verb, table in WRITES.findall(sql)]
        if words[0].upper() == "WITH"
        else []
    )
    return f"{kind} with {', '.join(writes)}" if writes else kind


@dataclass
class Tally:
    """What an instrumented run did with its database."""

    statements: Counter[str] = field(default_factory=Counter)
    round_trips: int = 0
    prepared: int = 0
    shapes: dict[str, str] = field(default_factory=dict)  # each statement's shape (values as ?) -> an example

    def saw(self, sql: str) -> None:
        self.statements.update([kind_of(sql)])
        self.shapes.setdefault(LITERAL.sub("?", sql), sql)

    def per_update(self, updates: int) -> tuple[float, float]:
        return sum(self.statements.values()) / updates, self.round_trips / updates

    def where(self, updates: int, top: int = 12) -> str:
        """The most frequent kinds, each per update."""
        kinds = self.statements.most_common(top)
        return ", ".join(f"{kind} {count / updates:.2f}" for kind, count in kinds)


# SQLite ----------------------------------------------------------------------------------------


@contextmanager
def sqlite_hand_offs(tally: Tally) -> Iterator[None]:
    """Count the calls that go to aiosqlite's thread (LoopSideSqlite hands those to the base class)."""
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        tally.round_trips += 1
        return await original(self, fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
    try:
        yield
    finally:
        aiosqlite.Connection._execute = original  # type: ignore[method-assign]


async def trace_sqlite(app: Frontdoor, tally: Tally) -> None:
    """From now on, every statement on the program's SQLite connections is counted by kind."""

    @event.listens_for(app.engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        sqlite = dbapi_connection.driver_connection._connection
        sqlite.set_trace_callback(tally.saw)

    await app.engine.dispose()  # the pooled connection, opened while migrating, is opened again


# PostgreSQL ------------------------------------------------------------------------------------


class _Frames:
    """One direction of the PostgreSQL protocol, cut into messages: (type, payload)."""

    def __init__(self, *, client: bool) -> None:
        self.client = client
        self.started = not client  # a client's first messages (SSLRequest, StartupMessage) have no type
        self.ssl_answer = not client  # the server's one-byte answer to SSLRequest comes first
        self.buffer = b""
        self.lost = False  # encrypted: nothing more can be read

    def feed(self, data: bytes) -> Iterator[tuple[str, bytes]]:
        self.buffer += data
        while not self.lost:
            if self.ssl_answer and self.buffer[:1] in (b"N", b"S", b"G"):
                self.lost = self.buffer[:1] != b"N"
                self.buffer = self.buffer[1:]
                self.ssl_answer = False
                continue
            self.ssl_answer = False
            if not self.started:
                if len(self.buffer) < 8:
                    return
                length, code = struct.unpack("!ii", self.buffer[:8])
                if len(self.buffer) < length:
                    return
                self.buffer = self.buffer[length:]
                self.started = code not in (SSL_REQUEST, GSS_REQUEST)
                continue
            if len(self.buffer) < 5:
                return
            kind, length = self.buffer[:1].decode("latin-1"), struct.unpack("!i", self.buffer[1:5])[0]
            if len(self.buffer) < 1 + length:
                return
            payload, self.buffer = self.buffer[5 : 1 + length], self.buffer[1 + length :]
            yield kind, payload


class WireCount:
    """A relay between the bot and PostgreSQL counting statements, prepares and round trips."""

    def __init__(self, url: str, tally: Tally) -> None:
        self.target = make_url(url)
        self.tally = tally
        self.server: asyncio.Server | None = None

    def url(self, url: str) -> str:
        """`url` pointing at this relay instead."""
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = await asyncio.open_connection(self.target.host or "127.0.0.1", self.target.port or 5432)
        statements: dict[str, str] = {}  # prepared statement name -> its text
        bound = [""]  # the statement the last Bind named

        def client(kind: str, payload: bytes) -> None:
            if kind == "Q":
                self.tally.statements.update([kind_of(payload.split(b"\0", 1)[0].decode())])
            elif kind == "P":
                name, text = payload.split(b"\0", 2)[:2]
                statements[name.decode()] = text.decode()
                self.tally.prepared += 1
            elif kind == "B":
                bound[0] = statements.get(payload.split(b"\0", 2)[1].decode(), "?")
            elif kind == "E":
                self.tally.statements.update([kind_of(bound[0])])

        def server(kind: str, _payload: bytes) -> None:
            if kind == "Z":
                self.tally.round_trips += 1

        await asyncio.gather(
            _pipe(reader, upstream[1], _Frames(client=True), client),
            _pipe(upstream[0], writer, _Frames(client=False), server),
            return_exceptions=True,
        )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, frames: _Frames, seen: Any) -> None:
    try:
        while data := await reader.read(65536):
            for kind, payload in frames.feed(data):
                seen(kind, payload)
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


@asynccontextmanager
async def counted_postgresql(url: str, tally: Tally) -> AsyncIterator[str]:
    """The URL to give the bot so that its PostgreSQL traffic is counted in `tally`."""
    relay = WireCount(url, tally)
    await relay.start()
    try:
        yield relay.url(url)
    finally:
        await relay.stop()


@asynccontextmanager
async def counting(url: str) -> AsyncIterator[tuple[str, Watch | None, Tally]]:
    """(the URL to give the bot, what to watch its program with, the tally) for a counted run on `url`."""
    tally = Tally()

    async def watch(app: Frontdoor) -> None:
        # What was counted so far is the start (the schema migrated, the program's consents).
        tally.statements.clear()
        tally.shapes.clear()
        tally.round_trips = tally.prepared = 0
        if app.engine.dialect.name == "sqlite":
            await trace_sqlite(app, tally)

    if url.startswith("sqlite"):
        with sqlite_hand_offs(tally):
            yield url, watch, tally
        return
    async with counted_postgresql(url, tally) as relayed:
        yield relayed, watch, tally


def figures(benchmark: str, database: str, tally: Tally, updates: int, how: str) -> list[Any]:
    """Statements and round trips per update as figures (no target), where they go in the note."""
    from benchmarks.common import Figure

    statements, round_trips = tally.per_update(updates)
    prepared = f"; statements prepared {tally.prepared / updates:.2f} per update" if tally.prepared else ""
    note = f"{updates:,} updates {how}; per update: {tally.where(updates)}{prepared}"
    return [
        Figure(benchmark, f"statements per update, {database}", statements, "", note=note),
        Figure(benchmark, f"round trips per update, {database}", round_trips, ""),
    ]


def scans(database: Any, tally: Tally) -> list[str]:
    """The statements seen whose plan walks a whole table (SQLite's EXPLAIN QUERY PLAN says SCAN), with it.

    `database` is a sqlite3 connection to the database they ran on.
    """
    found = []
    for example in tally.shapes.values():
        if not example.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH", "INSERT")):
            continue
        try:
            plan = [row[3] for row in database.execute(f"EXPLAIN QUERY PLAN {example}")]
        except Exception:  # noqa: BLE001 - a statement that cannot be explained alone (temporary objects)
            continue
        walked = [step for step in plan if step.startswith("SCAN") and not step.startswith(SMALL_SCANS)]
        if walked:
            found.append(f"{'; '.join(walked)}: {example[:300]}")
    return found


# Scans that do not grow with the program: a constant row, a list of values given, a subquery's or a
# CTE's own rows, the workers (one row per running worker), the updates not yet handled (each row
# is removed once its update is handled; the claim walks them in id order on purpose: storage.incoming).
SMALL_SCANS: Final = (
    "SCAN CONSTANT ROW",
    "SCAN json_each",
    "SCAN anon_",
    "SCAN given_chats",
    "SCAN chats",
    "SCAN waiting_chats",
    "SCAN workers",
    "SCAN incoming_updates",
)
