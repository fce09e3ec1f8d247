"""A chat client for flow tests: send text, click buttons by label, read what the person sees.

It keeps the chat like a phone shows it: every message in order, edits applied in place. On its
own it talks to the conversation (handlers.intake.conversation) with an in-memory Participants
port; given a `desk` (tests.support.desk.Desk) it talks to the front desk, as one of several people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import count
from typing import TYPE_CHECKING

from bot.catalogs import PROJECT_CATALOGS, Catalogs
from bot.channels import telegram_capabilities
from handlers import front_desk
from handlers.core.bidi import lay_out
from handlers.core.channel import Capabilities
from handlers.core.events import Event, EventKind, Reply, reply_to_payload
from handlers.core.model import Conversation, Participant
from handlers.core.ports import Context
from handlers.core.program import Program, load_program
from handlers.core.quoting import settled
from handlers.intake.conversation import handle
from tests.support import driver
from tests.support.clock import NOW
from tests.support.driver import Shown
from tests.support.memory import MemoryParticipants

if TYPE_CHECKING:
    from tests.support.desk import Desk

CHANNEL = "test"


@dataclass
class ChatClient:
    language_code: str | None = "en"
    user_id: int = 42
    program: Program = field(default_factory=load_program)
    participants: MemoryParticipants = field(default_factory=MemoryParticipants)
    now: datetime = NOW
    catalogs: Catalogs = PROJECT_CATALOGS
    capabilities: Capabilities = telegram_capabilities.capabilities(bot_username=None)
    screen: list[Shown] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    desk: Desk | None = None  # the front desk this person talks to with others; None: the conversation alone
    _updates: count[int] = field(default_factory=lambda: count(1))

    def __post_init__(self) -> None:
        self.conversation = Conversation(channel=CHANNEL, user_id=self.user_id, chat_id=self.user_id)

    # ---- what the person does

    async def send(self, text: str) -> list[Shown]:
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            return await self._event(EventKind.COMMAND, command, args=args)
        return await self._event(EventKind.TEXT, text)

    async def click(self, label: str, *, on: Shown | None = None) -> list[Shown]:
        pressed = driver.press(self.screen, label, on)
        if pressed.message is None:
            return await self.send(pressed.data)
        return await self._event(EventKind.CHOICE, pressed.data, message_id=pressed.message.id)

    async def press_forged(self, data: str, *, on: Shown | None = None) -> list[Shown]:
        return await self._event(EventKind.CHOICE, data, message_id=(on or self.last).id)

    async def share_contact(self, phone: str = "+15195550123") -> list[Shown]:
        return await self._event(EventKind.CONTACT, phone)

    async def send_photo(self) -> list[Shown]:
        return await self._event(EventKind.OTHER)

    # ---- what the person sees

    @property
    def last(self) -> Shown:
        return self.screen[-1]

    def texts(self) -> list[str]:
        return [message.text for message in self.screen]

    def labels(self) -> list[str]:
        return driver.labels(self.screen)

    def showing(self, label: str) -> Shown:
        return driver.showing(self.screen, label)

    @property
    def participant(self) -> Participant:
        assert self.conversation.participant_id is not None, "no registration yet"
        participant = self.participants.rows.get(self.conversation.participant_id)
        assert participant is not None
        return participant

    def text(self, message: str, context: str | None = None) -> str:
        """A msgid (in the sense `context` names, if any) as this person's language shows it."""
        return driver.translated(
            self.catalogs.translator(self.conversation.language or "en"), self.program, message, context
        )

    # ---- behind the screen

    async def _event(
        self, kind: EventKind, text: str = "", *, args: str = "", message_id: int | None = None
    ) -> list[Shown]:
        event = Event(
            update_id=next(self._updates),
            user_id=self.user_id,
            chat_id=self.user_id,
            kind=kind,
            text=text,
            args=args,
            language_code=self.language_code,
            message_id=message_id,
        )
        context = Context(
            conversation=self.conversation,
            participants=self.participants,
            program=self.program,
            translations=self.catalogs.translator,
            now=self.desk.now if self.desk else self.now,
            capabilities=self.capabilities,
        )
        if self.desk is None:
            outcome = await handle(event, context)
        else:
            outcome = await front_desk.handle(event, context, self.desk.office())
        if outcome.notice:
            self.notices.append(outcome.notice)
        # As the pipeline does (bot/pipeline.py): laid out for the reader as the flow left the conversation.
        reader = self.conversation.language or self.program.default_language
        shown = [self.show(settled(lay_out(reply, reader)), message_id) for reply in outcome.replies]
        if self.desk is not None:
            self.desk.deliver(outcome.messages)
        return shown

    def show(self, reply: Reply, pressed: int | None = None) -> Shown:
        """A reply on the screen: a new message, or the pressed one edited."""
        payload = reply_to_payload(reply, edit_message_id=pressed)
        if reply.edit and pressed is not None:
            message = next(m for m in self.screen if m.id == pressed)
            message.text, message.buttons, message.payload = reply.text, reply.buttons, payload
            return message
        shown = Shown.of(len(self.screen) + 1, reply, payload)
        self.screen.append(shown)
        return shown
