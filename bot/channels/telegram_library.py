"""The seam between Frontdoor and a Telegram library: aiogram, or python-telegram-bot ("ptb").

Only this much of a library is used: a Bot API client (a `Client`) and its reading of updates. The
rest (polling, the webhook, the outbox sender, the job runner, the database) is ours, so a second
library is one module (bot.channels.telegram_aiogram, bot.channels.telegram_ptb), loaded by name:
a process imports the library it runs on and never the other (aiogram alone takes seconds).

What a library says when a call fails is made ours here once (`Refusal`), so both libraries' 429,
403, 400 and 5xx reach the sender as the same `Delivery`, and a refusal at start the same line.
"""

from __future__ import annotations

import importlib
import logging
import shlex
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, Protocol, TypeVar, cast

from bot.delivery import Deliver, Delivery
from handlers.core.events import Event, EventKind, Reply, payload_to_reply

log = logging.getLogger(__name__)

DEFAULT: Final = "aiogram"
MODULES: Final = {"aiogram": "bot.channels.telegram_aiogram", "ptb": "bot.channels.telegram_ptb"}
DISTRIBUTIONS: Final = {"aiogram": "aiogram", "ptb": "python-telegram-bot"}
REQUEST_TIMEOUT: Final = 20  # seconds; long polls add their own timeout on top
ALLOWED_UPDATES: Final = ["message", "callback_query"]
Read = tuple[Event, str | None]  # an update as stored: (event, the pressed button's query id)
T = TypeVar("T")

# What went wrong with a Bot API call, in our words: "retry_after" (429 with its wait), "blocked"
# (403: the person blocked the bot), "rejected" (400: Telegram will never take it), "unauthorized"
# (401: the token), "unavailable" (5xx: Telegram answered, but could not do it now), "unreachable"
# (no connection, a timeout), "other" (404, 409...: nothing to do but log it and try later).
Kind = Literal["retry_after", "blocked", "rejected", "unauthorized", "unavailable", "unreachable", "other"]


@dataclass(frozen=True)
class Refusal:
    kind: Kind
    said: str  # what Telegram (or the network) said, as it said it
    retry_after: float | None = None


class Refused(Exception):
    """A Bot API call made while starting, or a long poll, that failed: the method and why."""

    def __init__(self, method: str, refusal: Refusal) -> None:
        super().__init__(f"{method}: {refusal.said}")
        self.method = method
        self.refusal = refusal

    def line(self) -> str:
        """One line for the person starting the bot: the method and what Telegram said."""
        said = " ".join(self.refusal.said.split())
        if self.refusal.kind == "unreachable":
            return f"Telegram could not be reached at start ({self.method}): {said}"
        return f"Telegram refused {self.method} at start: {said}"


class NotAnUpdate(ValueError):
    """A webhook body that is no Telegram update."""


class Client(Protocol):
    """A library's Bot API client and reader; each method raises the library's own errors, which
    `refusal` then names (so the policy for each stays here, once, for both libraries)."""

    def refusal(self, error: BaseException) -> Refusal | None:
        """What a library error means; None: not one of the library's Bot API errors."""

    async def get_me(self) -> str | None:
        """The bot's username."""

    async def get_updates(self, offset: int | None, timeout: int) -> Sequence[Any]:
        """A long poll's updates, as the library holds them (read by `sender_of` and `read_update`)."""

    def parse(self, body: bytes) -> Any:
        """A webhook request's JSON body as an update; raises NotAnUpdate."""

    async def send(self, chat_id: int, reply: Reply, edit_message_id: int | None) -> None:
        """One outbox message: a document, an edit of `edit_message_id`, or a new message."""

    async def answer_button(self, query_id: str, notice: str | None) -> None: ...

    async def set_commands(self, commands: Sequence[tuple[str, str]], language_code: str | None) -> None: ...

    async def webhook_url(self) -> str:
        """The webhook set now (getWebhookInfo); empty: none."""

    async def delete_webhook(self) -> None:
        """Remove the webhook, keeping its pending updates."""

    async def set_webhook(self, url: str, secret: str, max_connections: int) -> None: ...

    async def close(self) -> None: ...


