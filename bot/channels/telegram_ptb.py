"""The Telegram channel on python-telegram-bot 22: its Bot API client and its reading of updates
(bot.channels.telegram_library).

Only `telegram.Bot` and `telegram.Update.de_json` are used, not `telegram.ext`: its Application,
JobQueue, ConversationHandler and pickle persistence would hold in memory what our database holds
(the conversation, the jobs, the outbox), and lose it in a crash.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, Final

import httpx
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import NetworkError, TelegramError
from telegram.request import BaseRequest, HTTPXRequest

from bot.channels.telegram_library import ALLOWED_UPDATES, REQUEST_TIMEOUT, Kind, NotAnUpdate, Refusal
from handlers.core.events import Reply

NO_PREVIEW: Final = LinkPreviewOptions(is_disabled=True)
# Bot API requests open at once. Fewer than aiogram's 100: httpx's pool walks every connection and
# every waiting request to place each one, so its cost per request grows with the pool. At a steady
# 150 updates a second over HTTP (benchmarks soak, 18:05 to 18:15 on 2026-12-06, machine busy), 100
# left 11,434 replies unsent a minute after the last update, 16 left 3,337 and 8 none; eight calls of
# ~100 ms each still make 80 a second, well over the 30 a second Telegram lets a bot send.
CONNECTIONS: Final = 8
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def make_client(token: str, api_url: str, transport: BaseRequest | None = None) -> PtbClient:
    """A client of the Bot API at `api_url`; `transport` instead of HTTP: the benchmarks' stub."""
    # A long poll gets a connection of its own, so that it never waits for a free connection
    # behind replies being sent (nor they behind it). Both share one TLS context: each httpx client
    # would otherwise read the certificate authorities again, a tenth of a second of the start each.
    tls = {"verify": httpx.create_ssl_context()} if transport is None else {}
    requests = (
        Request(
            transport
            or HTTPXRequest(
                connection_pool_size=CONNECTIONS,
                read_timeout=REQUEST_TIMEOUT,
                write_timeout=REQUEST_TIMEOUT,
                connect_timeout=REQUEST_TIMEOUT,
                pool_timeout=REQUEST_TIMEOUT,
                media_write_timeout=REQUEST_TIMEOUT,
                httpx_kwargs=tls,
            ),
            CONNECTIONS,
        ),
        Request(
            transport
            or HTTPXRequest(
                connection_pool_size=1,
                connect_timeout=REQUEST_TIMEOUT,
                pool_timeout=REQUEST_TIMEOUT,
                httpx_kwargs=tls,
            ),
            1,
        ),
    )
    bot = Bot(
        token,
        base_url=f"{api_url}/bot",
        base_file_url=f"{api_url}/file/bot",
        request=requests[0],
        get_updates_request=requests[1],
    )
    return PtbClient(bot, requests)


def reply_markup(reply: Reply) -> Markup | None:
    if reply.buttons:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(button.label, callback_data=button.data) for button in row] for row in reply.buttons]
        )
    if reply.contact_button or reply.keyboard:
        rows = []
        if reply.contact_button:
            rows.append([KeyboardButton(reply.contact_button, request_contact=True)])
        rows += [[KeyboardButton(label)] for label in reply.keyboard]
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


class Answered(TelegramError):
    """A Bot API call Telegram answered without doing it, as Telegram said it.

    python-telegram-bot's own errors keep neither the HTTP status (a 502 and a refused connection
    are both its NetworkError, a 404 its InvalidToken) nor the description's first words ("Bad
    Request: " is cut off); the start-up line and the sender need both, as aiogram gives them.
    """

    def __init__(self, status: int, payload: bytes) -> None:
        try:
            answer = json.loads(payload)
            said = str(answer.get("description") or HTTPStatus(status).phrase)
            wait = (answer.get("parameters") or {}).get("retry_after")
        except (ValueError, AttributeError):
            said, wait = f"HTTP {status}", None
        super().__init__(said)
        self.message = said  # as Telegram said it, "Bad Request: " included
        self.refusal = refusal_of_status(status, said, wait)


def refusal_of_status(status: int, said: str, retry_after: object) -> Refusal:
    if status == HTTPStatus.TOO_MANY_REQUESTS and isinstance(retry_after, int | float):
        return Refusal("retry_after", said, retry_after=float(retry_after))
    kinds: dict[int, Kind] = {400: "rejected", 401: "unauthorized", 403: "blocked"}
    return Refusal(kinds.get(status, "unavailable" if status >= 500 else "other"), said)


