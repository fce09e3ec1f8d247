"""The Telegram channel on aiogram 3: its Bot API client and its reading of updates (bot.channels.telegram_library).

aiogram's Dispatcher, routers and FSM are not used: an update is read straight into an Event, since
the conversation's state and routing are ours (storage, handlers.front_desk), and its Dispatcher
would only cost time per update.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageText,
    GetMe,
    GetUpdates,
    GetWebhookInfo,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetMyCommands,
    SetWebhook,
    TelegramMethod,
)
from aiogram.methods.base import Response
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from pydantic import ValidationError

from bot.channels.telegram_library import ALLOWED_UPDATES, REQUEST_TIMEOUT, NotAnUpdate, Refusal
from handlers.core.events import Reply

NO_PREVIEW: Final = LinkPreviewOptions(is_disabled=True)
METHODS_USED: Final[tuple[type[TelegramMethod[Any]], ...]] = (
    GetUpdates,
    SendMessage,
    EditMessageText,
    SendDocument,
    SendPhoto,
    AnswerCallbackQuery,
    GetMe,
    SetMyCommands,
    GetWebhookInfo,
    DeleteWebhook,
    SetWebhook,
)
# aiogram reads every Bot API answer with `Response[<what the method returns>]`, a generic pydantic
# class that pydantic keeps only in a weak cache: once the garbage collector frees it, the next
# answer builds it again, milliseconds of schema building per reply sent (docs/benchmarks.md, "Why
# the code is as it is"). Holding them keeps them built.
RESPONSE_TYPES: Final = tuple(Response[method.__returning__] for method in METHODS_USED)  # type: ignore[name-defined]


def make_bot(token: str, api_url: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url), timeout=REQUEST_TIMEOUT)
    return Bot(token, session=session)


def make_client(token: str, api_url: str) -> AiogramClient:
    return AiogramClient(make_bot(token, api_url))


def reply_markup(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if reply.buttons:
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text=button.label, callback_data=button.data) for button in row]
                for row in reply.buttons
            ]
        )
    if reply.contact_button or reply.keyboard:
        rows = []
        if reply.contact_button:
            rows.append([KeyboardButton(text=reply.contact_button, request_contact=True)])
        rows += [[KeyboardButton(text=label)] for label in reply.keyboard]
        return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, one_time_keyboard=True)
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


class AiogramClient:
    """bot.channels.telegram_library.Client on an aiogram Bot."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def refusal(self, error: BaseException) -> Refusal | None:
        if not isinstance(error, TelegramAPIError):
            return None
        if isinstance(error, TelegramRetryAfter):
            return Refusal("retry_after", error.message, retry_after=float(error.retry_after))
        if isinstance(error, TelegramForbiddenError):
            return Refusal("blocked", error.message)
        if isinstance(error, TelegramBadRequest):
            return Refusal("rejected", error.message)
        if isinstance(error, TelegramUnauthorizedError):
            return Refusal("unauthorized", error.message)
        if isinstance(error, TelegramServerError):
            return Refusal("unavailable", error.message)
        if isinstance(error, TelegramNetworkError):
            return Refusal("unreachable", error.message)
        return Refusal("other", error.message)

    async def get_me(self) -> str | None:
        return (await self.bot.get_me()).username

    async def get_updates(self, offset: int | None, timeout: int) -> Sequence[Update]:
        asked = GetUpdates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
        return await self.bot(asked, request_timeout=REQUEST_TIMEOUT + timeout)

    def parse(self, body: bytes) -> Update:
        try:
            # pydantic's own JSON parser: it refuses nesting deeper than an update's (a hundred
            # thousand '[') with a ValidationError, where json.loads raised RecursionError.
            return Update.model_validate_json(body, context={"bot": self.bot})
        except ValidationError:
            raise NotAnUpdate from None

    async def send(self, chat_id: int, reply: Reply, edit_message_id: int | None) -> None:
        markup = reply_markup(reply)
        # A link in someone's typed words unfolds into no card; the bot's own links keep theirs.
        preview = NO_PREVIEW if reply.shows_others_words else None
        if reply.document is not None:
            document = BufferedInputFile(reply.document.content, filename=reply.document.filename)
            await self.bot.send_document(chat_id, document, caption=reply.document.caption or None)
        elif reply.photo is not None:
            photo = BufferedInputFile(reply.photo.content, filename="picture.png")
            await self.bot.send_photo(chat_id, photo, caption=reply.photo.caption or None)
        elif edit_message_id is not None:
            await self.bot.edit_message_text(
                text=reply.text,
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
        menu = [BotCommand(command=name, description=description) for name, description in commands]
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
        await self.bot.session.close()