class Library(Protocol):
    """What a library's module offers (bot.channels.telegram_aiogram, bot.channels.telegram_ptb)."""

    def make_client(self, token: str, api_url: str) -> Client: ...


class LibraryMissing(ImportError):
    """The library chosen is not installed (python-telegram-bot is an optional extra)."""


def load(name: str) -> Library:
    """The chosen library's module, imported now: only it, never the other."""
    try:
        return cast(Library, importlib.import_module(MODULES[name]))
    except ModuleNotFoundError as error:
        if error.name not in ("telegram", "aiogram"):
            raise
        raise LibraryMissing(f"{DISTRIBUTIONS[name]} is not installed here: {install_command(name)}") from None


def install_command(extra: str) -> str:
    """How to install an optional extra into the environment running now, from this project's folder.
    Never `pip install 'frontdoor[…]'`: on PyPI that name is someone else's package."""
    project = Path(__file__).resolve().parents[2]
    if not (project / "pyproject.toml").is_file():  # installed without its source: the README's words
        return f"in the project's folder, .venv/bin/pip install -e '.[{extra}]'"
    return f"{shlex.quote(sys.executable)} -m pip install -e {shlex.quote(f'{project}[{extra}]')}"


def sender_of(update: Any) -> int | None:
    """Who sent an update, known before it is read (a flood is weighed first); None: nobody we serve.

    This and `read_update` read either library's Update: both name its fields as the Bot API does.
    Only what `read_update` takes is weighed: a person's messages in a group the bot is in are not
    ours, and counted they would spend the allowance (and its one "slow down" note) of their own
    chat with the bot.
    """
    if update.message is not None and update.message.chat.type == "private":
        return int(update.message.from_user.id if update.message.from_user else update.message.chat.id)
    if update.callback_query is not None and update.callback_query.data:
        return int(update.callback_query.from_user.id)
    return None


def read_update(update: Any) -> Read | None:
    """The update as an Event (a private chat's message, or a pressed button); None: not ours."""
    if update.message is not None and update.message.chat.type == "private":
        return message_event(update.update_id, update.message), None
    query = update.callback_query
    if query is not None and query.data:
        return choice_event(update.update_id, query), str(query.id)
    return None


def message_event(update_id: int, message: Any) -> Event:
    """A shared contact, a command, text, or anything else (a photo, a sticker...)."""
    user = message.from_user
    base: dict[str, Any] = {
        "update_id": update_id,
        "user_id": user.id if user else message.chat.id,
        "chat_id": message.chat.id,
        "language_code": user.language_code if user else None,
    }
    if message.contact is not None:
        return Event(kind=EventKind.CONTACT, text=message.contact.phone_number, **base)
    text = message.text
    if text is None:
        return Event(kind=EventKind.OTHER, **base)
    if text.startswith("/") and len(text) > 1:
        command, args = command_and_args(text)
        return Event(kind=EventKind.COMMAND, text=command.split("@")[0].lower(), args=args, **base)
    return Event(kind=EventKind.TEXT, text=text, replying_to=_replying_to(message), **base)


def command_and_args(text: str) -> tuple[str, str]:
    """A typed "/command words" as (command, words): the command ends at the first space or line
    break, as Telegram's own bot_command entity does ("/contact" + Enter + a message is /contact)."""
    body = text[1:]
    end = next((at for at, character in enumerate(body) if character.isspace()), len(body))
    return body[:end], body[end:].strip()


