"""The Telegram channel (aiogram 3): updates in as Events, Replies out as Bot API calls.

What Telegram carries (deep links, limits, buttons side by side) the flows read from their context,
as bot.channels.telegram_capabilities declares it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Final

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
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
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot.channels import TELEGRAM
from bot.delivery import Deliver, Delivery
from handlers.core.events import Event, EventKind, Reply, payload_to_reply

log = logging.getLogger(__name__)

CHANNEL: Final = TELEGRAM
REQUEST_TIMEOUT: Final = 20  # seconds; long polls add their own timeout on top
Receive = Callable[[Event, str | None], Awaitable[None]]  # stores an update: (event, pressed button's query id)
ALLOWED_UPDATES: Final = ["message", "callback_query"]
NO_PREVIEW: Final = LinkPreviewOptions(is_disabled=True)
MENU_LANGUAGE_CODE: Final = re.compile(r"[a-z]{2}")  # setMyCommands takes this language_code, or none
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
    return Event(kind=EventKind.TEXT, text=text, replying_to=_replying_to(message), **base)


def _replying_to(message: Message) -> str | None:
    """The text of the bot's own message this one replies to (Telegram's reply_to_message), if any."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or not replied.from_user.is_bot:
        return None
    return replied.text or replied.caption


def sender_of(update: Update) -> int | None:
    """Who sent an update, read before aiogram routes it (bot.polling weighs a flood first); None: nobody we serve."""
    if update.message is not None:
        return update.message.from_user.id if update.message.from_user else update.message.chat.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    return None


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


def build_dispatcher(receive: Receive) -> Dispatcher:
    """A dispatcher whose only job is to turn updates into Events and store them with `receive`.

    Polling confirms an update (the next offset) and the webhook answers 200 only after its
    handler returned, so an update is stored before Telegram forgets it.
    """
    router = Router(name="frontdoor")

    @router.message()
    async def on_message(message: Message, event_update: Update) -> None:
        if message.chat.type == "private":
            await receive(message_event(event_update.update_id, message), None)

    @router.callback_query(F.data)
    async def on_button(query: CallbackQuery, event_update: Update) -> None:
        await receive(callback_event(event_update.update_id, query), query.id)

    # The conversation's state is ours (storage), not aiogram's: its FSM would only cost time, and
    # keep a record in memory for every person who ever wrote.
    dispatcher = Dispatcher(disable_fsm=True)
    dispatcher.include_router(router)
    return dispatcher


def make_answer_button(bot: Bot) -> Callable[[str, str | None], Coroutine[Any, Any, None]]:
    """Answer a pressed button's query once its update is handled: the toast, or just stop the spinner."""

    async def answer(query_id: str, notice: str | None) -> None:
        try:
            await bot.answer_callback_query(query_id, text=notice or None)
        except (TelegramAPIError, TimeoutError, OSError) as error:
            # Too late (after a restart) or Telegram away: the press itself was handled.
            log.info("button query not answered: %s", type(error).__name__)

    return answer


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
        # A link in someone's typed words unfolds into no card; the bot's own links keep theirs.
        preview = NO_PREVIEW if reply.shows_others_words else None
        try:
            if reply.document is not None:
                await bot.send_document(
                    chat_id,
                    BufferedInputFile(reply.document.content, filename=reply.document.filename),
                    caption=reply.document.caption or None,
                )
            elif reply.photo is not None:
                await bot.send_photo(
                    chat_id,
                    BufferedInputFile(reply.photo.content, filename="picture.png"),
                    caption=reply.photo.caption or None,
                )
            elif edit_message_id is not None:
                inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
                try:
                    await bot.edit_message_text(
                        text=reply.text,
                        chat_id=chat_id,
                        message_id=edit_message_id,
                        reply_markup=inline,
                        link_preview_options=preview,
                    )
                except TelegramBadRequest as error:
                    if "not modified" not in error.message:
                        raise
            else:
                await bot.send_message(chat_id, reply.text, reply_markup=markup, link_preview_options=preview)
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


async def leave_webhook(bot: Bot) -> None:
    """Long polling and a webhook exclude each other: polling takes over from a webhook left set."""
    info = await bot.get_webhook_info()
    if info.url:
        log.warning("a webhook was set; removing it for long polling (its pending updates stay queued)")
        await bot.delete_webhook(drop_pending_updates=False)


@dataclass(frozen=True)
class MenuLanguages:
    """Which program language's menu Telegram gets under which of its language codes."""

    published: dict[str, str]  # Telegram's code ("zh") -> the program language shown under it ("zh-Hans")
    skipped: dict[str, str]  # a program language -> why it has no menu of its own


def menu_languages(languages: Sequence[str]) -> MenuLanguages:
    """The command menu's language codes: setMyCommands takes only two lowercase letters (or none).

    A program language is published under its language subtag ("zh-Hans" under "zh", "pt-BR"
    under "pt"); when two share one, the first listed wins, and one without a two-letter code
    ("fil") has no menu of its own: its people see the default menu (the program's first language).
    """
    published: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for language in languages:
        code = re.split(r"[-_]", language, maxsplit=1)[0].lower()
        if not MENU_LANGUAGE_CODE.fullmatch(code):
            skipped[language] = f"{code!r} is not a two-letter code"
        elif code in published:
            skipped[language] = f"{code!r} already shows {published[code]}"
        else:
            published[code] = language
    return MenuLanguages(published, skipped)


async def publish_commands(
    bot: Bot, commands: dict[str, str], languages: tuple[str, ...], translate: Callable[[str], Callable[[str], str]]
) -> None:
    """The command menu, once per language and once as the default (the program's first language)."""
    menus = menu_languages(languages)
    for language, why in menus.skipped.items():
        log.warning("command menu in %s not published: %s", language, why)
    menus_to_publish: list[tuple[str | None, str]] = [(None, languages[0]), *menus.published.items()]
    for code, language in menus_to_publish:
        gettext = translate(language)
        menu = [BotCommand(command=name, description=gettext(description)) for name, description in commands.items()]
        await bot.set_my_commands(menu, language_code=code)
    log.info(
        "command menu published under %s",
        ", ".join(f"{code} ({language})" for code, language in menus.published.items()),
    )


def start_failure(error: TelegramAPIError) -> str:
    """One line for a Bot API call that failed while starting: the method and what Telegram said."""
    method = error.method.__api_method__
    said = " ".join(error.message.split())
    if isinstance(error, TelegramNetworkError):
        return f"Telegram could not be reached at start ({method}): {said}"
    return f"Telegram refused {method} at start: {said}"
