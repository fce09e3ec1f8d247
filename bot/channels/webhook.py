"""Webhook mode: Telegram POSTs each update to us; we store it, answer 200, and handle it after.

A request without the secret token registered with the webhook gets 401 and changes nothing:
anyone can find the URL, only Telegram knows the token. `/healthz` is for the reverse proxy or
the orchestrator in front of the workers.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

log = logging.getLogger(__name__)

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY: Final = 1024 * 1024  # an update is a few kilobytes; anything bigger is not from Telegram
Health = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


def webhook_app(bot: Bot, dispatcher: Dispatcher, path: str, secret: str, health: Health) -> web.Application:
    async def on_update(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook request without the right secret token refused")
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        try:
            update = Update.model_validate(await request.json(loads=json.loads), context={"bot": bot})
        except (ValueError, ValidationError):
            return web.json_response({"ok": False, "error": "not an update"}, status=400)
        # The dispatcher's handlers only store the update; it is handled after this commit.
        await dispatcher.feed_update(bot, update)
        return web.json_response({"ok": True})

    async def on_health(request: web.Request) -> web.Response:
        healthy, details = await health()
        return web.json_response(details, status=200 if healthy else 503)

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(path, on_update)
    app.router.add_get("/healthz", on_health)
    return app
