"""Several people talking to one Frontdoor on a real database, with a clock the test moves.

Each Phone shows its chat as the person sees it; messages the app writes for someone else (a
proposal, a coordinator's notice, a reminder) are delivered from the outbox as the sender would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import count
from typing import Any

from sqlalchemy import func, select

from bot.app import Frontdoor, Received
from handlers.core.events import Event, EventKind, Reply, payload_to_reply
from handlers.core.model import Role, Step
from handlers.core.program import Kind, Program, load_program
from handlers.core.translator import native_name
from handlers.intake.screens import answer_label
from handlers.intake.welcome import ROLE_LABELS
from storage.consents import numbered_consents
from storage.conversations import SqlConversations
from storage.database import open_engine, session_factory, upgrade
from tests.support import driver
from tests.support.driver import Shown

CHANNEL = "telegram"
CHANNELS = (CHANNEL, "whatsapp")  # the doors a phone may come through (Phone.channel)


@dataclass
class Phone:
    world: World
    user_id: int
    language: str = "en"
    screen: list[Shown] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    channel: str = CHANNEL  # the door: a Telegram account, or a WhatsApp number (`World.phone(..., channel=)`)

    async def send(self, text: str) -> None:
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            await self.world.event(self, EventKind.COMMAND, command, args=args)
        else:
            await self.world.event(self, EventKind.TEXT, text)

    async def click(self, label: str, *, on: Shown | None = None) -> None:
        pressed = driver.press(self.screen, label, on)
        if pressed.message is None:
            await self.send(pressed.data)
        else:
            await self.world.event(self, EventKind.CHOICE, pressed.data, message_id=pressed.message.id)

    async def press_forged(self, data: str, *, on: Shown | None = None) -> None:
        """A callback the person's app never showed them (a forged or replayed button)."""
        await self.world.event(self, EventKind.CHOICE, data, message_id=(on or self.last).id)

    async def share_contact(self, phone: str) -> None:
        await self.world.event(self, EventKind.CONTACT, phone)

    async def reply(self, text: str, *, to: Shown) -> None:
        """`text` sent as a reply to one of the bot's messages (Telegram's "Reply" on a message)."""
        await self.world.event(self, EventKind.TEXT, text, replying_to=to.text)

    @property
    def last(self) -> Shown:
        return self.screen[-1]

    def texts(self) -> list[str]:
        return [message.text for message in self.screen]

    def labels(self) -> list[str]:
        return driver.labels(self.screen)

    def showing(self, label: str) -> Shown:
        return driver.showing(self.screen, label)

    def text(self, message: str, context: str | None = None) -> str:
        """A msgid (in the sense `context` names, if any) in this person's language (the one
        `World.register` chooses)."""
        return driver.translated(
            self.world.app.catalogs.translator(self.language), self.world.app.program, message, context
        )

    def show(self, reply: Reply, edit_of: int | None, payload: dict[str, Any]) -> None:
        if edit_of is not None:
            for message in self.screen:
                if message.id == edit_of:
                    message.text, message.buttons, message.payload = reply.text, reply.buttons, payload
                    return
        shown = Shown.of(self.world.next_message_id(), reply, payload)
        self.screen.append(shown)


