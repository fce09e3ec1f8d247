"""The WhatsApp Cloud API as a channel: its webhook read into Events, Replies sent through the Graph API.

Plain aiohttp, not pywa: what pywa adds (its own webhook server and handler callbacks, its update
types, its httpx client) is what Frontdoor has its own of: one webhook that only stores updates
(bot.incoming), the outbox sender with its pace and retries (bot.sender), one HTTP client. What the
channel needs of the Cloud API is one POST to send and the webhook's JSON to read, both below.

Anyone can find the webhook: a POST counts only with `X-Hub-Signature-256`, the HMAC-SHA256 of its
raw body keyed with the app's secret, which Meta alone knows besides us; anything else is 401 and
stores nothing. The GET with `hub.verify_token` is Meta's check, when the webhook is registered,
that the address is ours.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

import aiohttp
from aiohttp import web

from bot.channels.refusals import Refusals
from bot.channels.telegram_library import Receiver, command_and_args
from bot.channels.webhook import Health, add_health
from bot.channels.whatsapp_media import upload_of
from bot.channels.whatsapp_shapes import CHOOSE, OWN_NUMBER, SAYS, message
from bot.channels.whatsapp_templates import template_message
from bot.config import WhatsApp
from bot.delivery import OUTSIDE_WINDOW as OUTSIDE
from bot.delivery import Deliver, Delivery
from handlers.core.events import Event, EventKind, Reply, payload_to_reply
from handlers.core.templates import UPDATE, standing_for

PATH: Final = "/whatsapp"
GRAPH_VERSION: Final = "v21.0"
SIGNATURE_HEADER: Final = "X-Hub-Signature-256"
REQUEST_TIMEOUT: Final = 20.0  # seconds for one Graph API call
# A webhook POST holds at most a few messages and statuses; Meta's are a few kilobytes.
MAX_BODY: Final = 256 * 1024
BODY_SECONDS: Final = 10.0
WA_IDS: Final = range(1, 10**15)  # a phone number's digits, country code first (E.164: at most 15)
# The Cloud API's error codes, by what the sender does about them (its published error codes).
RATE_LIMITED: Final = frozenset({4, 80007, 130429, 131056})  # the app's, the number's, the pair's rate
UNAVAILABLE: Final = frozenset({1, 2, 131000, 131016})  # unknown, service down: later
CANNOT_RECEIVE: Final = frozenset({131026})  # not on WhatsApp, an old app, or it does not take ours
OUTSIDE_WINDOW: Final = frozenset({131047})  # more than 24 hours since their last message
# A template Meta does not have as named (132001), or not approved, paused or disabled: the message
# waits for the person to write; the coordinators' digest names what waits.
TEMPLATE_REFUSED: Final = frozenset({132000, 132001, 132005, 132007, 132015, 132016})
# One `update` notice a day to a person however many messages wait for them (a meeting's details,
# card and calendar file); kept in memory: after a restart, at most one notice more.
TOLD_FOR: Final = 24 * 3600.0
TOLD_KEPT: Final = 10_000  # chats remembered before those told over a day ago are forgotten
Translate = Callable[[str, str | None], str]  # (msgid, the reader's language) -> the text shown
Registered = Callable[[str, str], str | None]  # (template kind, language) -> its name with Meta, or None


def signed(body: bytes, signature: str, app_secret: str) -> bool:
    """Whether `signature` ("sha256=<hex>") is the body's HMAC-SHA256 with the app secret; in constant time."""
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode())


def update_id(message_id: str) -> int:
    """A message's id (wamid.…) as the number updates are stored and deduplicated by: 63 bits of its hash."""
    return int.from_bytes(hashlib.sha256(message_id.encode()).digest()[:8], "big") >> 1


def wa_id(text: str) -> int | None:
    """A WhatsApp number as Meta writes it (ASCII digits, no +) as the chat it is; None for anything
    else: int() reads "١٥١٩…" as the same number, and would make another sender the same person."""
    return int(text) if text.isascii() and text.isdecimal() and int(text) in WA_IDS else None


