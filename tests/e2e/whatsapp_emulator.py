"""An emulator of the WhatsApp Cloud API, for the end-to-end tests: the Graph API's `/{version}/{phone-
number-id}/messages` the bot sends through, and Meta's side of the webhook (its signed POSTs, its
verification GET) that people's messages reach the bot by.

It refuses what the published Cloud API refuses, with its error's shape: more than three reply
buttons or a title over 20 characters, a list over ten rows or with a row's title over 24
characters (description 72, button 20, id 200), a body over 1,024 characters under choices or 4,096
alone; and a free-form message to someone whose last message is older than 24 hours (error 131047,
"Re-engagement message"). A template message goes at any time if its name is registered here
(`templates`), else error 132001. Its clock is the test's to move (`hours_pass`), and a person's
last message too (`last_message_back`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import aiohttp
from aiohttp import web

from tests.support.driver import same_label

VERSION: Final = "v21.0"
PHONE_NUMBER_ID: Final = "106540352242922"
TOKEN: Final = "EAAG-emulated-access-token"
APP_SECRET: Final = "emulated-app-secret-0123456789abcdef"
VERIFY_TOKEN: Final = "emulated-verify-token"
WINDOW: Final = timedelta(hours=24)
WAIT: Final = 30.0


def sign(body: bytes, secret: str) -> str:
    """`X-Hub-Signature-256` as Meta writes it: the HMAC-SHA256 of the raw body, in hex."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Refused(Exception):
    """A message the Cloud API would not take: its error code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _within(value: Any, most: int, what: str, code: int = 131009) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= most:
        raise Refused(code, f"(#{code}) Parameter value is not valid: {what} must be 1 to {most} characters")
    return value


def check(body: dict[str, Any]) -> None:
    """Raise Refused for what the Cloud API refuses in a message's body."""
    if body.get("messaging_product") != "whatsapp" or not str(body.get("to", "")).isdecimal():
        raise Refused(100, "(#100) Invalid parameter: messaging_product and to are required")
    if body.get("type") == "text":
        _within((body.get("text") or {}).get("body"), 4096, "text.body", code=100)
        return
    if body.get("type") == "template":
        template = body.get("template") or {}
        _within(template.get("name"), 512, "template.name", code=100)
        _within((template.get("language") or {}).get("code"), 15, "template.language.code", code=100)
        for component in template.get("components") or []:
            for parameter in component.get("parameters") or []:
                text = _within(parameter.get("text"), 1024, "a parameter's text", code=132018)
                if "\n" in text or "\t" in text or "     " in text:
                    raise Refused(132018, "(#132018) There was an issue with the parameters in your template.")
        return
    if body.get("type") != "interactive":
        raise Refused(100, f"(#100) Invalid parameter: type {body.get('type')!r} is not emulated")
    interactive = body.get("interactive") or {}
    _within((interactive.get("body") or {}).get("text"), 1024, "body.text")
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= 3:
            raise Refused(131009, "(#131009) Parameter value is not valid: buttons must be 1 to 3")
        titles = [_within(b["reply"]["title"], 20, "button title") for b in buttons]
        [_within(b["reply"]["id"], 256, "button id") for b in buttons]
        if len(set(titles)) != len(titles):
            raise Refused(131009, "(#131009) Parameter value is not valid: button titles must be unique")
    elif interactive.get("type") == "list":
        _within(action.get("button"), 20, "action.button")
        sections = action.get("sections") or []
        rows = [row for section in sections for row in section.get("rows") or []]
        if not 1 <= len(sections) <= 10 or not 1 <= len(rows) <= 10:
            raise Refused(131009, "(#131009) Parameter value is not valid: a list has 1 to 10 rows")
        if len(sections) > 1:
            [_within(section.get("title"), 24, "section title") for section in sections]
        ids = [_within(row.get("id"), 200, "row id") for row in rows]
        [_within(row.get("title"), 24, "row title") for row in rows]
        [_within(row["description"], 72, "row description") for row in rows if "description" in row]
        if len(set(ids)) != len(ids):
            raise Refused(131009, "(#131009) Parameter value is not valid: row ids must be unique")
    else:
        raise Refused(100, f"(#100) Invalid parameter: interactive type {interactive.get('type')!r}")


