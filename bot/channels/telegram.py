"""The Telegram channel (aiogram 3): updates in as Events, Replies out as Bot API calls."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot.delivery import Deliver, Delivery
from handlers.events import Event, EventKind, Reply, payload_to_reply

log = logging.getLogger(__name__)

CHANNEL: Final = "telegram"
REQUEST_TIMEOUT: Final = 20  # seconds; long polls add their own timeout on top
Handle = Callable[[Event], Awaitable[str | None]]  # returns the toast for a pressed button


def make_bot(token: str, api_url: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url), timeout=REQUEST_TIMEOUT)
    return Bot(token, session=session)


def message_event(update_id: int, message: Message) -> Event:
    user = message.from_user
    user_id = user.id if user else message.chat.id
    language_code = user.language_code if user else None
    base: dict[str, Any] = {
        "update_id": update_id,
        "user_id": user_id,
        "chat_id": message.chat.id,
        "language_code": language_code,
    }
    if message.contact is not None:
        return Event(kind=EventKind.CONTACT, text=message.contact.phone_number, **base)
    text = message.text
    if text is None:
        return Event(kind=EventKind.OTHER, **base)
    if text.startswith("/") and len(text) > 1:
        command, _, args = text[1:].partition(" ")
        return Event(kind=EventKind.COMMAND, text=command.split("@")[0].lower(), args=args.strip(), **base)
    return Event(kind=EventKind.TEXT, text=text, **base)


def callback_event(update_id: int, query: CallbackQuery) -> Event:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    return Event(
        update_id=update_id,
        user_id=query.from_user.id,
        chat_id=chat_id,
        kind=EventKind.CHOICE,
        text=query.data or "",
        language_code=query.from_user.language_code,
        message_id=query.message.message_id if query.message else None,
    )


def build_dispatcher(handle: Handle) -> Dispatcher:
    """A dispatcher whose only job is to turn updates into Events for `handle`."""
    router = Router(name="frontdoor")

    @router.message()
    async def on_message(message: Message, event_update: Update) -> None:
        if message.chat.type == "private":
            await handle(message_event(event_update.update_id, message))

    @router.callback_query(F.data)
    async def on_button(query: CallbackQuery, event_update: Update) -> None:
        notice = await handle(callback_event(event_update.update_id, query))
        try:
            await query.answer(notice or None)
        except TelegramBadRequest:
            pass  # answered too late (after a restart): the press itself was handled

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


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


def make_deliver(bot: Bot) -> Deliver:
    """The sender's delivery function: one outbox payload, one Bot API call."""

    async def deliver(chat_id: int, payload: dict[str, Any]) -> Delivery:
        reply, edit_message_id = payload_to_reply(payload)
        markup = reply_markup(reply)
        try:
            if reply.document is not None:
                await bot.send_document(
                    chat_id,
                    BufferedInputFile(reply.document.content, filename=reply.document.filename),
                    caption=reply.document.caption or None,
                )
            elif edit_message_id is not None:
                inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
                try:
                    await bot.edit_message_text(
                        text=reply.text, chat_id=chat_id, message_id=edit_message_id, reply_markup=inline
                    )
                except TelegramBadRequest as error:
                    if "not modified" not in error.message:
                        raise
            else:
                await bot.send_message(chat_id, reply.text, reply_markup=markup)
        except TelegramRetryAfter as error:
            return Delivery("retry", detail="429", retry_after=float(error.retry_after))
        except TelegramForbiddenError as error:
            return Delivery("blocked", detail=error.message)
        except TelegramBadRequest as error:
            return Delivery("rejected", detail=error.message)
        except (TelegramServerError, TelegramNetworkError, TimeoutError, OSError) as error:
            return Delivery("retry", detail=type(error).__name__)
        return Delivery("sent")

    return deliver


async def publish_commands(
    bot: Bot, commands: dict[str, str], languages: tuple[str, ...], translate: Callable[[str], Callable[[str], str]]
) -> None:
    """The command menu, once per language and once as the default (the program's first language)."""
    for language in (None, *languages):
        gettext = translate(language or languages[0])
        menu = [BotCommand(command=name, description=gettext(description)) for name, description in commands.items()]
        await bot.set_my_commands(menu, language_code=language)
