"""A small chat client for flow tests: send text, press buttons by label, read what the user sees.

It keeps the chat like a phone shows it: every message in order, edits applied in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count

from bot.catalogs import PROJECT_CATALOGS, Catalogs
from bot.channels import telegram_capabilities
from handlers.core.bidi import lay_out
from handlers.core.channel import Capabilities
from handlers.core.events import Button, Event, EventKind, Reply
from handlers.core.model import Conversation, Participant
from handlers.core.ports import Context
from handlers.core.program import Program, load_program
from handlers.intake.conversation import handle
from tests.support.memory import MemoryParticipants

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@dataclass
class Shown:
    """A message on the user's screen."""

    id: int
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    contact_button: str | None = None
    keyboard: tuple[str, ...] = ()

    def labels(self) -> list[str]:
        return [button.label for row in self.buttons for button in row]


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
    _updates: count = field(default_factory=lambda: count(1))

    def __post_init__(self) -> None:
        self.conversation = Conversation(channel="test", user_id=self.user_id, chat_id=self.user_id)

    # ---- what the user does

    async def send(self, text: str) -> list[Shown]:
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            return await self._event(EventKind.COMMAND, command, args=args)
        return await self._event(EventKind.TEXT, text)

    async def click(self, label: str) -> list[Shown]:
        """Press the button labelled `label` on the newest message that has it, or on the keyboard."""
        keyboard = next((m.keyboard for m in reversed(self.screen) if m.keyboard or m.contact_button), ())
        if label in keyboard and self.last.keyboard:
            return await self.send(label)  # a keyboard button sends its label as a message
        for message in reversed(self.screen):
            for row in message.buttons:
                for button in row:
                    if button.label == label:
                        return await self._event(EventKind.CHOICE, button.data, message_id=message.id)
        raise LookupError(f"no button {label!r}; visible: {self.last.labels()}")

    async def press_data(self, data: str, message_id: int) -> list[Shown]:
        return await self._event(EventKind.CHOICE, data, message_id=message_id)

    async def share_contact(self, phone: str = "+15195550123") -> list[Shown]:
        return await self._event(EventKind.CONTACT, phone)

    async def send_photo(self) -> list[Shown]:
        return await self._event(EventKind.OTHER)

    # ---- what the user sees

    @property
    def last(self) -> Shown:
        return self.screen[-1]

    @property
    def participant(self) -> Participant:
        assert self.conversation.participant_id is not None, "no registration yet"
        participant = self.participants.rows.get(self.conversation.participant_id)
        assert participant is not None
        return participant

    def text(self, message: str) -> str:
        """A msgid as this user's language shows it."""
        return self.catalogs.translator(self.conversation.language or "en").gettext(message)

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
            now=self.now,
            capabilities=self.capabilities,
        )
        outcome = await handle(event, context)
        if outcome.notice:
            self.notices.append(outcome.notice)
        reader = self.conversation.language or self.program.default_language
        return [self._show(lay_out(reply, reader), message_id) for reply in outcome.replies]

    def _show(self, reply: Reply, pressed: int | None) -> Shown:
        if reply.edit and pressed is not None:
            message = next(m for m in self.screen if m.id == pressed)
            message.text, message.buttons = reply.text, reply.buttons
            return message
        shown = Shown(len(self.screen) + 1, reply.text, reply.buttons, reply.contact_button, reply.keyboard)
        self.screen.append(shown)
        return shown
