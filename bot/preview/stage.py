"""The preview's stage: one Frontdoor on a temporary SQLite file, a clock the script moves, and each
person's phone filled from the outbox as the sender would deliver it (bot.sender, tests' World).

Everything goes through the real pipeline (`Frontdoor.handle`) and job runner (`Frontdoor.run_jobs`):
the preview shows what the bot says, never a copy of it.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count
from pathlib import Path

from bot.app import Frontdoor
from bot.catalogs import Catalogs
from bot.channels import TELEGRAM
from bot.preview.recording import RecordingCatalogs, Used, plain, used_in
from handlers.core.events import Button, Event, EventKind, Reply, payload_to_reply
from handlers.core.model import Step
from handlers.core.program import Program
from storage.consents import numbered_consents
from storage.conversations import SqlConversations
from storage.database import open_engine, session_factory, upgrade


class Unscripted(Exception):
    """The bot did not show what the script expected: the rest of that part is left out, and said so."""


@dataclass
class Bubble:
    """A message on a phone: the bot's (`incoming`), or what the person typed or shared."""

    id: int
    text: str
    incoming: bool = True
    buttons: tuple[tuple[Button, ...], ...] = ()
    keyboard: tuple[str, ...] = ()
    contact_button: str | None = None
    document: str | None = None  # a file's name
    used: list[Used] = field(default_factory=list)
    button_used: dict[str, list[Used]] = field(default_factory=dict)  # by label
    pressed: set[str] = field(default_factory=set)  # labels of inline buttons the person pressed
    edited: bool = False

    def shows(self, label: str) -> bool:
        return any(plain(button.label) == plain(label) for row in self.buttons for button in row)

    def button(self, label: str) -> Button:
        for row in self.buttons:
            for button in row:
                if plain(button.label) == plain(label):
                    return button
        raise Unscripted(f"no button {label!r} on the message")


@dataclass
class Scene:
    title: str
    bubbles: list[Bubble] = field(default_factory=list)


@dataclass
class Phone:
    user_id: int
    language: str
    scenes: list[Scene] = field(default_factory=list)

    def bubbles(self) -> list[Bubble]:
        return [bubble for scene in self.scenes for bubble in scene.bubbles]

    def find(self, label: str) -> tuple[Bubble, Button | None]:
        """The newest bubble with an inline button, or a reply keyboard button, labelled `label`."""
        wanted = plain(label)
        for bubble in reversed(self.bubbles()):
            for row in bubble.buttons:
                for button in row:
                    if plain(button.label) == wanted:
                        return bubble, button
            if wanted in (plain(key) for key in bubble.keyboard):
                return bubble, None
        raise Unscripted(f"no button {label!r} on the phone")