def read_message(message: dict[str, Any]) -> Event | None:
    """A person's message as an Event: text (a /command too), a pressed button or list row, or
    anything else (a picture, a voice note); None when it is not a person's message we can read, or
    a reaction."""
    message_id = message.get("id")
    person = wa_id(str(message.get("from", "")))
    if person is None or not isinstance(message_id, str):
        return None
    base: dict[str, Any] = {"update_id": update_id(message_id), "user_id": person, "chat_id": person}
    kind = message.get("type")
    if kind == "reaction":
        # An emoji put on one of our messages, or taken off: no answer to a question, nothing to say
        # back ("I can only read text here" and the question again, twice for a 👍 taken back).
        return None
    if kind == "text" and (body := _object(message.get("text")).get("body")) and isinstance(body, str):
        return _typed(body, base)
    if kind == "interactive":
        interactive = _object(message.get("interactive"))
        chosen = _object(interactive.get(str(interactive.get("type", ""))))
        if not (data := str(chosen.get("id") or "")):
            return Event(kind=EventKind.OTHER, **base)
        if data.startswith(SAYS):
            return Event(kind=EventKind.TEXT, text=data.removeprefix(SAYS), **base)
        if data == OWN_NUMBER:  # "Use this number": the number they write from, as Telegram's shared contact
            return Event(kind=EventKind.CONTACT, text=str(person), **base)
        return Event(kind=EventKind.CHOICE, text=data, **base)
    if kind == "contacts":
        return _contact(message.get("contacts"), base)
    return Event(kind=EventKind.OTHER, **base)


def _object(value: Any) -> dict[str, Any]:
    """A JSON object Meta's message should hold, or an empty one for any other shape. A message we
    cannot read is answered as one (EventKind.OTHER: "I can only read text here"); raised, it would
    fail the whole delivery (500), and every message Meta sent beside it, at each of its retries."""
    return value if isinstance(value, dict) else {}


def _contact(cards: Any, base: dict[str, Any]) -> Event:
    """A contact card a person shared, as the Event a contact shared on Telegram makes: its first
    phone number, its WhatsApp number where the card has one (international, as a saved number may
    not be); a card without one is nothing a question can read."""
    first = cards[0] if isinstance(cards, list) and cards and isinstance(cards[0], dict) else {}
    phones = [phone for phone in first.get("phones") or [] if isinstance(phone, dict)]
    numbers = (str(phone.get("wa_id") or phone.get("phone") or "").strip() for phone in phones)
    number = next((number for number in numbers if number), "")
    if not number:
        return Event(kind=EventKind.OTHER, **base)
    return Event(kind=EventKind.CONTACT, text=number, **base)


def _typed(text: str, base: dict[str, Any]) -> Event:
    if text.startswith("/") and len(text) > 1:
        command, args = command_and_args(text)
        return Event(kind=EventKind.COMMAND, text=command.lower(), args=args, **base)
    return Event(kind=EventKind.TEXT, text=text, **base)


def messages_of(update: Any, phone_number_id: str, field: str = "messages") -> list[dict[str, Any]]:
    """The people's messages (`field`: or the statuses of ours) a webhook POST carries for our number."""
    if not isinstance(update, dict) or update.get("object") != "whatsapp_business_account":
        raise ValueError("not a WhatsApp Business Account update")
    found: list[dict[str, Any]] = []
    for value in _values(update):
        if (value.get("metadata") or {}).get("phone_number_id") == phone_number_id:
            found += [message for message in value.get(field) or [] if isinstance(message, dict)]
    return found


def cannot_receive(status: dict[str, Any]) -> tuple[int, str] | None:
    """The chat and why, for a "failed" status saying the number cannot receive (131026); else None.

    The Cloud API may accept a message (200) and only later report it undelivered this way."""
    recipient = wa_id(str(status.get("recipient_id", "")))
    errors = [error for error in status.get("errors") or [] if isinstance(error, dict)]
    failed = [error for error in errors if error.get("code") in CANNOT_RECEIVE]
    if status.get("status") != "failed" or not failed or recipient is None:
        return None
    return recipient, f"{failed[0].get('code')} {failed[0].get('title') or failed[0].get('message') or ''}".strip()


