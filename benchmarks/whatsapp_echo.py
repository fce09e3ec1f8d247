"""`python -m benchmarks.whatsapp_echo --listen HOST:PORT`: the WhatsApp door's yardstick, a bare aiohttp
webhook echo bot.

It does the least a WhatsApp bot can: each POST to /whatsapp has its `X-Hub-Signature-256` checked
(HMAC-SHA256 of the raw body with the app secret, as Frontdoor checks it), its JSON read, and for
each person's message a text sent back through the Graph API's `/messages` (what they typed, or the
id of what they tapped) before the POST is answered 200. No database, no conversation: the same idea
as Telegram's bare aiogram echo bot (benchmarks.harness.running_echo). Its settings are Frontdoor's
(FRONTDOOR_WHATSAPP_*); it imports nothing of Frontdoor, so that it starts and runs as a small bot would.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
from typing import Any

import aiohttp
from aiohttp import web

VERSION = "v21.0"


def echo_app(api_url: str, token: str, phone_number_id: str, app_secret: str) -> web.Application:
    messages_url = f"{api_url}/{VERSION}/{phone_number_id}/messages"
    sessions: list[aiohttp.ClientSession] = []

    async def on_update(request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Hub-Signature-256", "")):
            return web.json_response({"ok": False}, status=401)
        update = json.loads(body)
        for entry in update.get("entry", []):
            for change in entry.get("changes", []):
                for message in change.get("value", {}).get("messages", []):
                    await send(message["from"], said(message))
        return web.json_response({"ok": True})

    async def send(to: str, text: str) -> None:
        reply = {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": text}}
        async with sessions[0].post(messages_url, json=reply) as answer:
            await answer.read()

    async def opened(app: web.Application) -> Any:
        sessions.append(aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}))
        yield
        await sessions[0].close()

    app = web.Application()
    app.router.add_post("/whatsapp", on_update)
    app.cleanup_ctx.append(opened)
    return app


def said(message: dict[str, Any]) -> str:
    """What to echo: the text typed, the id of the button or row tapped, else an ellipsis."""
    if message.get("type") == "text":
        return str(message["text"]["body"])
    interactive = message.get("interactive") or {}
    chosen = interactive.get(interactive.get("type", "")) or {}
    return str(chosen.get("id") or "…")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.whatsapp_echo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", required=True, metavar="HOST:PORT")
    host, _, port = parser.parse_args().listen.rpartition(":")
    env = os.environ
    app = echo_app(
        env["FRONTDOOR_WHATSAPP_API_URL"],
        env["FRONTDOOR_WHATSAPP_TOKEN"],
        env["FRONTDOOR_WHATSAPP_PHONE_NUMBER_ID"],
        env["FRONTDOOR_WHATSAPP_APP_SECRET"],
    )
    web.run_app(app, host=host, port=int(port), access_log=None, print=None)


if __name__ == "__main__":
    main()
