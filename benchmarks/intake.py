"""A newcomer's whole intake as Telegram updates: found by rehearsing it with the program, then sent by many.

`rehearse` walks the connectee form once per language through `Frontdoor.handle` on a scratch
database, answering each question by its kind as a person would (typing, tapping options, sharing
the phone number), and records each step with how many messages the bot answered it with. The
benchmarks then turn the steps into Bot API updates for any number of people (or, rehearsed on
WhatsApp, into the Cloud API's webhook POSTs: benchmarks.whatsapp_door).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from benchmarks.common import sqlite_url
from bot.app import build
from bot.config import Settings
from handlers.core.events import Event, EventKind
from handlers.core.model import Step as ConversationStep
from handlers.core.program import Kind
from storage.unit_of_work import UnitOfWork

CHANNEL: Final = "telegram"
# How a person opens the conversation on each door: /start on Telegram; on WhatsApp they write
# first, as the e2e tests' newcomer does (tests/e2e/test_intake_on_whatsapp.py).
OPENING: Final = {"telegram": (EventKind.COMMAND, "start"), "whatsapp": (EventKind.TEXT, "Hello")}
TYPED: Final = {
    "name": "Amal Haddad",
    "occupation": "Software developer",
    "arrival_year": "2021",
    "email": "amal@example.com",
    "profile_link": "linkedin.com/in/amal-haddad",
}
PHONE: Final = "+15195550123"
TICKED: Final = 2  # options ticked on a several-choice question (languages, goals); availability: 3
TICKED_TIMES: Final = 3


@dataclass(frozen=True)
class Step:
    """One thing the person does: a command, a typed text, a pressed button (callback data) or a shared contact.

    `message_id` is the bot's message whose button is pressed; `replies` how many messages the bot
    sends or edits in answer (its toast for a button comes on top, as answerCallbackQuery).
    """

    kind: EventKind
    text: str
    message_id: int | None
    replies: int


async def rehearse(folder: Path, languages: list[str], channel: str = CHANNEL) -> dict[str, list[Step]]:
    """Each language's intake on `channel`, from the first message to Submit, as the steps a person
    takes (its replies fitted to the channel: on WhatsApp no edit, a long text in several)."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(database_url=sqlite_url(folder / f"rehearsal-{channel}.db"))
    app = await build(settings)
    try:
        return {
            language: await _one(app, language, user_id, channel) for user_id, language in enumerate(languages, start=1)
        }
    finally:
        await app.close()


async def _one(app: Any, language: str, user_id: int, channel: str) -> list[Step]:
    steps: list[Step] = []
    buttons: dict[str, int] = {}  # callback data -> the newest message showing it
    sent = 0  # messages in this chat so far: the next one's id is sent + 1

    async def do(kind: EventKind, text: str) -> None:
        nonlocal sent
        message_id = buttons.get(text) if kind is EventKind.CHOICE else None
        if kind is EventKind.CHOICE and message_id is None:
            raise LookupError(f"rehearsal: no button {text!r} shown in {language}")
        event = Event(
            update_id=len(steps) + 1 + user_id * 1000,
            user_id=user_id,
            chat_id=user_id,
            kind=kind,
            text=text,
            language_code=language.lower() if channel == CHANNEL else None,  # WhatsApp tells none
            message_id=message_id,
        )
        handled = await app.handle(channel, event)
        for reply in handled.replies:
            shown = message_id if reply.edit and message_id is not None else sent + 1
            if shown == sent + 1:
                sent += 1
            for row in reply.buttons:
                for button in row:
                    buttons[button.data] = shown
        steps.append(Step(kind, text, message_id, len(handled.replies)))

    await do(*OPENING[channel])
    await do(EventKind.CHOICE, f"lang:{language}")
    await do(EventKind.CHOICE, "role:connectee")
    await do(EventKind.CHOICE, "consent:yes")
    form = app.program.forms["connectee"]
    while True:
        async with UnitOfWork(app.sessions) as uow:
            conversation = await uow.conversations.lock(channel, user_id, user_id, datetime.now(UTC))
        if conversation.step is not ConversationStep.QUESTION:
            break
        question = form.question(conversation.question or "")
        if question.kind is Kind.PHONE:
            await do(EventKind.CONTACT, PHONE)
        elif question.kind in (Kind.TEXT, Kind.YEAR, Kind.EMAIL, Kind.LINK):
            await do(EventKind.TEXT, TYPED.get(question.key, "Ten years in accounting"))
        elif question.kind is Kind.NUMBER:
            await do(EventKind.CHOICE, f"a:{question.key}:{question.minimum}")
        elif question.kind is Kind.CHOICE:
            await do(EventKind.CHOICE, f"a:{question.key}:{question.options[-1].value}")
        else:
            ticked = TICKED_TIMES if question.kind is Kind.AVAILABILITY else TICKED
            for option in question.options[:ticked]:
                await do(EventKind.CHOICE, f"t:{question.key}:{option.value}:1")
            await do(EventKind.CHOICE, f"d:{question.key}")
    if conversation.step is not ConversationStep.REVIEW:
        raise RuntimeError(f"rehearsal in {language} ended at {conversation.step}, not at the review")
    await do(EventKind.CHOICE, "submit")
    return steps


