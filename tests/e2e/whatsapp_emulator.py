"""An emulator of the WhatsApp Cloud API, for the end-to-end tests: the Graph API's `/{version}/{phone-
number-id}/messages` the bot sends through, and Meta's side of the webhook (its signed POSTs, its
verification GET) that people's messages reach the bot by.

It refuses what the published Cloud API refuses, with its error's shape: more than three reply
buttons or a title over 20 characters (two the same, or two ids), a list over ten rows or with a
row's title over 24 characters (description 72, button 20, id 200), a body over 1,024 characters
under choices or 4,096 alone, a header or footer over 60; and a free-form message to someone whose last message is older than 24 hours (error 131047,
"Re-engagement message"). A template message goes at any time if its name is registered here
(`templates`), else error 132001. Its clock is the test's to move (`hours_pass`), and a person's
last message too (`last_message_back`).

Files go as the Cloud API takes them: uploaded to `/media` first (multipart: the file with its
type, `type`, `messaging_product`), of a type on WhatsApp's list and within its size, then sent
by the id the upload returned in a `document` or `image` message; a `contacts` message needs each
contact's formatted name and one more part of it. Told a pair rate (`pair_rate`), it refuses a
message to a person who got more than that allows with error 131056, as Meta does.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
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
# The Cloud API's supported media: documents of these types up to 100 MB, images up to 5 MB.
DOCUMENT_TYPES: Final = frozenset(
    {
        "text/plain",
        "application/pdf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)
IMAGE_TYPES: Final = frozenset({"image/jpeg", "image/png"})
MOST_BYTES: Final = {"document": 100_000_000, "image": 5_000_000}


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


@dataclass(frozen=True)
class Media:
    """A file in the emulated media store."""

    mime: str
    filename: str
    content: bytes


def check(body: dict[str, Any], media: dict[str, Media] | None = None) -> None:
    """Raise Refused for what the Cloud API refuses in a message's body (`media`: the store's files)."""
    if body.get("messaging_product") != "whatsapp" or not str(body.get("to", "")).isdecimal():
        raise Refused(100, "(#100) Invalid parameter: messaging_product and to are required")
    if body.get("type") == "text":
        _within((body.get("text") or {}).get("body"), 4096, "text.body", code=100)
        return
    if body.get("type") in ("document", "image"):
        _check_media(body, media or {})
        return
    if body.get("type") == "contacts":
        _check_contacts(body)
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
    if "header" in interactive:  # a text header (a media one is not emulated)
        _within((interactive["header"] or {}).get("text"), 60, "header.text")
    if "footer" in interactive:
        _within((interactive["footer"] or {}).get("text"), 60, "footer.text")
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= 3:
            raise Refused(131009, "(#131009) Parameter value is not valid: buttons must be 1 to 3")
        titles = [_within(b["reply"]["title"], 20, "button title") for b in buttons]
        ids = [_within(b["reply"]["id"], 256, "button id") for b in buttons]
        if len(set(titles)) != len(titles) or len(set(ids)) != len(ids):
            raise Refused(131009, "(#131009) Parameter value is not valid: button titles and ids must be unique")
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


def _check_media(body: dict[str, Any], media: dict[str, Media]) -> None:
    """A document or image message: the id of an uploaded file of its kind; a caption of at most 1,024."""
    kind = str(body["type"])
    sent = body.get(kind)
    if not isinstance(sent, dict) or not isinstance(sent.get("id"), str):
        raise Refused(100, f"(#100) Invalid parameter: {kind}.id is required (or a link)")
    stored = media.get(sent["id"])
    if stored is None:
        raise Refused(131053, f"(#131053) Media upload error: no media with id {sent['id']}")
    if (stored.mime in IMAGE_TYPES) != (kind == "image"):
        raise Refused(131053, f"(#131053) Media upload error: a {stored.mime} file is not an {kind}")
    if "caption" in sent:
        _within(sent["caption"], 1024, f"{kind}.caption", code=100)


def _check_contacts(body: dict[str, Any]) -> None:
    """A contacts message: each contact's name with its formatted name and one more part; phones with a number."""
    contacts = body.get("contacts")
    if not isinstance(contacts, list) or not contacts:
        raise Refused(100, "(#100) Invalid parameter: contacts must be a non-empty list")
    for contact in contacts:
        name = contact.get("name") if isinstance(contact, dict) else None
        if not isinstance(name, dict) or not name.get("formatted_name"):
            raise Refused(100, "(#100) Invalid parameter: contacts.name.formatted_name is required")
        parts = ("first_name", "last_name", "middle_name", "suffix", "prefix")
        if not any(name.get(part) for part in parts):
            raise Refused(
                100, "(#100) Invalid parameter: a contact's name needs at least one part beside formatted_name"
            )
        for phone in contact.get("phones") or []:
            if not isinstance(phone, dict) or not (phone.get("phone") or phone.get("wa_id")):
                raise Refused(100, "(#100) Invalid parameter: contacts.phones need a phone")


class PairRate:
    """Meta's pair rate, one business number to one person: `burst` messages at once, then one every
    `interval` seconds (a bucket per person, in real time: the pace is the bot's, not the test clock's)."""

    def __init__(self, interval: float, burst: int) -> None:
        self.interval, self.burst = interval, burst
        self._people: dict[str, tuple[float, float]] = {}  # wa_id -> (allowance, when)

    def take(self, wa_id: str) -> bool:
        """Whether a message to `wa_id` may go now (and count it)."""
        now = time.monotonic()
        allowance, at = self._people.get(wa_id, (float(self.burst), now))
        allowance = min(float(self.burst), allowance + (now - at) / self.interval)
        if allowance < 1.0:
            self._people[wa_id] = (allowance, now)
            return False
        self._people[wa_id] = (allowance - 1.0, now)
        return True