class Stage:
    def __init__(self, app: Frontdoor, catalogs: RecordingCatalogs, now: datetime) -> None:
        self.app = app
        self.catalogs = catalogs
        self.labels = Catalogs(catalogs.locales)  # the script's own look-ups, kept out of the record
        self.now = now
        app.clock = lambda: self.now
        self.phones: dict[int, Phone] = {}
        self._updates = count(1)
        self._messages = count(1)
        self.scene("")

    def phone(self, user_id: int, language: str) -> Phone:
        if user_id not in self.phones:
            self.phones[user_id] = Phone(user_id, language, [Scene(self._title)])
        return self.phones[user_id]

    def scene(self, title: str) -> None:
        """A new part of the journey on every phone (a part with nothing on a phone is not drawn)."""
        self._title = title
        for phone in self.phones.values():
            phone.scenes.append(Scene(title))

    def text(self, phone: Phone, msgid: str, context: str | None = None) -> str:
        t = self.labels.translator(phone.language)
        return t.gettext(msgid) if context is None else t.pgettext(context, msgid)

    async def send(self, phone: Phone, text: str) -> None:
        kind, args = EventKind.TEXT, ""
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            kind, text = EventKind.COMMAND, command
        await self._event(
            phone, kind, text, args=args, shown=f"/{text} {args}".strip() if args or kind is EventKind.COMMAND else text
        )

    async def share_contact(self, phone: Phone, number: str) -> None:
        await self._event(phone, EventKind.CONTACT, number, shown=f"☎ {number}")

    async def tap(self, phone: Phone, label: str, *, on: Bubble | None = None) -> None:
        """Press the inline (or reply keyboard) button labelled `label` on the newest message showing it
        (or on the message `on`)."""
        bubble, button = phone.find(label) if on is None else (on, on.button(label))
        if button is None:  # a reply keyboard's button sends its label as a message
            await self.send(phone, label)
            return
        bubble.pressed.add(button.label)
        await self._event(phone, EventKind.CHOICE, button.data, message_id=bubble.id)

    async def tap_msgid(self, phone: Phone, msgid: str, context: str | None = None) -> None:
        await self.tap(phone, self.text(phone, msgid, context))

    async def press_data(self, phone: Phone, data: str) -> None:
        """Press the newest button carrying `data` (a language or a role: their data says which)."""
        for bubble in reversed(phone.bubbles()):
            for row in bubble.buttons:
                for button in row:
                    if button.data == data:
                        await self.tap(phone, button.label)
                        return
        raise Unscripted(f"no button {data!r} on the phone")

    async def run_jobs(self, at: datetime) -> None:
        """`frontdoor jobs run --now at`: the clock moves to `at`, and what is due runs."""
        self.now = at
        self.catalogs.used.clear()
        await self.app.run_jobs(TELEGRAM, at)
        await self.deliver()

    async def open_question(self, phone: Phone) -> tuple[Step, str | None]:
        async with self.app.sessions() as session:
            return await SqlConversations(session).standing(TELEGRAM, phone.user_id)

    async def _event(
        self,
        phone: Phone,
        kind: EventKind,
        text: str,
        *,
        args: str = "",
        message_id: int | None = None,
        shown: str = "",
    ) -> None:
        if kind is not EventKind.CHOICE:
            phone.scenes[-1].bubbles.append(Bubble(next(self._messages), shown, incoming=False))
        event = Event(
            next(self._updates),
            phone.user_id,
            phone.user_id,
            kind,
            text,
            args=args,
            language_code=phone.language,
            message_id=message_id,
        )
        self.catalogs.used.clear()
        await self.app.handle(TELEGRAM, event)
        await self.deliver()

    async def deliver(self) -> None:
        """Everything the outbox holds, onto the phones in order, as the sender would send it."""
        for chat_id, payload in await self.app.operations.take_all_waiting(TELEGRAM):
            reply, edit_of = payload_to_reply(payload)
            self._show(self.phones.get(chat_id) or self.phone(chat_id, "en"), reply, edit_of)

    def _show(self, phone: Phone, reply: Reply, edit_of: int | None) -> None:
        used = self.catalogs.used
        text = reply.document.caption if reply.document else reply.text
        labels = {button.label: used_in(button.label, used) for row in reply.buttons for button in row}
        labels |= {label: used_in(label, used) for label in (*reply.keyboard, reply.contact_button or "") if label}
        edited = next((bubble for bubble in phone.bubbles() if bubble.id == edit_of), None)
        if edited is not None:  # the phone rewrites the message in place
            edited.text, edited.buttons, edited.edited = text, reply.buttons, True
            edited.used = list({entry.id: entry for entry in (*edited.used, *used_in(text, used))}.values())
            edited.button_used |= labels
            return
        phone.scenes[-1].bubbles.append(
            Bubble(
                next(self._messages),
                text,
                buttons=reply.buttons,
                keyboard=reply.keyboard,
                contact_button=reply.contact_button,
                document=reply.document.filename if reply.document else None,
                used=used_in(text, used),
                button_used=labels,
            )
        )


@asynccontextmanager
async def stage(program: Program, locales: Path, now: datetime, coordinators: frozenset[int]) -> AsyncIterator[Stage]:
    """A stage on a fresh database in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="frontdoor-preview-") as folder:
        engine = open_engine(f"sqlite+aiosqlite:///{folder}/preview.db")
        await upgrade(engine)
        numbered = await numbered_consents(session_factory(engine), program, now)
        catalogs = RecordingCatalogs(locales)
        app = Frontdoor(numbered, engine, catalogs=catalogs, clock=lambda: now, coordinators=coordinators)
        try:
            yield Stage(app, catalogs, now)
        finally:
            await app.close()