@dataclass
class Received:
    """A message the bot sent a person, as their phone shows it."""

    id: str
    body: dict[str, Any]

    @property
    def template(self) -> tuple[str, str, list[str]] | None:
        """A template message's name, language code and parameters; None for any other message."""
        if self.body["type"] != "template":
            return None
        template = self.body["template"]
        parameters = [p["text"] for c in template.get("components", []) for p in c.get("parameters", [])]
        return str(template["name"]), str(template["language"]["code"]), parameters

    @property
    def text(self) -> str:
        if self.template is not None:
            name, code, parameters = self.template
            return f"[template {name} {code}] " + " | ".join(parameters)
        if self.body["type"] == "text":
            return str(self.body["text"]["body"])
        return str(self.body["interactive"]["body"]["text"])

    @property
    def kind(self) -> str:
        """ "text", "template", "button" (reply buttons) or "list"."""
        if self.body["type"] in ("text", "template"):
            return str(self.body["type"])
        return str(self.body["interactive"]["type"])

    def choices(self) -> list[dict[str, str]]:
        """What can be tapped: each with its id, title, and (a list's row) description."""
        if self.kind == "button":
            return [dict(b["reply"]) for b in self.body["interactive"]["action"]["buttons"]]
        if self.kind == "list":
            return [dict(row) for s in self.body["interactive"]["action"]["sections"] for row in s["rows"]]
        return []

    def offers(self, label: str) -> dict[str, str] | None:
        """The choice showing `label` (its title, or a row's whole label under a shortened title)."""
        for choice in self.choices():
            if same_label(choice["title"], label) or same_label(choice.get("description", ""), label):
                return choice
        return None


@dataclass
class WhatsAppUser:
    emulator: CloudApiEmulator
    wa_id: str
    name: str
    inbox: list[Received] = field(default_factory=list)

    async def send(self, text: str) -> int:
        """Type a message; the webhook's answer status."""
        return await self.emulator.deliver(self, {"type": "text", "text": {"body": text}})

    async def press(self, label: str) -> int:
        """Tap the choice showing `label`, on the newest message that offers it (once one does: a
        list's later pages come a moment after its first)."""
        received = await self.wait_for(lambda m: m.offers(label) is not None, newest=True)
        choice = received.offers(label)
        assert choice is not None
        kind = "button_reply" if received.kind == "button" else "list_reply"
        interactive = {"type": kind, kind: {"id": choice["id"], "title": choice["title"]}}
        return await self.emulator.deliver(self, {"type": "interactive", "interactive": interactive})

    async def wait_for(
        self, expect: str | Callable[[Received], bool], *, after: int = 0, newest: bool = False
    ) -> Received:
        """The first (`newest`: the last) message from `after` on whose text contains `expect` (or
        that satisfies it)."""
        check = (lambda m: expect in m.text) if isinstance(expect, str) else expect
        deadline = asyncio.get_running_loop().time() + WAIT
        while True:
            looked = self.inbox[after:]
            found = next((m for m in (reversed(looked) if newest else looked) if check(m)), None)
            if found is not None:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{self.wa_id} never got {expect!r}:\n{self.report()}")
            await asyncio.sleep(0.02)

    def report(self) -> str:
        return "\n".join(f"[{m.kind}] {m.text[:160]!r} {[c['title'] for c in m.choices()]}" for m in self.inbox)


