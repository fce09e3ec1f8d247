"""A local, in-process Telegram Bot API server for end-to-end tests.

Why: the end-to-end tests run the real bot (aiogram polling, real HTTP) against
something that behaves like Telegram where it matters - long polling with
offsets, message ids, inline and reply keyboards, callback queries, edits,
documents, Telegram's error answers and limits - while the test plays the
people who write to the bot. Nothing leaves 127.0.0.1.

What: ``BotApiEmulator`` is an aiohttp web server answering
``{url}/bot{token}/{method}`` like the Bot API does (``{"ok": true, "result": ...}``
or ``{"ok": false, "error_code": ..., "description": ...}`` with the matching
HTTP status). Tests get ``EmulatedUser`` handles from it to queue updates and
to wait for the bot's answers, and they can inject faults (error answers,
blocked users, rate limits, a server that refuses connections).

Updates reach the bot by long polling (getUpdates) or, once the bot has called
setWebhook, by webhook delivery: the emulator POSTs each update as JSON to the
bot's URL, with the X-Telegram-Bot-Api-Secret-Token header, and forgets it on
a 2xx answer; anything else is retried with a short backoff and reported by
getWebhookInfo. Like Telegram it sends one update at a time per chat, at most
max_connections at once, and runs a Bot API method given in a 2xx answer's
body. Unlike Telegram it takes http URLs, and only to 127.0.0.1 or localhost:
it refuses every other host, so no delivery ever leaves the machine. Tests
can inspect ``webhook_deliveries``, ``redeliver`` an update (Telegram does
when an answer came too late) and forge requests with ``post_to_webhook``.

Usage::

    async with BotApiEmulator() as telegram:
        start_bot(api_url=telegram.url, token=telegram.token)
        ann = telegram.user(42, first_name="Ann")
        seen = len(ann.inbox)
        ann.send("/start")
        await ann.wait_for("Welcome", after=seen)
        ann.press("English")

Only what the Frontdoor bot uses is emulated; an unknown method gets
Telegram's own answer to one, 404 "Not Found", so a gap shows up as a failure.
Every request is first checked against the published Bot API (bot_api_spec.py,
bot-api.json): an unknown parameter, a missing or mistyped one, or a broken
documented limit (text length, callback_data bytes, command names, language
codes, ...) gets the 400 Telegram would give, before the method runs.
"""

from __future__ import annotations

import asyncio
import errno
import io
import itertools
import json
import math
import mimetypes
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from PIL import Image
from yarl import URL

from tests.e2e.bot_api_spec import BadRequest, BotApiSpec

__all__ = [
    "ApiCall",
    "BotApiEmulator",
    "CallbackQueryRecord",
    "EmulatedUser",
    "SentMessage",
    "UploadedFile",
    "WebhookDelivery",
]

Params = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]

HOST: Final = "127.0.0.1"
FIRST_UPDATE_ID: Final = 1000
MAX_UPLOAD: Final = 50 * 1024 * 1024  # what a bot may upload through the cloud Bot API
# sendPhoto's published limits: at most 10 MB, width + height at most 10000, sides' ratio at most 20.
MAX_PHOTO: Final = 10 * 1024 * 1024
MAX_PHOTO_SIDES: Final = 10000
MAX_PHOTO_RATIO: Final = 20
TOKEN_RE: Final = re.compile(r"^\d+:[\w-]+$")
COMMAND_RE: Final = re.compile(r"^/[A-Za-z0-9_]{1,64}(@\w+)?")
INT_RE: Final = re.compile(r"^-?\d+$")
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_HOSTS: Final = frozenset({"127.0.0.1", "localhost"})  # the only places a webhook may point to
WEBHOOK_TIMEOUT: Final = 10.0  # seconds to wait for the webhook's answer
WEBHOOK_FIRST_RETRY: Final = 0.2  # seconds; doubled after each failure, up to WEBHOOK_LAST_RETRY
WEBHOOK_LAST_RETRY: Final = 2.0
# Messages a chat may take at once before its one a second (sends and edits alike): Telegram tolerates
# short bursts; the bot allows itself fewer (FRONTDOOR_CHAT_BURST, 2).
CHAT_BURST: Final = 3
# Methods Telegram does not run when a webhook answers with them.
NOT_IN_WEBHOOK_REPLY: Final = frozenset({"setwebhook", "deletewebhook", "close", "logout"})

# An inline button must do exactly one of these; a button with only a text is refused.
INLINE_ACTIONS: Final = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)
# Accepted and answered `true` without any effect on the emulated state.
NO_OP_METHODS: Final = (
    "logOut",
    "close",
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setChatMenuButton",
)

NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD: Final = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BLOCKED: Final = "Forbidden: bot was blocked by the user"


class ApiError(Exception):
    """A Telegram error answer: raised inside method handlers, turned into the JSON error body."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    @classmethod
    def bad(cls, what: str) -> ApiError:
        """The common 400 answer, worded as Telegram words it."""
        return cls(400, f"Bad Request: {what}")

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded (a multipart part), or one it re-sent by file_id."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class ApiCall:
    """One request the bot made, for inspection; status is None while it is still being answered."""

    method: str
    params: Params
    time: float  # time.monotonic() when the request arrived
    chat_id: int | None = None  # the private chat (user) the call concerns, if any
    status: int | None = None
    response: dict[str, Any] | None = None


@dataclass
class SentMessage:
    """A message the bot sent, kept up to date by edits (the object is changed in place).

    ``text`` is the text, or the caption of a document or photo ("" when there is none).
    ``reply_markup`` is the inline keyboard; ``reply_keyboard`` is any other
    markup that came with the message (ReplyKeyboardMarkup, ReplyKeyboardRemove
    or ForceReply), because Telegram never shows those on the message itself.
    """

    message_id: int
    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None = None
    reply_keyboard: dict[str, Any] | None = None
    document_name: str | None = None
    document_bytes: bytes | None = None
    edits: int = 0
    date: int = 0
    document_mime: str | None = None
    document_file_id: str | None = None
    photo_bytes: bytes | None = None  # a photo as the bot uploaded it (Telegram keeps resized copies)
    photo_size: tuple[int, int] | None = None
    edit_date: int | None = None
    deleted: bool = False

    def _inline_buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def buttons(self) -> list[str]:
        """Texts of the inline buttons, row by row."""
        return [button["text"] for button in self._inline_buttons()]

    def button_data(self) -> list[str]:
        """callback_data of the inline buttons that have one, row by row."""
        return [b["callback_data"] for b in self._inline_buttons() if "callback_data" in b]


@dataclass
class CallbackQueryRecord:
    """A callback query a user made, and the bot's answerCallbackQuery to it (if any)."""

    id: str
    update_id: int
    user_id: int
    message_id: int
    data: str
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False
    answer_url: str | None = None