@dataclass
class Received:
    """A message the bot sent a person, as their phone shows it."""

    id: str
    body: dict[str, Any]
    file: Media | None = None  # a document's or an image's, as uploaded

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
        """What the phone shows as words: a text, an interactive body, a file's caption, a card's name,
        a template's name and parameters."""
        if self.template is not None:
            name, code, parameters = self.template
            return f"[template {name} {code}] " + " | ".join(parameters)
        kind = self.body["type"]
        if kind == "text":
            return str(self.body["text"]["body"])
        if kind in ("document", "image"):
            return str(self.body[kind].get("caption", ""))
        if kind == "contacts":
            return str(self.body["contacts"][0]["name"]["formatted_name"])
        return str(self.body["interactive"]["body"]["text"])

    @property
    def kind(self) -> str:
        """ "text", "template", "button" (reply buttons), "list", "document", "image" or "contacts"."""
        kind = str(self.body["type"])
        return str(self.body["interactive"]["type"]) if kind == "interactive" else kind

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

    async def share_contact(self, name: str, phone: str, wa_id: str | None = None) -> int:
        """Share a contact card from their address book (WhatsApp's attach, Contact)."""
        phones = [{"phone": phone, "type": "CELL"} | ({"wa_id": wa_id} if wa_id else {})]
        card = {"name": {"formatted_name": name, "first_name": name.split()[0]}, "phones": phones}
        return await self.emulator.deliver(self, {"type": "contacts", "contacts": [card]})

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
        self.media: dict[str, Media] = {}  # the media store: uploads by their id
        self.pair_rate: PairRate | None = None  # Meta's pair rate, when a test sets one (error 131056)
        # What the next calls to "messages" or "media" are answered, whatever they hold: (status, the
        # error's code; None: a body that is not JSON, as a proxy's 502 page).
        self.failures: dict[str, list[tuple[int, int | None]]] = {"messages": [], "media": []}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> CloudApiEmulator:
        app = web.Application(client_max_size=MOST_BYTES["document"] + 1_000_000)  # an upload and its form
        app.router.add_post(f"/{VERSION}/{{number}}/messages", self._on_message)
        app.router.add_post(f"/{VERSION}/{{number}}/media", self._on_media)
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

    def _turned_away(self, request: web.Request, endpoint: str) -> web.Response | None:
        """A call without our token or number (401), or one a test told to fail; None: served."""
        self.calls += 1
        if request.headers.get("Authorization") != f"Bearer {TOKEN}" or request.match_info["number"] != PHONE_NUMBER_ID:
            return self._error(401, 190, "Invalid OAuth access token.")
        if self.failures[endpoint]:
            return self._failure(*self.failures[endpoint].pop(0))
        return None

    async def _on_message(self, request: web.Request) -> web.Response:
        if (turned_away := self._turned_away(request, "messages")) is not None:
            return turned_away
        body = await request.json()
        try:
            check(body, self.media)
            if str(body["to"]) in self.cannot_receive:
                raise Refused(131026, "Message undeliverable")
            if self.pair_rate is not None and not self.pair_rate.take(str(body["to"])):
                raise Refused(131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit")
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
        kind = body["type"]
        file = self.media.get(body[kind]["id"]) if kind in ("document", "image") else None
        sent = Received(f"wamid.out{next(self._ids)}", body, file)
        self.user(str(body["to"]), "").inbox.append(sent)
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": sent.id}],
            }
        )

    async def _on_media(self, request: web.Request) -> web.Response:
        """The media store's upload: the file, of a type WhatsApp takes and within its size; its id."""
        if (turned_away := self._turned_away(request, "media")) is not None:
            return turned_away
        fields: dict[str, Any] = {}
        try:
            async for part in await request.multipart():
                if isinstance(part, aiohttp.BodyPartReader) and part.name:
                    file = (part.filename, part.headers.get("Content-Type", ""), bytes(await part.read()))
                    fields[part.name] = file if part.filename else file[2].decode()
            stored = self._stored(fields)
        except Refused as refused:
            self.refused.append((refused.code, refused.message))
            return self._error(400, refused.code, refused.message)
        media_id = f"{next(self._ids)}0451"
        self.media[media_id] = stored
        return web.json_response({"id": media_id})

    @staticmethod
    def _stored(fields: dict[str, Any]) -> Media:
        if fields.get("messaging_product") != "whatsapp" or not isinstance(fields.get("file"), tuple):
            raise Refused(100, "(#100) Invalid parameter: messaging_product and file are required")
        filename, mime, content = fields["file"]
        if mime not in DOCUMENT_TYPES | IMAGE_TYPES or fields.get("type") != mime:
            raise Refused(131053, f"(#131053) Media upload error: unsupported type {mime!r}")
        if len(content) > MOST_BYTES["image" if mime in IMAGE_TYPES else "document"]:
            raise Refused(131053, f"(#131053) Media upload error: {len(content)} bytes is over the limit")
        return Media(mime, filename, content)

    def _failure(self, status: int, code: int | None) -> web.Response:
        self.refused.append((code or status, "told to fail"))
        if code is None:
            return web.Response(status=status, text="<html>Bad Gateway</html>", content_type="text/html")
        return self._error(status, code, "told to fail")

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