def person(user_id: int, language: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"Person {user_id}", "language_code": language.lower()}


def update(update_id: int, user_id: int, language: str, step: Step) -> dict[str, Any]:
    """The Bot API update a Telegram app would send for this step (JSON, as getUpdates returns it)."""
    sender = person(user_id, language)
    chat = {"id": user_id, "type": "private", "first_name": sender["first_name"]}
    now = int(time.time())
    if step.kind is EventKind.CHOICE:
        shown = {"message_id": step.message_id or 1, "date": now, "chat": chat, "text": "…"}
        query = {
            "id": f"{user_id}-{update_id}",
            "from": sender,
            "chat_instance": str(user_id),
            "data": step.text,
            "message": shown,
        }
        return {"update_id": update_id, "callback_query": query}
    message: dict[str, Any] = {"message_id": 10_000 + update_id, "date": now, "chat": chat, "from": sender}
    if step.kind is EventKind.CONTACT:
        message["contact"] = {"phone_number": step.text, "first_name": sender["first_name"], "user_id": user_id}
    elif step.kind is EventKind.COMMAND:
        message["text"] = f"/{step.text}"
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(step.text) + 1}]
    else:
        message["text"] = step.text
    return {"update_id": update_id, "message": message}


@dataclass(frozen=True)
class Offered:
    """An update to offer, and what the bot owes for it: messages, and a button's answer."""

    user_id: int
    update: dict[str, Any]
    replies: int
    button: bool


def in_turn(
    scripts: dict[str, list[Step]], users: int, steps: int | None, first_user: int
) -> Iterator[tuple[int, str, Step]]:
    """(person, their language, step) for `users` people numbered from `first_user`, each in one of the languages in
    turn, taking their first `steps` steps (None: all), interleaved as a crowd sends them: everyone's
    first step, then everyone's second, and so on."""
    languages = list(scripts)
    people = [(first_user + index, languages[index % len(languages)]) for index in range(users)]
    longest = max(len(script) for script in scripts.values())
    for index in range(longest if steps is None else min(steps, longest)):
        for user_id, language in people:
            if index < len(scripts[language]):
                yield user_id, language, scripts[language][index]


def crowd(
    scripts: dict[str, list[Step]], users: int, steps: int | None = None, first_user: int = 10_001
) -> list[Offered]:
    """`users` people on Telegram taking their first `steps` steps (None: all), as `in_turn` orders them."""
    offered: list[Offered] = []
    for user_id, language, step in in_turn(scripts, users, steps, first_user):
        payload = update(len(offered) + 1, user_id, language, step)
        offered.append(Offered(user_id, payload, step.replies, step.kind is EventKind.CHOICE))
    return offered