@dataclass
class WebhookDelivery:
    """One POST of an update to the webhook; status and error are both None while it is under way."""

    update_id: int
    time: float  # time.monotonic() when the POST began
    redelivered: bool = False  # sent again by ``redeliver``, not by the delivery loop
    status: int | None = None  # the webhook's HTTP status; None when it did not answer
    error: str | None = None  # why it did not count as delivered, worded like getWebhookInfo's last_error_message

    @property
    def ok(self) -> bool:
        """The webhook answered 2xx: the update is delivered."""
        return self.status is not None and 200 <= self.status < 300


@dataclass
class _Pending:
    """An update waiting until a getUpdates offset or a 2xx webhook answer confirms it."""

    update: dict[str, Any]
    user_id: int
    delivered: bool = False  # fetched by getUpdates, or being POSTed to the webhook
    sticky: bool = False  # re-sent by a test: delivered once even if the offset has passed it
    failures: int = 0  # failed webhook deliveries in a row
    retry_at: float = 0.0  # time.monotonic() before which the webhook is not tried again

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    times: int


class _Signal:
    """A broadcast "something changed": ``wait`` returns at the next ``fire`` or after the timeout.

    Callers check their condition and then wait; the event is taken before the
    first suspension, so a fire between the check and the wait is never lost.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), max(timeout, 0))
        except TimeoutError:
            pass


def _utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _decode_params(raw: dict[str, Any]) -> Params:
    """Resolve attached files; the Bot API's types are given later, by the method's published parameters.

    aiogram sends a file as ``document=attach://<random key>`` plus a file
    part named by that key; Telegram's native way is a file part named
    ``document``. Both end up as ``params["document"] = UploadedFile``.
    """
    for key, value in list(raw.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            attached = raw.pop(value.removeprefix("attach://"), None)
            if not isinstance(attached, UploadedFile):
                raise ApiError.bad(f"file for {key} was not uploaded")
            raw[key] = attached
    return raw


def _int_param(params: Params, name: str, default: int) -> int:
    value = params.get(name, default)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError.bad(f"invalid {name} specified")
    return value


def _webhook_target(url: str) -> URL:
    """The URL to POST updates to: http(s) on 127.0.0.1 or localhost, nothing else.

    Parsed by yarl, as aiohttp parses it, so the host checked is the host that
    would be connected to ("http://127.0.0.1@example.com/" is example.com).
    Telegram wants https on ports 80, 88, 443 or 8443; a test's webhook is
    plain http on a free port.
    """
    try:
        target = URL(url)  # a bad port raises here
    except ValueError:
        raise ApiError.bad("bad webhook: invalid webhook URL specified") from None
    if target.scheme not in ("http", "https") or not target.host:
        raise ApiError.bad("bad webhook: An HTTP(S) URL to 127.0.0.1 or localhost must be provided for webhook")
    if target.host not in WEBHOOK_HOSTS:
        raise ApiError.bad(f"bad webhook: the emulator delivers only to 127.0.0.1 or localhost, not to {target.host}")
    return target


def _delivery_error(error: BaseException) -> str:
    """A failed POST to the webhook, worded as Telegram's getWebhookInfo words it."""
    if isinstance(error, TimeoutError):  # before ClientError: aiohttp's timeouts are both
        return "Read timeout expired"
    if isinstance(error, aiohttp.ClientConnectorError):
        cause = error.os_error
        if isinstance(cause, ConnectionRefusedError) or cause.errno == errno.ECONNREFUSED:
            return "Connection refused"
        return cause.strerror or str(cause)
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return "Webhook connection closed"
    return f"Wrong response from the webhook: {error}"


def _check_inline_keyboard(markup: dict[str, Any]) -> None:
    """Refuse text-only buttons, as Telegram does (the published API checked their fields already)."""
    for button in itertools.chain.from_iterable(markup["inline_keyboard"]):
        if not any(action in button for action in INLINE_ACTIONS):
            raise ApiError.bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")