class CloudApiEmulator:
    """The Graph API on 127.0.0.1, and Meta delivering people's messages to the bot's webhook."""

    def __init__(self) -> None:
        self.url = ""
        self.webhook_url = ""  # the bot's, once it listens
        self.now = datetime.now(UTC)
        self.users: dict[str, WhatsAppUser] = {}
        self.last_from: dict[str, datetime] = {}  # the window: each person's last message to the business
        self.refused: list[tuple[int, str]] = []
        self.cannot_receive: set[str] = set()  # numbers no longer on WhatsApp (error 131026)
        self.templates: set[str] = set()  # the names of the templates registered and approved
        self.calls = 0
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> CloudApiEmulator:
        app = web.Application()
        app.router.add_post(f"/{VERSION}/{{number}}/messages", self._on_message)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self._client = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def user(self, wa_id: str, name: str) -> WhatsAppUser:
        return self.users.setdefault(wa_id, WhatsAppUser(self, wa_id, name))

    def hours_pass(self, hours: float) -> None:
        self.now += timedelta(hours=hours)

    def last_message_back(self, user: WhatsAppUser, hours: float) -> None:
        """`user` last wrote `hours` earlier than they did (the bot's record of it is the test's to move)."""
        self.last_from[user.wa_id] -= timedelta(hours=hours)

    async def _on_message(self, request: web.Request) -> web.Response:
        self.calls += 1
        if request.headers.get("Authorization") != f"Bearer {TOKEN}" or request.match_info["number"] != PHONE_NUMBER_ID:
            return self._error(401, 190, "Invalid OAuth access token.")
        body = await request.json()
        try:
            check(body)
            if str(body["to"]) in self.cannot_receive:
                raise Refused(131026, "Message undeliverable")
            last = self.last_from.get(str(body["to"]))
            if body["type"] == "template":
                if body["template"]["name"] not in self.templates:
                    raise Refused(132001, "(#132001) Template name does not exist in the translation")
            elif last is None or self.now - last > WINDOW:
                raise Refused(
                    131047, "Re-engagement message: more than 24 hours have passed since the customer last replied"
                )
        except Refused as refused:
            self.refused.append((refused.code, refused.message))
            return self._error(400, refused.code, refused.message)
        sent = Received(f"wamid.out{next(self._ids)}", body)
        self.user(str(body["to"]), "").inbox.append(sent)
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": sent.id}],
            }
        )

    @staticmethod
    def _error(status: int, code: int, message: str) -> web.Response:
        error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Aemulated"}
        return web.json_response({"error": error}, status=status)

    def update(self, user: WhatsAppUser, message: dict[str, Any]) -> dict[str, Any]:
        """A webhook POST's JSON carrying one message from `user`."""
        stamp = {"from": user.wa_id, "id": f"wamid.in{next(self._ids)}", "timestamp": str(int(self.now.timestamp()))}
        contact = {"profile": {"name": user.name}, "wa_id": user.wa_id}
        return self._posted({"contacts": [contact], "messages": [stamp | message]})

    async def report_status(self, user: WhatsAppUser, status: str, error: dict[str, Any] | None = None) -> int:
        """Meta reporting what became of the bot's last message to `user` (delivered, read, failed)."""
        reported = {"id": user.inbox[-1].id, "status": status, "recipient_id": user.wa_id}
        update = self._posted({"statuses": [reported | ({"errors": [error]} if error else {})]})
        return await self.post(json.dumps(update).encode(), secret=APP_SECRET)

    @staticmethod
    def _posted(held: dict[str, Any]) -> dict[str, Any]:
        """A webhook POST's JSON, for our number, holding `held` (messages or statuses)."""
        metadata = {"display_phone_number": "15550001234", "phone_number_id": PHONE_NUMBER_ID}
        value = {"messaging_product": "whatsapp", "metadata": metadata} | held
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
        }

    async def deliver(self, user: WhatsAppUser, message: dict[str, Any]) -> int:
        """Meta delivering `user`'s message to the bot, signed; the window opens again."""
        self.last_from[user.wa_id] = self.now
        return await self.post(json.dumps(self.update(user, message)).encode(), secret=APP_SECRET)

    async def post(self, body: bytes, *, secret: str | None, signature: str | None = None) -> int:
        """POST `body` to the webhook signed with `secret` (None: unsigned), or with `signature` as given."""
        headers = {"Content-Type": "application/json"}
        if signature is None and secret is not None:
            signature = sign(body, secret)
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        assert self._client is not None
        async with self._client.post(self.webhook_url, data=body, headers=headers) as response:
            return response.status

    async def verify(self, mode: str, token: str, challenge: str) -> tuple[int, str]:
        """Meta's verification GET, as the dashboard makes it when the webhook is registered."""
        assert self._client is not None
        query = {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": challenge}
        async with self._client.get(self.webhook_url, params=query) as response:
            return response.status, await response.text()
