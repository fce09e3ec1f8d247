"""One way to drive a chat in tests: what a person does, and what their screen shows.

The same few moves whatever answers behind the screen: the conversation alone in memory
(tests.support.chat.ChatClient), the front desk with several people in memory (tests.support.desk),
a real database and its outbox (tests.support.world.Phone), `frontdoor run` behind the Bot API
emulator (tests.e2e.person.Person). Tests press what a person sees, a button by its label; only
tests of forged, replayed or stale buttons send callback data, with `press_forged`, so that one
name finds them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from handlers.core.bidi import FSI, PDI
from handlers.core.events import Button, Reply, Template
from handlers.core.program import Program
from handlers.core.translator import Translator


@dataclass
class Shown:
    """A message on the person's screen, kept up to date by edits (the object changes in place)."""

    id: int
    text: str  # or a document's or photo's caption
    buttons: tuple[tuple[Button, ...], ...] = ()
    contact_button: str | None = None  # a reply keyboard's share-my-phone button
    keyboard: tuple[str, ...] = ()  # a reply keyboard's text buttons
    document: bytes | None = None
    payload: dict[str, Any] = field(default_factory=dict)  # as a channel is given it (the outbox's payload)
    photo: bytes | None = None  # a picture shown in the chat (PNG)
    template: Template | None = None  # what goes instead outside a reply window (WhatsApp's 24 hours)

    @classmethod
    def of(cls, message_id: int, reply: Reply, payload: dict[str, Any]) -> Shown:
        """A new message on the screen, as a channel shows `reply`."""
        attached = reply.document or reply.photo
        return cls(
            message_id,
            attached.caption if attached else reply.text,
            reply.buttons,
            reply.contact_button,
            reply.keyboard,
            reply.document.content if reply.document else None,
            payload,
            reply.photo.content if reply.photo else None,
            reply.template,
        )

    def labels(self) -> list[str]:
        return [button.label for row in self.buttons for button in row]

    def shows(self, label: str) -> bool:
        """Whether an inline button with this label is on the message."""
        return any(same_label(shown, label) for shown in self.labels())

    def copy(self) -> Shown:
        """The message as it is now: what a phone still shows while a tap is on its way (the second
        tap of a double tap presses this copy, not the message the first tap edited)."""
        return replace(self, payload=dict(self.payload))

    def data_of(self, label: str) -> str:
        """The callback data behind a button: only to forge or replay it (`press_forged`)."""
        return next(b.data for row in self.buttons for b in row if same_label(b.label, label))


class Driver(Protocol):
    """A person in a chat with the bot. What an action returns is the implementation's own."""

    @property
    def last(self) -> Shown:
        """The newest message on the screen."""

    async def send(self, text: str) -> object:
        """Type a message; "/command args" is a command."""

    async def click(self, label: str, *, on: Shown | None = None) -> object:
        """Press the button labelled `label`: on the newest message showing it, or on `on` (an older
        message, or a copy of one as it was); a reply keyboard's button sends its label as text."""

    async def share_contact(self, phone: str) -> object:
        """Share a phone number with the channel's contact button."""

    async def press_forged(self, data: str, *, on: Shown | None = None) -> object:
        """Callback data no button the person saw carries, on `on` (default: the newest message).
        Only for tests of forged, replayed or stale buttons."""

    def texts(self) -> list[str]:
        """Every message's text, oldest first."""

    def labels(self) -> list[str]:
        """The labels of the newest message with buttons: what the person can press now."""

    def showing(self, label: str) -> Shown:
        """The newest message showing a button labelled `label`."""


def plain(text: str) -> str:
    """The text without the isolates a message carries around runs against its reader's direction."""
    return text.replace(FSI, "").replace(PDI, "")


def same_label(shown: str, label: str) -> bool:
    """A label as a test writes it (from the catalog) matches it as laid out for any reader."""
    return shown == label or plain(shown) == plain(label)


@dataclass(frozen=True)
class Pressed:
    """What pressing a label does: an inline button's data on `message`, or (message None) a reply
    keyboard's button, which sends `data`, its label, as a message."""

    message: Shown | None
    data: str


def press(screen: Sequence[Shown], label: str, on: Shown | None = None) -> Pressed:
    """Find the button labelled `label`, newest message first; a reply keyboard counts from the
    message that brought it. With `on`, only that message's inline buttons."""
    for message in [on] if on is not None else reversed(screen):
        for button in (button for row in message.buttons for button in row):
            if same_label(button.label, label):
                return Pressed(message, button.data)
        if on is None and any(same_label(key, label) for key in message.keyboard):
            return Pressed(None, next(key for key in message.keyboard if same_label(key, label)))
    raise LookupError(f"no button {label!r}; the newest ones: {labels(screen)}")


def showing(screen: Sequence[Shown], label: str) -> Shown:
    for message in reversed(screen):
        if message.shows(label):
            return message
    raise LookupError(f"no message shows {label!r}; the newest buttons: {labels(screen)}")


def labels(screen: Sequence[Shown]) -> list[str]:
    return next((message.labels() for message in reversed(screen) if message.buttons), [])


def translated(t: Translator, program: Program, message: str, context: str | None = None) -> str:
    """A msgid as the reader sees it. An option's label is asked for in its list's or question's
    context, as the conversation asks for it (handlers.core.render.option_label), so a test may
    name an option by its English label alone."""
    if context is None:
        context = next(
            (
                o.context
                for f in program.forms.values()
                for q in f.questions
                for o in q.options
                if o.translated and o.context and o.label == message
            ),
            None,
        )
    return t.pgettext(context, message) if context else t.gettext(message)


def reader(t: Translator, program: Program) -> Callable[..., str]:
    """`translated` for one reader: `fr("Health care")`, `fr("I agree", "consent")`."""
    return lambda message, context=None: translated(t, program, message, context)