class World:
    def __init__(self, app: Frontdoor, first_update: int = 1) -> None:
        self.app = app
        self.now = app.clock()
        app.clock = lambda: self.now
        self.phones: dict[int, Phone] = {}  # Telegram's
        self.other_doors: dict[tuple[str, int], Phone] = {}  # other channels' (a WhatsApp number)
        self._updates = count(first_update)
        self._messages = count(1)

    def next_message_id(self) -> int:
        return next(self._messages)

    def phone(self, user_id: int, language: str = "en", *, channel: str = CHANNEL) -> Phone:
        phone = Phone(self, user_id, language, channel=channel)
        if channel == CHANNEL:
            self.phones[user_id] = phone
        else:
            self.other_doors[(channel, user_id)] = phone
        return phone

    def _phone_at(self, channel: str, chat_id: int) -> Phone:
        found = self.phones.get(chat_id) if channel == CHANNEL else self.other_doors.get((channel, chat_id))
        return found or self.phone(chat_id, channel=channel)

    async def event(
        self,
        phone: Phone,
        kind: EventKind,
        text: str,
        *,
        args: str = "",
        message_id: int | None = None,
        replying_to: str | None = None,
    ) -> None:
        event = replace(self._event(phone, kind, text, args, message_id), replying_to=replying_to)
        handled = await self.app.handle(phone.channel, event)
        if handled.notice:
            phone.notices.append(handled.notice)
        await self.deliver()

    async def arrive(self, phone: Phone, kind: EventKind, text: str, *, args: str = "") -> Received:
        """An update as `frontdoor run` takes it: stored, then handled by a worker, which does not raise
        but retries a failing update and at last sets it aside (telling the person something went wrong)."""
        event = self._event(phone, kind, text, args, phone.last.id if phone.screen else None)
        await self.app.receive(
            CHANNEL, event, answer_id=f"query-{event.update_id}" if kind is EventKind.CHOICE else None
        )
        received = await self.app.handle_next(CHANNEL)
        assert received is not None and received.event.update_id == event.update_id
        if received.handled.notice:
            phone.notices.append(received.handled.notice)
        await self.deliver()
        return received

    def _event(self, phone: Phone, kind: EventKind, text: str, args: str, message_id: int | None) -> Event:
        return Event(
            next(self._updates),
            phone.user_id,
            phone.user_id,
            kind,
            text,
            args=args,
            language_code=phone.language,
            message_id=message_id,
        )

    async def deliver(self) -> None:
        """Everything pending in the outbox, onto the phones, in order (what the sender does)."""
        for channel in CHANNELS:
            for chat_id, payload in await self.app.operations.take_all_waiting(channel):
                reply, edit_of = payload_to_reply(payload)
                self._phone_at(channel, chat_id).show(reply, edit_of, payload)

    async def run_jobs(self, at: datetime) -> None:
        """`frontdoor jobs run --now at`: the clock moves to `at`, and the jobs run at a pretended time
        (so retention is left for the real clock)."""
        self.now = at
        await self.app.run_jobs(CHANNEL, at)
        await self.deliver()

    async def tick(self, at: datetime) -> None:
        """The clock moves to `at`, and the running bot's job runner runs what is due on it."""
        self.now = at
        await self.app.run_jobs(CHANNEL)
        await self.deliver()

    async def count(self, table: type) -> int:
        """How many rows `table` holds now."""
        async with self.app.sessions() as session:
            return int((await session.execute(select(func.count()).select_from(table))).scalar_one())

    async def open_question(self, phone: Phone) -> tuple[Step, str | None]:
        async with self.app.sessions() as session:
            return await SqlConversations(session).standing(phone.channel, phone.user_id)

    async def welcome(self, phone: Phone, role: str, *, agree: bool = True) -> None:
        """/start, their language (the phone's), `role` and, unless `agree` is False, I agree: the
        registration exists and its first question is open."""
        await phone.send("/start")
        await phone.click(native_name(phone.language))
        await phone.click(phone.text(ROLE_LABELS[Role(role)]))
        if agree:
            await phone.click(phone.text("I agree", "consent"))

    async def register(self, phone: Phone, role: str, answers: dict[str, Any], *, submit: bool = True) -> None:
        """/start, language, role, agree; answer each question from `answers` (or a plain default); Submit
        (unless `submit` is False: then they stay on the review screen)."""
        await self.welcome(phone, role)
        form = self.app.program.forms[role]
        t = self.app.catalogs.translator(phone.language)
        while True:
            step, key = await self.open_question(phone)
            if step is not Step.QUESTION or key is None:
                break
            question = form.question(key)
            value = answers.get(key, DEFAULTS.get(question.kind))
            if value is None and (question.optional or question.kind is Kind.PHONE):
                await phone.click(t.pgettext("question", "Skip"))  # the phone question's is a reply keyboard button
            elif question.kind is Kind.PHONE:
                await phone.share_contact(str(value))
            elif question.kind in (Kind.CHOICE, Kind.NUMBER):
                await phone.click(answer_label(t, question, value if value is not None else question.options[0].value))
            elif question.kind in (Kind.MULTI, Kind.AVAILABILITY):
                for item in value or [question.options[0].value]:
                    await phone.click(answer_label(t, question, item))
                await phone.click(t.gettext("Done"))
            else:
                await phone.send(str(value))
        if submit:
            await phone.click(t.gettext("Submit"))


DEFAULTS: dict[Kind, Any] = {Kind.TEXT: "Sam Lee", Kind.YEAR: 2023, Kind.NUMBER: 2}


@asynccontextmanager
async def world_on(
    database_url: str,
    now: datetime,
    *,
    program: Program | None = None,
    coordinators: Iterable[int] = (),
    first_update: int = 1,
) -> AsyncIterator[World]:
    """A world on this database; a second world on the same one starts its update ids past the first's."""
    engine = open_engine(database_url)
    await upgrade(engine)
    numbered = await numbered_consents(session_factory(engine), program or load_program(), now)
    app = Frontdoor(numbered, engine, clock=lambda: now, coordinators=frozenset(coordinators))
    try:
        yield World(app, first_update)
    finally:
        await app.close()