class Request(BaseRequest):
    """An HTTP client for python-telegram-bot's Bot (its HTTPXRequest, or the benchmarks' stub)
    raising Answered for any answer but a success, with at most `at_once` requests under way.

    Why the limit: after a burst the sender starts hundreds of calls at once. Left to httpx's
    pool, those waiting for a connection failed after its pool timeout and the bot fell ever
    further behind (10,000 updates at once over HTTP: after 9 minutes, 10,172 of 16,000 replies
    still unsent; docs/benchmarks.md); waiting here for a free connection, as aiohttp's connector
    does for aiogram, they go out in turn.
    """

    def __init__(self, transport: BaseRequest, at_once: int) -> None:
        self.transport = transport
        self._under_way = asyncio.Semaphore(at_once)

    @property
    def read_timeout(self) -> float | None:
        return self.transport.read_timeout

    async def initialize(self) -> None:
        await self.transport.initialize()

    async def shutdown(self) -> None:
        await self.transport.shutdown()

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with self._under_way:
            status, payload = await self.transport.do_request(*args, **kwargs)
        if not HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES:
            raise Answered(status, payload)
        return status, payload


class PtbClient:
    """bot.channels.telegram_library.Client on a python-telegram-bot Bot."""

    def __init__(self, bot: Bot, requests: Sequence[BaseRequest]) -> None:
        self.bot = bot
        self._requests = requests

    def refusal(self, error: BaseException) -> Refusal | None:
        if isinstance(error, Answered):
            return error.refusal
        if isinstance(error, NetworkError):  # no connection, TimedOut
            return Refusal("unreachable", error.message)
        if isinstance(error, TelegramError):
            return Refusal("other", error.message)
        return None

    async def get_me(self) -> str | None:
        return (await self.bot.get_me()).username

    async def get_updates(self, offset: int | None, timeout: int) -> Sequence[Update]:
        return await self.bot.get_updates(
            offset=offset,
            timeout=timeout,
            allowed_updates=ALLOWED_UPDATES,
            read_timeout=REQUEST_TIMEOUT + timeout,
        )

    def parse(self, body: bytes) -> Update:
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                raise NotAnUpdate
            return Update.de_json(data, self.bot)
        # A body nested deeper than any update (a hundred thousand '[') is a RecursionError;
        # fields of the wrong shape fail in de_json as whatever they first meet.
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            raise NotAnUpdate from None

    async def send(self, chat_id: int, reply: Reply, edit_message_id: int | None) -> None:
        markup = reply_markup(reply)
        # A link in someone's typed words unfolds into no card; the bot's own links keep theirs.
        preview = NO_PREVIEW if reply.shows_others_words else None
        if reply.document is not None:
            document = InputFile(reply.document.content, filename=reply.document.filename)
            await self.bot.send_document(chat_id, document, caption=reply.document.caption or None)
        elif reply.photo is not None:
            photo = InputFile(reply.photo.content, filename="picture.png")
            await self.bot.send_photo(chat_id, photo, caption=reply.photo.caption or None)
        elif edit_message_id is not None:
            await self.bot.edit_message_text(
                reply.text,
                chat_id=chat_id,
                message_id=edit_message_id,
                reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
                link_preview_options=preview,
            )
        else:
            await self.bot.send_message(chat_id, reply.text, reply_markup=markup, link_preview_options=preview)

    async def answer_button(self, query_id: str, notice: str | None) -> None:
        await self.bot.answer_callback_query(query_id, text=notice)

    async def set_commands(self, commands: Sequence[tuple[str, str]], language_code: str | None) -> None:
        menu = [BotCommand(name, description) for name, description in commands]
        await self.bot.set_my_commands(menu, language_code=language_code)

    async def webhook_url(self) -> str:
        return (await self.bot.get_webhook_info()).url

    async def delete_webhook(self) -> None:
        await self.bot.delete_webhook(drop_pending_updates=False)

    async def set_webhook(self, url: str, secret: str, max_connections: int) -> None:
        await self.bot.set_webhook(
            url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, max_connections=max_connections
        )

    async def close(self) -> None:
        for request in self._requests:
            await request.shutdown()