def _split_markup(raw: dict[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Sort a reply_markup, already checked against the published API, into (inline keyboard, other markup)."""
    if raw is None:
        return None, None
    if "inline_keyboard" in raw:
        _check_inline_keyboard(raw)
        return raw, None
    return None, raw


def _reply_button(button: str | dict[str, Any]) -> dict[str, Any]:
    """Reply keyboard buttons may be bare strings; make them KeyboardButton objects."""
    return {"text": button} if isinstance(button, str) else button


def _pick(texts: list[str], label: str) -> int | None:
    """Index of the button to press: the exact text, else the only one containing `label`.

    Several partial matches and no exact one is an error, not a guess.
    """
    if label in texts:
        return texts.index(label)
    partial = [index for index, text in enumerate(texts) if label in text]
    if len(partial) > 1:
        raise LookupError(f"{label!r} matches several buttons: {[texts[i] for i in partial]}")
    return partial[0] if partial else None


class BotApiEmulator:
    """An emulated Telegram Bot API for one bot, served on 127.0.0.1 on a free port."""

    def __init__(self, token: str = "123456:TEST-token", *, bot_username: str = "frontdoor_test_bot") -> None:
        if not TOKEN_RE.match(token):
            raise ValueError(f"not a bot token: {token!r}")
        self.token = token
        self.spec = BotApiSpec.published()  # what every request is checked against
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        # Which Telegram library the bot run against this emulator uses (tests/e2e/bot_process.py);
        # tests/e2e/conftest.py runs each test on both.
        self.library = "aiogram"
        # Inspection.
        self.calls: list[ApiCall] = []
        self.commands: dict[tuple[str | None, str], list[dict[str, Any]]] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        # The webhook, as the last setWebhook left it (url None: updates wait for getUpdates).
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_max_connections = 40
        self.webhook_allowed_updates: list[str] = []  # empty: every type the emulator makes
        self.webhook_timeout = WEBHOOK_TIMEOUT  # seconds; a test may shorten it
        self.webhook_deliveries: list[WebhookDelivery] = []  # every POST of an update, in order
        # Fault injection: (global sends per second, messages per chat per second), or None for no
        # limit. A chat's messages are sends and edits alike, and it may take `chat_burst` at once.
        self.rate_limit: tuple[float, float] | None = None
        self.chat_burst = CHAT_BURST
        self._faults: dict[str, deque[_Fault]] = {}
        self._blocked: set[int] = set()
        self._global_sends: deque[float] = deque()
        self._chat_allowance: dict[int, tuple[float, float]] = {}  # chat -> (messages it may take, at)
        # Chats, messages, files.
        self._users: dict[int, EmulatedUser] = {}
        self._known_chats: set[int] = set()
        self._messages: dict[int, list[SentMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self._reply_keyboards: dict[int, tuple[dict[str, Any], int]] = {}  # chat -> (keyboard, message_id)
        self._files: dict[str, UploadedFile] = {}
        # The update queue.
        self._pending: list[_Pending] = []
        self._history: dict[int, _Pending] = {}
        self._update_ids = itertools.count(FIRST_UPDATE_ID)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._poll_seq = 0  # the newest getUpdates request; older ones get 409 like on Telegram
        self._epoch = 0  # bumped when connections are dropped, ending long polls on dead connections
        self._updates_changed = _Signal()
        self._bot_wrote = _Signal()
        self._activity: dict[int, float] = {}  # user id -> last API call or update delivery (monotonic)
        # Serving.
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._port: int | None = None
        self._listening = asyncio.Event()
        self._reopen: asyncio.Task[None] | None = None
        # Webhook delivery.
        self._webhook_target: URL | None = None
        self._webhook_error: tuple[int, str] | None = None  # (unix time, message) of the last failure
        self._delivery: asyncio.Task[None] | None = None
        self._chats_in_flight: set[int] = set()  # one delivery at a time per chat, as on Telegram
        self._client: aiohttp.ClientSession | None = None  # created for the first POST, closed by stop()
        self._handlers: dict[str, Handler] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getMyCommands": self._get_my_commands,
                "sendMessage": self._send_message,
                "sendDocument": self._send_document,
                "sendPhoto": self._send_photo,
                "sendChatAction": self._send_chat_action,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                **{name: self._no_op for name in NO_OP_METHODS},
            }.items()
        }

    # ------------------------------------------------------------------ serving

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port (port 0), and only there."""
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # handler_cancellation: a long poll whose client went away ends instead of lingering.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True)
        await self._runner.setup()
        await self._listen(0)
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop serving: stop webhook deliveries, end long polls, close connections and the listening socket.

        A delivery loop that crashed is reported here, by raising its exception, once all is closed.
        """
        if self._runner is None:
            return
        if self._reopen is not None:
            self._reopen.cancel()
            self._reopen = None
        try:
            await self._stop_delivery()
        finally:
            self._epoch += 1
            self._updates_changed.fire()
            self._listening.clear()
            await self._runner.cleanup()  # stops the site, then closes connections
            self._runner = self._site = None
            if self._client is not None:
                await self._client.close()
                self._client = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Base URL for the bot (``TelegramAPIServer.from_base(url)``); it stays the same across outages."""
        if self._port is None:
            raise RuntimeError("emulator not started")
        return f"http://{HOST}:{self._port}"

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    async def _listen(self, port: int) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, HOST, port)
        await self._site.start()
        self._listening.set()

    async def refuse_connections(self, seconds: float) -> None:
        """Act like Telegram is unreachable for `seconds`, then listen again on the same port.

        Returns as soon as the outage has begun (the listening socket is closed
        and open connections, idle or mid-request, are dropped), so a test can
        go on driving users while the bot struggles; listening resumes in the
        background. ``wait_listening`` waits for the end of the outage.

        Webhook deliveries go on during the outage: the bot cannot reach the
        API, but its updates still arrive. Whether Telegram's pushes stop when
        api.telegram.org is unreachable is not known; keeping them is simpler.
        """
        if self._runner is None or self._port is None:
            raise RuntimeError("emulator not started")
        if self._reopen is not None:
            self._reopen.cancel()
        if self._site is not None:
            await self._site.stop()
            self._site = None
        self._listening.clear()
        self._epoch += 1
        self._updates_changed.fire()  # wake long polls so they end instead of lingering
        server = self._runner.server
        for connection in server.connections if server is not None else []:
            connection.force_close()
        await asyncio.sleep(0)
        self._reopen = asyncio.create_task(self._reopen_after(seconds, self._port))

    async def _reopen_after(self, seconds: float, port: int) -> None:
        await asyncio.sleep(seconds)
        await self._listen(port)
        self._reopen = None

    async def wait_listening(self, timeout: float = 10.0) -> None:
        """Wait for the end of an outage started by ``refuse_connections``."""
        await asyncio.wait_for(self._listening.wait(), timeout)

    async def _handle(self, request: web.Request) -> web.Response:
        """Answer one Bot API request: check the token, decode parameters, apply faults, dispatch."""
        token, method = request.match_info["token"], request.match_info["method"]
        if not TOKEN_RE.match(token):
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        call = ApiCall(method=method, params={}, time=time.monotonic())
        self.calls.append(call)
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            call.params = await self._read_params(request)
        except ApiError as error:
            body, status = error.body(), error.status
            call.status, call.response = status, body
        else:
            body, status = await self._execute(call)
        return web.json_response(body, status=status)

    async def _execute(self, call: ApiCall) -> tuple[dict[str, Any], int]:
        """Run a call whose parameters are read: faults, the method, rate limits. Returns (body, status)."""
        try:
            call.chat_id = self._chat_of(call.params)
            self._touch(call.chat_id)
            self._inject_fault(call.method)
            handler = self._handlers.get(call.method.lower())
            if handler is None or not self.spec.knows(call.method):
                raise ApiError(404, "Not Found")
            try:
                call.params = self.spec.check(call.method, call.params)
            except BadRequest as error:
                raise ApiError.bad(str(error)) from None
            self._check_rate_limit(call.method, call.params)
            body: dict[str, Any] = {"ok": True, "result": await handler(call.params)}
            status = 200
        except ApiError as error:
            body, status = error.body(), error.status
        call.status, call.response = status, body
        self._touch(call.chat_id)
        return body, status

    async def _read_params(self, request: web.Request) -> Params:
        """Collect parameters from the query string and a JSON, urlencoded or multipart body."""
        raw: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise ApiError.bad("can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise ApiError.bad("can't parse JSON object")
                raw.update(body)
            else:
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        data = value.file.read()
                        raw[key] = UploadedFile(value.filename or key, value.content_type, data)
                    else:
                        raw[key] = value
        return _decode_params(raw)

    def _chat_of(self, params: Params) -> int | None:
        """The user a call concerns: its chat_id, or the sender of the callback query it answers.

        Read before the parameters are checked (a refused call still counts as activity in the chat).
        """
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and INT_RE.match(chat_id.strip()):
            chat_id = int(chat_id)
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            return chat_id
        query = self.callback_queries.get(str(params.get("callback_query_id")))
        return query.user_id if query else None

    def _touch(self, user_id: int | None) -> None:
        if user_id is not None:
            self._activity[user_id] = time.monotonic()

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str = "",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with this error instead of doing them.

        A 429 always carries retry_after (1 unless given), as Telegram's do, so
        aiogram raises TelegramRetryAfter. Faults for one method queue up in order.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if not description:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                403: BLOCKED,
                400: "Bad Request",
                401: "Unauthorized",
                409: "Conflict",
                500: "Internal Server Error",
            }.get(status) or HTTPStatus(status).phrase
        self._faults.setdefault(method.lower(), deque()).append(_Fault(status, description, retry_after, times))

    def _inject_fault(self, method: str) -> None:
        queue = self._faults.get(method.lower())
        if not queue:
            return
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.popleft()
        raise ApiError(fault.status, fault.description, retry_after=fault.retry_after)

    def open_chats(self, chat_ids: Iterable[int]) -> None:
        """These people wrote to the bot some time ago: it may write to them (a burst to many people)."""
        self._known_chats.update(chat_ids)

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: everything aimed at that chat gets 403."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def _check_rate_limit(self, method: str, params: Params) -> None:
        """429 for a message over the global rate (a sliding window of one second) or over a chat's:
        a short burst, then `chat_rate` a second, sends and edits alike, as Telegram counts them."""
        name = method.lower()
        if self.rate_limit is None or not name.startswith(("send", "edit")) or name == "sendchataction":
            return
        now = time.monotonic()
        global_rate, chat_rate = self.rate_limit
        chat_id = params.get("chat_id")
        allowance = self._chat_allowance_at(chat_id, chat_rate, now) if isinstance(chat_id, int) else None
        chat_wait = 0.0 if allowance is None or allowance >= 1 else (1 - allowance) / max(chat_rate, 1e-9)
        global_wait = self._window_wait(self._global_sends, global_rate, now) if name.startswith("send") else 0.0
        wait = max(global_wait, chat_wait)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
        if name.startswith("send"):
            self._global_sends.append(now)
        if allowance is not None and isinstance(chat_id, int):
            self._chat_allowance[chat_id] = (allowance - 1, now)

    def _chat_allowance_at(self, chat_id: int, chat_rate: float, now: float) -> float:
        """How many messages this chat may take at `now`: up to the burst, refilled at `chat_rate` a second."""
        allowance, at = self._chat_allowance.get(chat_id, (float(self.chat_burst), now))
        return min(float(self.chat_burst), allowance + (now - at) * chat_rate)

    @staticmethod
    def _window_wait(sends: deque[float], rate: float, now: float) -> float:
        """Seconds until one more send fits `rate` per second (0 if it fits now).

        The window is one second holding `rate` sends; a rate below one per
        second becomes one send per 1/rate seconds.
        """
        if rate <= 0:
            return 1.0
        window = max(1.0, 1.0 / rate)
        capacity = max(1, int(rate * window))
        while sends and sends[0] <= now - window:
            sends.popleft()
        return 0.0 if len(sends) < capacity else sends[0] + window - now

    # ------------------------------------------------------------------ webhook delivery

    async def redeliver(self, update_id: int) -> int:
        """POST an update to the webhook once more, as Telegram does when an answer came too late.

        Returns the webhook's HTTP status, raises ConnectionError when it did
        not answer. The attempt is recorded in ``webhook_deliveries`` (and a
        failure in getWebhookInfo); the update queue is left as it is.
        """
        entry = self._history.get(update_id)
        if entry is None:
            raise KeyError(f"no update {update_id}")
        self._touch(entry.user_id)
        attempt = await self._post_update(entry.update, redelivered=True)
        self._touch(entry.user_id)
        if attempt.status is None:
            raise ConnectionError(f"update {update_id} was not redelivered: {attempt.error}")
        return attempt.status

    async def post_to_webhook(self, body: dict[str, Any], secret: str | None) -> int:
        """POST any JSON body to the webhook with this secret header (none for None); returns the HTTP status.

        For forged requests: nothing is recorded and a method in the answer is
        not run. Connection errors are raised.
        """
        status, _ = await self._send_to_webhook(body, secret, run_reply=False)
        return status

    async def _stop_delivery(self) -> None:
        """Cancel the delivery loop and the POSTs it has under way; re-raise its crash, if it crashed."""
        task, self._delivery = self._delivery, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            if not task.cancelled():  # the caller is being cancelled, not the loop
                raise

    async def _deliver_updates(self) -> None:
        """The delivery loop, while a webhook is set: start POSTs as updates, slots and retry times allow.

        Updates go in queue order, at most max_connections at once and one at
        a time per chat: a chat's next update waits until the one before it is
        delivered, retries included, as on Telegram. The loop wakes on
        ``_updates_changed`` (fired by new updates and by finished POSTs) or
        when the next retry is due.
        """
        posts: set[asyncio.Task[None]] = set()
        try:
            while True:
                for post in [post for post in posts if post.done()]:
                    posts.discard(post)
                    post.result()  # a bug in a delivery ends the loop; stop() raises it
                now = time.monotonic()
                wake_at = now + 60.0
                waiting = set(self._chats_in_flight)
                for entry in list(self._pending):
                    if len(self._chats_in_flight) >= self.webhook_max_connections:
                        break
                    if entry.user_id in waiting:
                        continue
                    waiting.add(entry.user_id)  # later updates of this chat wait for this one
                    if entry.retry_at > now:
                        wake_at = min(wake_at, entry.retry_at)
                        continue
                    self._chats_in_flight.add(entry.user_id)
                    posts.add(asyncio.create_task(self._deliver(entry), name=f"webhook delivery {entry.update_id}"))
                await self._updates_changed.wait(wake_at - now)
        finally:
            for post in posts:
                post.cancel()
            await asyncio.gather(*posts, return_exceptions=True)
            self._chats_in_flight.clear()

    async def _deliver(self, entry: _Pending) -> None:
        """POST one pending update: a 2xx answer confirms it, anything else schedules a retry with backoff."""
        entry.delivered = True
        self._touch(entry.user_id)
        delivered = False
        try:
            delivered = (await self._post_update(entry.update, redelivered=False)).ok
        finally:
            self._chats_in_flight.discard(entry.user_id)
            if delivered:
                self._pending = [pending for pending in self._pending if pending is not entry]
            else:
                entry.delivered = False
                entry.failures += 1
                backoff = min(WEBHOOK_FIRST_RETRY * 2 ** (entry.failures - 1), WEBHOOK_LAST_RETRY)
                entry.retry_at = time.monotonic() + backoff
            self._touch(entry.user_id)
            self._updates_changed.fire()

    async def _post_update(self, update: dict[str, Any], *, redelivered: bool) -> WebhookDelivery:
        """POST an update with the webhook's secret, record the attempt, remember a failure for getWebhookInfo."""
        attempt = WebhookDelivery(int(update["update_id"]), time.monotonic(), redelivered)
        self.webhook_deliveries.append(attempt)
        try:
            attempt.status, reason = await self._send_to_webhook(update, self.webhook_secret, run_reply=True)
        except (aiohttp.ClientError, TimeoutError) as error:
            attempt.error = _delivery_error(error)
        except asyncio.CancelledError:
            attempt.error = "Delivery cancelled: the webhook was changed or removed, or the emulator stopped"
            raise
        else:
            if not attempt.ok:
                attempt.error = f"Wrong response from the webhook: {attempt.status} {reason}"
        if attempt.error is not None:
            self._webhook_error = (int(time.time()), attempt.error)
        return attempt

    async def _send_to_webhook(self, body: dict[str, Any], secret: str | None, *, run_reply: bool) -> tuple[int, str]:
        """POST `body` as JSON to the webhook; returns (status, reason). Redirects are not followed."""
        target = self._webhook_target
        if target is None:
            raise RuntimeError("no webhook is set")
        if target.host not in WEBHOOK_HOSTS:  # setWebhook refused it already; never send anywhere else
            raise RuntimeError(f"refusing to send to {target.host}")
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        if self._client is None:
            # trust_env=False: no proxy from the environment, the POST goes straight to loopback.
            self._client = aiohttp.ClientSession(trust_env=False, connector=aiohttp.TCPConnector(limit=0))
        async with self._client.post(
            target,
            data=json.dumps(body).encode(),
            headers=headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
        ) as response:
            if run_reply and 200 <= response.status < 300:
                await self._run_webhook_reply(response)
            else:
                await response.read()
            return response.status, response.reason or HTTPStatus(response.status).phrase

    async def _run_webhook_reply(self, response: aiohttp.ClientResponse) -> None:
        """Run the Bot API method a 2xx webhook answer carries, as Telegram does (its result goes nowhere).

        The answer is JSON, a form or multipart form data (aiogram's way) with
        a ``method`` field; getters, setWebhook, deleteWebhook, close and
        logOut are ignored, and so is an answer that cannot be parsed. The
        call is recorded in ``calls`` like any other.
        """
        raw: dict[str, Any] = {}
        try:
            if response.content_type == "application/json":
                body = await response.json()
                raw = body if isinstance(body, dict) else {}
            elif response.content_type == "application/x-www-form-urlencoded":
                raw = dict(parse_qsl(await response.text()))
            elif response.content_type == "multipart/form-data":
                reader = aiohttp.MultipartReader(response.headers, response.content)
                while (part := await reader.next()) is not None:
                    if not isinstance(part, aiohttp.BodyPartReader) or not part.name:
                        continue
                    data = await part.read(decode=True)
                    if part.filename:
                        content_type = part.headers.get("Content-Type", "application/octet-stream")
                        raw[part.name] = UploadedFile(part.filename, content_type, bytes(data))
                    else:
                        raw[part.name] = bytes(data).decode(part.get_charset("utf-8"))
            else:
                await response.read()
        except (ValueError, aiohttp.ClientError):
            return
        method = raw.pop("method", None)
        if not isinstance(method, str) or not method:
            return
        if method.lower() in NOT_IN_WEBHOOK_REPLY or method.lower().startswith("get"):
            return
        call = ApiCall(method=method, params={}, time=time.monotonic())
        self.calls.append(call)
        try:
            call.params = _decode_params(raw)
        except ApiError as error:
            call.status, call.response = error.status, error.body()
        else:
            await self._execute(call)

    # ------------------------------------------------------------------ users and inspection

    def user(self, user_id: int, *, first_name: str = "Test", language_code: str | None = "en") -> EmulatedUser:
        """A person in a private chat with the bot (chat id == user id).

        The same id gives the same object; calling again sets its name and
        language to the given ones (people do change their Telegram language).
        The bot can write to the chat only once the person has sent something.
        """
        person = self._users.get(user_id)
        if person is None:
            person = self._users[user_id] = EmulatedUser(self, user_id, first_name, language_code)
        else:
            person.first_name, person.language_code = first_name, language_code
        return person

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Every message the bot sent to that chat, in order, as it is now (after edits)."""
        return list(self._messages.get(chat_id, []))

    def calls_to(self, method: str) -> list[ApiCall]:
        """The calls of one method (case-insensitive, like Telegram)."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def callback(self, update_id: int) -> CallbackQueryRecord:
        """The callback query queued as `update_id`, with the bot's answer to it."""
        for query in self.callback_queries.values():
            if query.update_id == update_id:
                return query
        raise KeyError(f"no callback query in update {update_id}")

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset or a 2xx webhook answer."""
        return [entry.update for entry in self._pending]

    # ------------------------------------------------------------------ queueing updates

    def _queue(self, user: EmulatedUser, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update from `user`; from now on the bot may write to that chat.

        While a webhook with allowed_updates is set, an update of another type
        is never delivered: Telegram does not even make it.
        """
        self._known_chats.add(user.user_id)
        update_id = next(self._update_ids)
        entry = _Pending({"update_id": update_id, kind: payload}, user.user_id)
        self._history[update_id] = entry
        if not (self.webhook_url and self.webhook_allowed_updates and kind not in self.webhook_allowed_updates):
            self._pending.append(entry)
            self._updates_changed.fire()
        return update_id

    def _requeue(self, user: EmulatedUser, update_id: int) -> None:
        old = self._history.get(update_id)
        if old is None or old.user_id != user.user_id:
            raise KeyError(f"user {user.user_id} has no update {update_id}")
        self._pending = [entry for entry in self._pending if entry.update_id != update_id]
        self._pending.append(_Pending(old.update, old.user_id, sticky=True))
        self._pending.sort(key=lambda entry: entry.update_id)
        self._updates_changed.fire()

    def _new_message_id(self, chat_id: int) -> int:
        """Message ids count up per chat, shared by both sides as in Telegram's private chats."""
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _user_message(self, user: EmulatedUser, content: dict[str, Any]) -> dict[str, Any]:
        return {
            "message_id": self._new_message_id(user.user_id),
            "from": user.as_telegram(),
            "chat": self._chat_json(user.user_id),
            "date": int(time.time()),
            **content,
        }

    def _callback(self, user: EmulatedUser, data: str, message_id: int) -> int:
        """Queue a callback query; an unknown message comes as Telegram's inaccessible message (date 0)."""
        message = next((m for m in self._messages.get(user.user_id, []) if m.message_id == message_id), None)
        message_json = (
            self._message_json(message)
            if message is not None and not message.deleted
            else {"chat": self._chat_json(user.user_id), "message_id": message_id, "date": 0}
        )
        query_id = str(4_000_000_000_000_000 + next(self._callback_ids))
        update_id = self._queue(
            user,
            "callback_query",
            {
                "id": query_id,
                "from": user.as_telegram(),
                "message": message_json,
                "chat_instance": str(-(10**12) - user.user_id),
                "data": data,
            },
        )
        self.callback_queries[query_id] = CallbackQueryRecord(query_id, update_id, user.user_id, message_id, data)
        return update_id

    # ------------------------------------------------------------------ Telegram shapes

    def _bot_json(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Frontdoor (test)", "username": self.bot_username}

    def _chat_json(self, chat_id: int) -> dict[str, Any]:
        person = self._users.get(chat_id)
        return {"id": chat_id, "type": "private", "first_name": person.first_name if person else "Test"}

    def _message_json(self, message: SentMessage) -> dict[str, Any]:
        """A bot message as Telegram returns it: reply keyboards are never echoed, inline ones are."""
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self._bot_json(),
            "chat": self._chat_json(message.chat_id),
            "date": message.date,
        }
        if message.document_name is not None:
            result["document"] = {
                "file_id": message.document_file_id,
                "file_unique_id": f"u{message.document_file_id}",
                "file_name": message.document_name,
                "mime_type": message.document_mime,
                "file_size": len(message.document_bytes or b""),
            }
            if message.text:
                result["caption"] = message.text
        elif message.photo_size is not None:
            width, height = message.photo_size
            result["photo"] = [
                {"file_id": f"AgACBot{message.message_id}", "file_unique_id": f"AQADb{message.message_id}"}
                | {"width": width, "height": height, "file_size": len(message.photo_bytes or b"")}
            ]
            if message.text:
                result["caption"] = message.text
        else:
            result["text"] = message.text
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if message.reply_markup is not None:
            result["reply_markup"] = message.reply_markup
        return result

    # ------------------------------------------------------------------ checks shared by methods

    def _target_chat(self, params: Params) -> int:
        """The private chat a method writes to: it must exist (the user wrote first) and not block the bot."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError.bad("chat_id is empty")
        if not isinstance(chat_id, int) or chat_id not in self._known_chats:
            raise ApiError.bad("chat not found")
        if chat_id in self._blocked:
            raise ApiError(403, BLOCKED)
        return chat_id

    def _bot_message(self, params: Params) -> SentMessage:
        """The bot's message that an edit or delete names by chat_id and message_id."""
        if params.get("inline_message_id"):
            raise ApiError.bad("inline messages are not emulated")
        chat_id = self._target_chat(params)
        message_id = params.get("message_id")
        for message in self._messages.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                return message
        raise ApiError.bad("message to edit not found")

    def _store(self, chat_id: int, text: str, params: Params, **document: Any) -> SentMessage:
        """Record a sent message; a reply keyboard replaces the chat's current one, a removal clears it."""
        inline, other = _split_markup(params.get("reply_markup"))
        message = SentMessage(
            message_id=self._new_message_id(chat_id),
            chat_id=chat_id,
            text=text,
            reply_markup=inline,
            reply_keyboard=other,
            date=int(time.time()),
            **document,
        )
        self._messages.setdefault(chat_id, []).append(message)
        if other is not None and "keyboard" in other:
            self._reply_keyboards[chat_id] = (other, message.message_id)
        elif other is not None and other.get("remove_keyboard"):
            self._reply_keyboards.pop(chat_id, None)
        self._bot_wrote.fire()
        return message

    def _edited(self, message: SentMessage, text: str, markup: dict[str, Any] | None) -> dict[str, Any]:
        """Apply an edit, or refuse it like Telegram when nothing would change."""
        if text == message.text and markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        message.text, message.reply_markup = text, markup
        message.edits += 1
        message.edit_date = int(time.time())
        self._bot_wrote.fire()
        return self._message_json(message)

    @staticmethod
    def _inline_markup(params: Params) -> dict[str, Any] | None:
        inline, other = _split_markup(params.get("reply_markup"))
        if other is not None:
            raise ApiError.bad("inline keyboard expected")
        return inline

    # ------------------------------------------------------------------ methods

    async def _no_op(self, params: Params) -> bool:
        return True

    async def _get_me(self, params: Params) -> dict[str, Any]:
        return {
            **self._bot_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        """Long polling: confirm by offset, then answer at once if anything is queued, else wait up to `timeout`.

        A newer getUpdates ends an older one with 409, as on Telegram.
        """
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        timeout = max(_int_param(params, "timeout", 0), 0)
        self._poll_seq += 1
        poll, epoch = self._poll_seq, self._epoch
        self._updates_changed.fire()  # an older long poll learns it was superseded
        self._confirm(offset)
        deadline = time.monotonic() + timeout
        while True:
            if epoch != self._epoch:
                return []  # the connection was dropped: nobody would receive these
            if self.webhook_url:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
            if poll != self._poll_seq:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            batch = self._pending[:limit]
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0:
                break
            await self._updates_changed.wait(remaining)
        for entry in batch:
            entry.delivered, entry.sticky = True, False
            self._touch(entry.user_id)
        return [entry.update for entry in batch]

    def _confirm(self, offset: int) -> None:
        """Forget confirmed updates: ids below a positive offset; all but the last -offset for a negative one."""
        if offset > 0:
            self._pending = [entry for entry in self._pending if entry.update_id >= offset or entry.sticky]
        elif offset < 0:
            self._pending = self._pending[offset:]

    async def _set_webhook(self, params: Params) -> bool:
        """Check everything first, then replace the webhook and start delivering; an empty url removes it.

        max_connections is clamped to 1-100 and allowed_updates, when not
        given, stays as it was, both as on Telegram. A new webhook starts with
        no last error and retries every pending update at once.
        """
        url = str(params.get("url") or "").strip()
        secret = params.get("secret_token") or None  # an empty secret is none
        max_connections = min(max(_int_param(params, "max_connections", 40), 1), 100)
        allowed = params.get("allowed_updates")
        if not url:
            return await self._delete_webhook(params)
        target = _webhook_target(url)
        await self._stop_delivery()
        self.webhook_url, self._webhook_target, self.webhook_secret = url, target, secret
        self.webhook_max_connections = max_connections
        if allowed is not None:
            self.webhook_allowed_updates = allowed
        self._webhook_error = None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        for entry in self._pending:
            entry.delivered, entry.failures, entry.retry_at = False, 0, 0.0
        self._delivery = asyncio.create_task(self._deliver_updates(), name="webhook delivery")
        self._updates_changed.fire()  # a long poll still waiting ends with 409
        return True

    async def _delete_webhook(self, params: Params) -> bool:
        """Stop delivering; pending updates stay for getUpdates unless dropped."""
        await self._stop_delivery()
        self.webhook_url = self._webhook_target = self.webhook_secret = None
        self._webhook_error = None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, params: Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_max_connections
            if self.webhook_allowed_updates:
                info["allowed_updates"] = self.webhook_allowed_updates
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    @staticmethod
    def _commands_key(params: Params) -> tuple[str | None, str]:
        scope = params.get("scope") or {"type": "default"}
        return (params.get("language_code") or None, scope["type"])

    async def _set_my_commands(self, params: Params) -> bool:
        self.commands[self._commands_key(params)] = params["commands"]
        return True

    async def _delete_my_commands(self, params: Params) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _get_my_commands(self, params: Params) -> list[dict[str, Any]]:
        return self.commands.get(self._commands_key(params), [])

    async def _send_message(self, params: Params) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        return self._message_json(self._store(chat_id, params["text"], params))

    async def _send_document(self, params: Params) -> dict[str, Any]:
        """Store an uploaded document (or one re-sent by file_id); URLs cannot be fetched here."""
        chat_id = self._target_chat(params)
        document = params.get("document")
        if isinstance(document, str) and document in self._files:
            document = self._files[document]
        if document is None or document == "":
            raise ApiError.bad("there is no document in the request")
        if not isinstance(document, UploadedFile):
            raise ApiError.bad("wrong file identifier/HTTP URL specified")
        if not document.data:
            raise ApiError.bad("file must be non-empty")
        caption = params.get("caption") or ""
        mime = (
            document.content_type
            if document.content_type and document.content_type != "application/octet-stream"
            else mimetypes.guess_type(document.filename)[0] or "application/octet-stream"
        )
        file_id = f"BQACAgQAAxkDAAI{next(self._file_ids):06d}"
        self._files[file_id] = document
        message = self._store(
            chat_id,
            caption,
            params,
            document_name=document.filename,
            document_bytes=document.data,
            document_mime=mime,
            document_file_id=file_id,
        )
        return self._message_json(message)

    async def _send_photo(self, params: Params) -> dict[str, Any]:
        """Store an uploaded photo, refused as Telegram refuses one: too big, not an image, or out of shape."""
        chat_id = self._target_chat(params)
        photo = params.get("photo")
        if not isinstance(photo, UploadedFile) or not photo.data:
            raise ApiError.bad("there is no photo in the request")
        if len(photo.data) > MAX_PHOTO:
            raise ApiError.bad("PHOTO_SAVE_FILE_INVALID")
        try:
            with Image.open(io.BytesIO(photo.data)) as image:
                width, height = image.size
        except (OSError, ValueError):
            raise ApiError.bad("IMAGE_PROCESS_FAILED") from None
        if width + height > MAX_PHOTO_SIDES or max(width, height) > MAX_PHOTO_RATIO * min(width, height):
            raise ApiError.bad("PHOTO_INVALID_DIMENSIONS")
        caption = params.get("caption") or ""
        message = self._store(chat_id, caption, params, photo_bytes=photo.data, photo_size=(width, height))
        return self._message_json(message)

    async def _send_chat_action(self, params: Params) -> bool:
        self._target_chat(params)
        return True

    async def _edit_message_text(self, params: Params) -> dict[str, Any]:
        """Replace text and inline keyboard; a missing reply_markup removes the keyboard, as on Telegram."""
        message = self._bot_message(params)
        if message.document_name is not None or message.photo_size is not None:
            raise ApiError.bad("there is no text in the message to edit")
        text = params.get("text")
        if text is None:  # the published API makes it optional only for rich messages, not emulated
            raise ApiError.bad("message text is empty")
        return self._edited(message, text, self._inline_markup(params))

    async def _edit_message_reply_markup(self, params: Params) -> dict[str, Any]:
        message = self._bot_message(params)
        return self._edited(message, message.text, self._inline_markup(params))

    async def _delete_message(self, params: Params) -> bool:
        try:
            message = self._bot_message(params)
        except ApiError as error:
            if error.status == 400 and "to edit not found" in error.description:
                raise ApiError.bad("message to delete not found") from None
            raise
        message.deleted = True
        self._bot_wrote.fire()
        return True

    async def _answer_callback_query(self, params: Params) -> bool:
        """Record the answer; an unknown or already answered query gets Telegram's "too old" 400."""
        query = self.callback_queries.get(str(params.get("callback_query_id")))
        if query is None or query.answered:
            raise ApiError(400, QUERY_TOO_OLD)
        text = params.get("text")
        query.answered = True
        query.answer_text = text or None
        query.show_alert = bool(params.get("show_alert"))
        query.answer_url = params.get("url") or None
        return True


class EmulatedUser:
    """A person in a private chat with the bot; what end-to-end tests drive.

    Actions (send, press, ...) queue updates for the bot's next getUpdates, or
    for the webhook, and return the update_id; waits observe what the bot sends back.
    """

    def __init__(self, emulator: BotApiEmulator, user_id: int, first_name: str, language_code: str | None) -> None:
        self.emulator = emulator
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.phone = "+15195550123"  # shared by request_contact buttons

    def __repr__(self) -> str:
        return f"EmulatedUser({self.user_id}, {self.first_name!r}, {self.language_code!r})"

    def as_telegram(self) -> dict[str, Any]:
        """The Telegram User object in this person's updates."""
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code is not None:
            user["language_code"] = self.language_code
        return user

    # ------------------------------------------------------------------ actions

    def _message(self, content: dict[str, Any]) -> int:
        emulator = self.emulator
        return emulator._queue(self, "message", emulator._user_message(self, content))

    def send(self, text: str) -> int:
        """Write a text message; a leading /command gets its bot_command entity, as Telegram adds."""
        if not text.strip():
            raise ValueError("Telegram clients cannot send an empty message")
        content: dict[str, Any] = {"text": text}
        if command := COMMAND_RE.match(text):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command.group())}]
        return self._message(content)

    def reply(self, text: str, to_message_id: int) -> int:
        """Reply to one of the bot's messages: Telegram sends the replied-to message along, whole."""
        emulator = self.emulator
        replied = next(m for m in emulator._messages.get(self.user_id, []) if m.message_id == to_message_id)
        return self._message({"text": text, "reply_to_message": emulator._message_json(replied)})

    def send_photo(self) -> int:
        """Send a photo (two sizes, no caption, no text)."""
        sizes = [(90, 67, 1200), (800, 600, 48000)]
        return self._message(
            {
                "photo": [
                    {"file_id": f"AgACPhoto{w}", "file_unique_id": f"AQADp{w}", "width": w, "height": h, "file_size": s}
                    for w, h, s in sizes
                ]
            }
        )

    def send_sticker(self) -> int:
        return self._message(
            {
                "sticker": {
                    "file_id": "CAACStickerTest",
                    "file_unique_id": "AgADsticker",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": "\N{THUMBS UP SIGN}",
                }
            }
        )

    def share_contact(self, phone: str = "+15195550123") -> int:
        """Share a contact. Real clients often send the number without '+'; pass one like that to test it."""
        contact = {"phone_number": phone, "first_name": self.first_name, "user_id": self.user_id}
        return self._message({"contact": contact})

    def press(self, label: str, *, message: SentMessage | None = None) -> int:
        """Press a button by its text: exact, or the only one containing `label`.

        Inline buttons are looked for on `message`, or else on the bot's most
        recent message that has a matching one; a callback_data button queues a
        callback_query. Without `message`, a matching button on the current
        reply keyboard wins when the keyboard came with a newer message: it
        sends its text, or the contact for a request_contact button.
        """
        candidates: Iterable[SentMessage] = [message] if message is not None else reversed(self.inbox)
        inline: tuple[SentMessage, dict[str, Any]] | None = None
        for candidate in candidates:
            index = None if candidate.deleted else _pick(candidate.buttons(), label)
            if index is not None:
                inline = (candidate, candidate._inline_buttons()[index])
                break
        keyboard = self.emulator._reply_keyboards.get(self.user_id) if message is None else None
        reply_button: dict[str, Any] | None = None
        if keyboard is not None:
            buttons = [_reply_button(b) for b in itertools.chain.from_iterable(keyboard[0]["keyboard"])]
            index = _pick([b["text"] for b in buttons], label)
            if index is not None and (inline is None or keyboard[1] > inline[0].message_id):
                reply_button = buttons[index]
        if reply_button is not None:
            return self._press_reply(reply_button)
        if inline is None:
            raise LookupError(f"no button {label!r} for user {self.user_id}; visible: {self._visible_buttons(message)}")
        pressed_message, button = inline
        if "callback_data" not in button:
            raise LookupError(f"button {button['text']!r} sends no callback (it is {sorted(button)})")
        return self.emulator._callback(self, button["callback_data"], pressed_message.message_id)

    def _press_reply(self, button: dict[str, Any]) -> int:
        if button.get("request_contact"):
            return self.share_contact(self.phone)
        unsupported = [key for key in button if key.startswith("request_") or key == "web_app"]
        if unsupported:
            raise NotImplementedError(f"reply button {button['text']!r} uses {unsupported}")
        return self.send(button["text"])

    def _visible_buttons(self, message: SentMessage | None) -> str:
        shown = [message] if message is not None else [m for m in self.inbox if m.buttons() and not m.deleted][-3:]
        parts = [f"message {m.message_id}: {m.buttons()}" for m in shown]
        keyboard = self.emulator._reply_keyboards.get(self.user_id)
        if keyboard is not None and message is None:
            texts = [_reply_button(b)["text"] for b in itertools.chain.from_iterable(keyboard[0]["keyboard"])]
            parts.append(f"reply keyboard: {texts}")
        return "; ".join(parts) or "none"

    def press_data(self, data: str, *, message_id: int) -> int:
        """Forge a callback query with any data on any message id (Telegram would not check either)."""
        return self.emulator._callback(self, data, message_id)

    def resend(self, update_id: int) -> None:
        """Deliver an update again with the same update_id, as Telegram does after the bot crashed.

        It is delivered once more even if the bot's offset is already past it.
        """
        self.emulator._requeue(self, update_id)

    # ------------------------------------------------------------------ observing

    @property
    def inbox(self) -> list[SentMessage]:
        """Messages from the bot to this user, in order (deleted ones stay, flagged, so indexes hold)."""
        return self.emulator.messages(self.user_id)

    @property
    def reply_keyboard(self) -> dict[str, Any] | None:
        """The reply keyboard this user currently has, if any."""
        keyboard = self.emulator._reply_keyboards.get(self.user_id)
        return keyboard[0] if keyboard else None

    def last_message(self) -> SentMessage:
        live = [message for message in self.inbox if not message.deleted]
        if not live:
            raise AssertionError(f"the bot has sent nothing to user {self.user_id}")
        return live[-1]

    async def wait_for(
        self,
        predicate: Callable[[SentMessage], bool] | str,
        *,
        timeout: float = 10.0,
        after: int | None = None,
    ) -> SentMessage:
        """Wait until a bot message (sent or edited) satisfies `predicate`; a str means "text contains".

        `after` limits the search to inbox indexes >= after (take ``len(user.inbox)``
        before acting). Returns the newest matching message. Edits of messages
        before `after` are not seen; wait on those without `after`.
        """
        check = (lambda message: predicate in message.text) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        while True:
            matches = [m for m in self.inbox[after or 0 :] if not m.deleted and check(m)]
            if matches:
                return matches[-1]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no bot message to user {self.user_id} matched {predicate!r} within {timeout}s\n" + self._report()
                )
            await self.emulator._bot_wrote.wait(remaining)

    async def wait_idle(self, quiet: float = 0.5, timeout: float = 10.0) -> None:
        """Wait until the bot has fetched this user's updates and made no call about them for `quiet` seconds."""
        emulator = self.emulator
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            unfetched = any(e.user_id == self.user_id and not e.delivered for e in emulator._pending)
            last = emulator._activity.get(self.user_id, -math.inf)
            if not unfetched and now - last >= quiet:
                return
            if now >= deadline:
                why = "its updates were never fetched" if unfetched else "the bot kept calling"
                raise AssertionError(f"user {self.user_id} never went idle within {timeout}s: {why}\n" + self._report())
            wait = 0.02 if unfetched else last + quiet - now
            await asyncio.sleep(max(0.005, min(wait, deadline - now)))

    def _report(self) -> str:
        """The last messages and failed calls for this user, for assertion messages."""
        lines = ["last bot messages:"]
        for index, message in list(enumerate(self.inbox))[-5:]:
            flags = f" edits={message.edits}" if message.edits else ""
            flags += " deleted" if message.deleted else ""
            document = f" document={message.document_name!r}" if message.document_name else ""
            document += f" photo={message.photo_size}" if message.photo_size else ""
            lines.append(
                f"  [{index}] #{message.message_id}{flags}{document} {message.text[:300]!r} buttons={message.buttons()}"
            )
        if len(lines) == 1:
            lines.append("  (none)")
        failed = [c for c in self.emulator.calls if c.chat_id == self.user_id and c.status not in (None, 200)]
        for call in failed[-5:]:
            description = (call.response or {}).get("description")
            lines.append(f"failed call: {call.method} -> {call.status} {description}")
        return "\n".join(lines)
