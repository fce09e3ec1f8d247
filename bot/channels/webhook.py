"""Webhook mode: Telegram POSTs each update to us; we store it, answer 200, and handle it after.

A request without the secret token registered with the webhook gets 401 and changes nothing:
anyone can find the URL, only Telegram knows the token. Anything else Telegram would not send
gets its 4xx (415 not JSON, 413 too big, 408 too slow, 400 not an update) and is counted in the
refusals' summary, never logged one line each. `/healthz` is for the reverse proxy or the
orchestrator in front of the workers.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web

from bot.channels.refusals import Refusals
from bot.channels.telegram_library import Client, NotAnUpdate, Receiver, take

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
# The biggest update Telegram can send is a 4,096-character message (each character up to 12 bytes
# as JSON escapes a surrogate pair) with its entities, replying to or quoting another as big: under
# 128 KiB. Twice that leaves room for fields Telegram adds, and keeps what 512 connections can make
# us hold in memory small.
MAX_BODY: Final = 256 * 1024
BODY_SECONDS: Final = 10.0  # from a complete head to a complete body; Telegram sends both at once
Health = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


def webhook_app(
    client: Client, receiver: Receiver, path: str, secret: str, health: Health, refusals: Refusals
) -> web.Application:
    def refuse(status: int, error: str, reason: str) -> web.Response:
        refusals.add(reason)
        return web.json_response({"ok": False, "error": error}, status=status)

    async def on_update(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return refuse(401, "unauthorized", "without the right secret token (401)")
        if request.content_type != "application/json":
            return refuse(415, "not JSON", "not JSON (415)")
        if (request.content_length or 0) > MAX_BODY:
            return refuse(413, "too big", "too big (413)")
        try:
            async with asyncio.timeout(BODY_SECONDS):
                body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return refuse(413, "too big", "too big (413)")
        except TimeoutError:
            return refuse(408, "too slow", "body too slow (408)")
        try:
            update = client.parse(body)
        except NotAnUpdate:
            return refuse(400, "not an update", "not an update (400)")
        await take(receiver, update)  # only stored: it is handled after this commit
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(path, on_update)
    add_health(app, health)
    return app


def add_health(app: web.Application, health: Health) -> None:
    """`/healthz`: the database and the sender as `health` finds them; 503 when either is not well."""

    async def on_health(request: web.Request) -> web.Response:
        healthy, details = await health()
        return web.json_response(details, status=200 if healthy else 503)

    app.router.add_get("/healthz", on_health)
