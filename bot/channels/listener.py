"""Where the webhook listens: aiohttp's limits, and open connections capped below the open-files limit.

aiohttp bounds the request line, each header and the body, and closes a connection whose request
has not arrived `keepalive_timeout` seconds after it opened (the header read timeout). What it
cannot do is say no to a connection: it accepts every one it is offered, and a thousand that never
finish their headers take every file descriptor a worker may have, after which nothing (a signed
update, the database, the Bot API) can open one (docs/benchmarks.md). So the listening socket here is asyncio's own,
with a protocol factory that keeps at most `limit` connections: at the cap, a new connection
closes the oldest one that has no request under way (a slow client's, or an idle one), and is
closed at once itself when every connection is serving a request.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Final

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from bot.channels.refusals import CountedInstead, Refusals

# Telegram opens at most 40 connections to a webhook (max_connections); the rest leaves room for a
# reverse proxy's own, health checks, and slow clients while their header time runs out.
OPEN_CONNECTIONS: Final = 512
FEWEST_CONNECTIONS: Final = 64  # even under a tiny open-files limit: 40 for Telegram, and some to spare
OTHER_FILES: Final = 256  # kept for all but the webhook: the database, the Bot API client, logs, an export
BACKLOG: Final = 128  # connections the kernel queues for us; one accepting round may take as many at once
HEADER_SECONDS: Final = 5.0  # from connecting to a complete request head; Telegram's comes in one packet
HEADER_BYTES: Final = 4096  # the request line, and each header: Telegram's are short
HEADER_COUNT: Final = 32  # Telegram sends about ten; a reverse proxy adds a few


def raise_open_files_limit() -> int:
    """Raise the soft limit on open files to the hard one (often 1,024 of 524,288); returns the limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard and hard != resource.RLIM_INFINITY:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass  # kept as it is: the cap is fitted to whatever limit is in force
    return OPEN_CONNECTIONS + OTHER_FILES + BACKLOG if soft == resource.RLIM_INFINITY else soft


def connection_cap(open_files: int) -> int:
    """How many connections the webhook keeps open, so that they and one accepting round fit the limit."""
    return max(FEWEST_CONNECTIONS, min(OPEN_CONNECTIONS, open_files - OTHER_FILES - BACKLOG))


class ConnectionCap:
    """A protocol factory for the listening socket: aiohttp's handlers, at most `limit` of them."""

    def __init__(self, limit: int, refusals: Refusals) -> None:
        self.limit = limit
        self._refusals = refusals
        self._server: web.Server | None = None
        self._serving: set[RequestHandler] = set()  # connections with a request under way

    @web.middleware
    async def track(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Middleware: a connection serving a request is never closed to make room."""
        self._serving.add(request.protocol)
        try:
            return await handler(request)
        finally:
            self._serving.discard(request.protocol)

    def serve(self, server: web.Server) -> None:
        self._server = server

    def __call__(self) -> asyncio.BaseProtocol:
        assert self._server is not None, "serve() first"
        connections = self._server.connections  # oldest first
        if len(connections) >= self.limit and not self._close_oldest_waiting(connections):
            self._refusals.add("connections over the cap, closed at once")
            return _Closed()
        return self._server()

    def _close_oldest_waiting(self, connections: list[RequestHandler]) -> bool:
        for connection in connections:
            transport = connection.transport
            if connection not in self._serving and transport is not None and not transport.is_closing():
                transport.abort()
                self._refusals.add("connections without a request closed to make room")
                return True
        return False


class _Closed(asyncio.Protocol):
    """A connection over the cap: closed as soon as it is accepted, before anything is read or kept."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.abort()


@asynccontextmanager
async def listening(app: web.Application, host: str, port: int, refusals: Refusals) -> AsyncIterator[int]:
    """Serve `app` on host:port within the limits above until the block ends; yields the connection cap.

    Raises OSError when the address cannot be listened on.
    """
    cap = ConnectionCap(connection_cap(raise_open_files_limit()), refusals)
    app.middlewares.append(cap.track)
    server_log = logging.getLogger("frontdoor.webhook.server")
    counted = CountedInstead(refusals)
    server_log.addFilter(counted)
    runner = web.AppRunner(
        app,
        access_log=None,
        logger=server_log,
        keepalive_timeout=HEADER_SECONDS,
        max_line_size=HEADER_BYTES,
        max_field_size=HEADER_BYTES,
        max_headers=HEADER_COUNT,
        auto_decompress=False,  # Telegram sends plain JSON; a compressed body could be a bomb
    )
    await runner.setup()
    assert runner.server is not None
    cap.serve(runner.server)
    try:
        listener = await asyncio.get_running_loop().create_server(cap, host, port, backlog=BACKLOG)
        try:
            yield cap.limit
        finally:
            listener.close()
    finally:
        await runner.cleanup()
        server_log.removeFilter(counted)
        refusals.write()