def _values(update: dict[str, Any]) -> list[dict[str, Any]]:
    """What each change of the "messages" field holds (its messages, statuses, our number's metadata)."""
    changes = [change for entry in update.get("entry") or [] for change in entry.get("changes") or []]
    return [change.get("value") or {} for change in changes if change.get("field") == "messages"]


Unreachable = Callable[[int, str], Awaitable[None]]  # (chat, why): the person cannot be reached


def webhook_app(
    receiver: Receiver, secrets: WhatsApp, health: Health, refusals: Refusals, unreachable: Unreachable
) -> web.Application:
    def refuse(status: int, reason: str) -> web.Response:
        refusals.add(reason)
        return web.json_response({"ok": False}, status=status)

    async def on_verify(request: web.Request) -> web.Response:
        query = request.query
        given = query.get("hub.verify_token", "")
        if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(
            given.encode(), secrets.verify_token.encode()
        ):
            return refuse(403, "verification without the right token (403)")
        return web.Response(text=query.get("hub.challenge", ""))

    async def on_update(request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_BODY:
            return refuse(413, "too big (413)")
        try:
            async with asyncio.timeout(BODY_SECONDS):
                body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return refuse(413, "too big (413)")
        except TimeoutError:
            return refuse(408, "body too slow (408)")
        if not signed(body, request.headers.get(SIGNATURE_HEADER, ""), secrets.app_secret):
            return refuse(401, "without the right signature (401)")
        try:
            update = json.loads(body)
            messages = messages_of(update, secrets.phone_number_id)
            failed = [cannot_receive(status) for status in messages_of(update, secrets.phone_number_id, "statuses")]
        except (ValueError, AttributeError, TypeError, RecursionError):
            return refuse(400, "not an update (400)")
        for found in messages:
            event = read_message(found)
            if event is not None and receiver.weigh(event.update_id, event.user_id):
                await receiver.receive(event)  # only stored: handled after this commit
        for chat in filter(None, failed):  # other statuses (sent, delivered, read) change nothing
            await unreachable(*chat)
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_get(PATH, on_verify)
    app.router.add_post(PATH, on_update)
    add_health(app, health)
    return app


def delivery_of(status: int, answer: Any) -> Delivery:
    """What the sender does about the Graph API's answer to one message."""
    error = answer.get("error") if isinstance(answer, dict) else None
    if status < 300 and error is None:
        return Delivery("sent")
    error = error if isinstance(error, dict) else {}
    code, said = error.get("code"), f"{error.get('code')} {error.get('message', '')}".strip()
    if status == 429 or code in RATE_LIMITED or status >= 500 or code in UNAVAILABLE:
        return Delivery("retry", detail=said)
    if code in CANNOT_RECEIVE:
        return Delivery("blocked", detail=said)
    if code in OUTSIDE_WINDOW:  # we thought it open: tried again at once as its template, or held
        return Delivery("outside", detail=said)
    if code in TEMPLATE_REFUSED:
        return Delivery("held", detail=said)
    if status in (401, 403):  # the token: kept until an operator fixes it
        return Delivery("retry", detail=said)
    return Delivery("rejected", detail=said)


class GraphClient:
    """Sends outbox messages to people through the Graph API's `/{phone-number-id}/messages`, a file
    uploaded to its `/media` first."""

    def __init__(
        self, secrets: WhatsApp, translate: Translate, registered: Registered = lambda kind, language: None
    ) -> None:
        self._secrets = secrets
        self._translate = translate
        self._registered = registered
        self._told: dict[int, float] = {}  # chats sent the `update` notice: when (time.monotonic)
        self._url = f"{secrets.api_url}/{GRAPH_VERSION}/{secrets.phone_number_id}/messages"
        self._media_url = f"{secrets.api_url}/{GRAPH_VERSION}/{secrets.phone_number_id}/media"
        self._session: aiohttp.ClientSession | None = None

    def _opened(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self._secrets.token}"},
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
            )
        return self._session

    async def deliver(self, chat_id: int, payload: dict[str, Any]) -> Delivery:
        # The goodbye to someone just erased, outside their window: no template says it, and waiting
        # for them would keep their number; given up (its chat forgotten with it, storage.outbox).
        farewell = Delivery("rejected", detail="a farewell outside the 24-hour window: not sent")
        if payload.get("farewell") and payload.get(OUTSIDE):
            return farewell
        delivery = await self._deliver(chat_id, payload)
        return farewell if payload.get("farewell") and delivery.outcome == "outside" else delivery

    async def _deliver(self, chat_id: int, payload: dict[str, Any]) -> Delivery:
        if payload.get(OUTSIDE):
            return await self._outside_window(chat_id, payload)
        reply, _ = payload_to_reply(payload)
        if reply.document is not None or reply.photo is not None:
            return await self._send_file(str(chat_id), reply)
        choose = self._translate(CHOOSE, payload.get("language"))
        delivery, _ = await self._post(self._url, message(str(chat_id), reply, choose))
        return delivery

    async def _outside_window(self, chat_id: int, payload: dict[str, Any]) -> Delivery:
        """Past the person's 24-hour window: the message's template, if the program registered it in
        their language; a message it does not say all of (choices, more parts) then waits for them."""
        template, language = payload.get("template") or {}, str(payload.get("language") or "")
        kind = standing_for(template)
        name = self._registered(kind, language)
        if name is None:
            return Delivery("held", detail="outside the 24-hour window, no template registered for it")
        if kind == UPDATE and not self._first_update(chat_id):
            # The meeting's details, its card and its calendar file: one notice for them all.
            return Delivery("held", detail="outside the 24-hour window: they were told a message waits")
        delivery, _ = await self._post(
            self._url, template_message(str(chat_id), name, language, list(template.get("parameters", [])))
        )
        if delivery.outcome == "sent" and not template.get("complete"):
            return Delivery("held", detail="its template sent: it follows when they write")
        return delivery

    def _first_update(self, chat_id: int) -> bool:
        """Whether `chat_id` has not been sent the `update` notice lately (and now counts as told)."""
        now = time.monotonic()
        if len(self._told) > TOLD_KEPT:
            self._told = {chat: at for chat, at in self._told.items() if now - at < TOLD_FOR}
        if now - self._told.get(chat_id, -TOLD_FOR) < TOLD_FOR:
            return False
        self._told[chat_id] = now
        return True

    async def _send_file(self, to: str, reply: Reply) -> Delivery:
        """Upload the reply's file to the media store, then send it by its id (bot.channels.whatsapp_media);
        an upload refused or failed is the Delivery a message's would be (retried, or rejected)."""
        upload = upload_of(reply)
        if isinstance(upload, str):
            return Delivery("rejected", detail=upload)
        stored, answer = await self._post(self._media_url, upload.form())
        if stored.outcome != "sent":
            return stored
        media_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(media_id, str) or not media_id:
            return Delivery("retry", detail="the media store gave no id")
        delivery, _ = await self._post(self._url, upload.message(to, media_id))
        return delivery

    async def _post(self, url: str, body: dict[str, Any] | aiohttp.FormData) -> tuple[Delivery, Any]:
        """One Graph API call (a JSON body, or an upload's form): what the sender does, and the answer."""
        sent = {"data": body} if isinstance(body, aiohttp.FormData) else {"json": body}
        try:
            async with self._opened().post(url, **sent) as response:
                status = response.status
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            return Delivery("retry", detail=str(error) or type(error).__name__), None
        return delivery_of(status, answer), answer

    def make_deliver(self) -> Deliver:
        return self.deliver

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