def _replying_to(message: Any) -> str | None:
    """The text of the bot's own message this one replies to (Telegram's reply_to_message), if any."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or not replied.from_user.is_bot:
        return None
    text: str | None = replied.text or replied.caption
    return text


def choice_event(update_id: int, query: Any) -> Event:
    """A pressed inline button: its data, and the message it is on (for edits in place)."""
    return Event(
        update_id=update_id,
        user_id=query.from_user.id,
        chat_id=query.message.chat.id if query.message else query.from_user.id,
        kind=EventKind.CHOICE,
        text=query.data or "",
        language_code=query.from_user.language_code,
        message_id=query.message.message_id if query.message else None,
    )


def token_is_valid(token: str) -> bool:
    """A bot token as @BotFather gives it: the bot's id, a colon, a secret; no spaces."""
    bot_id, colon, secret = token.partition(":")
    return bool(colon and bot_id.isdigit() and secret) and not any(character.isspace() for character in token)


def refusal_of(client: Client, error: BaseException) -> Refusal | None:
    refusal = client.refusal(error)
    if refusal is None and isinstance(error, TimeoutError | OSError):
        return Refusal("unreachable", str(error) or type(error).__name__)
    return refusal


async def calling(client: Client, method: str, call: Awaitable[T]) -> T:
    """A call made while starting (or a long poll): a library's error becomes Refused."""
    try:
        return await call
    except Exception as error:
        refusal = refusal_of(client, error)
        if refusal is None:
            raise
        raise Refused(method, refusal) from error


def delivery_of(refusal: Refusal) -> Delivery:
    """What the sender does about a message Telegram did not take."""
    if refusal.kind == "retry_after":
        return Delivery("retry", detail="429", retry_after=refusal.retry_after)
    if refusal.kind == "blocked":
        return Delivery("blocked", detail=refusal.said)
    if refusal.kind == "rejected":
        # Editing a message to what it already says: Telegram refuses, but the person sees it.
        return Delivery("sent") if "not modified" in refusal.said.lower() else Delivery("rejected", detail=refusal.said)
    return Delivery("retry", detail=refusal.said)


def make_deliver(client: Client) -> Deliver:
    """The sender's delivery function: one outbox payload, one Bot API call."""

    async def deliver(chat_id: int, payload: dict[str, Any]) -> Delivery:
        reply, edit_message_id = payload_to_reply(payload)
        try:
            await client.send(chat_id, reply, edit_message_id)
        except Exception as error:
            refusal = refusal_of(client, error)
            if refusal is None:
                raise
            return delivery_of(refusal)
        return Delivery("sent")

    return deliver


def make_answer_button(client: Client) -> Callable[[str, str | None], Coroutine[Any, Any, None]]:
    """Answer a pressed button's query once its update is handled: the toast, or just stop the spinner."""

    async def answer(query_id: str, notice: str | None) -> None:
        try:
            await client.answer_button(query_id, notice or None)
        except Exception as error:
            if refusal_of(client, error) is None:
                raise
            # Too late (after a restart) or Telegram away: the press itself was handled.
            log.info("button query not answered: %s", type(error).__name__)

    return answer


async def leave_webhook(client: Client) -> None:
    """Long polling and a webhook exclude each other: polling takes over from a webhook left set."""
    if await calling(client, "getWebhookInfo", client.webhook_url()):
        log.warning("a webhook was set; removing it for long polling (its pending updates stay queued)")
        await calling(client, "deleteWebhook", client.delete_webhook())


class Receiver(Protocol):
    """Where updates are stored (bot.incoming.Incoming), as the channel sees it."""

    def weigh(self, update_id: int, user_id: int) -> bool: ...

    async def receive(self, event: Event, answer_id: str | None = None) -> None: ...


async def take(receiver: Receiver, update: Any) -> None:
    """One update stored, unless it is a flood's (weighed before it is read, which costs more) or not ours."""
    sender = sender_of(update)
    if sender is not None and not receiver.weigh(update.update_id, sender):
        return
    read = read_update(update)
    if read is not None:
        await receiver.receive(*read)
