"""What a flow receives (Event) and what it answers (Reply), independent of any channel."""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """What the person did."""

    TEXT = "text"
    COMMAND = "command"
    CHOICE = "choice"  # pressed an inline button; `text` holds its callback data
    CONTACT = "contact"  # shared their phone number with the channel's contact button
    OTHER = "other"  # a photo, sticker, voice note…: nothing a question can read
    # Not something the person did: the first update refused when they sent faster than the bot
    # takes in (bot.flood); it only gets them the "slow down" note, and runs no flow.
    TOO_FAST = "too_fast"


@dataclass(frozen=True)
class Event:
    """One thing a person did, as every channel reports it."""

    update_id: int
    user_id: int
    chat_id: int
    kind: EventKind
    text: str = ""
    args: str = ""  # what followed a command ("/start abc" -> args "abc")
    language_code: str | None = None  # the language the person's app uses, if the channel knows it
    message_id: int | None = None  # the message whose button was pressed, for in-place edits
    # A message sent as a reply to one of the bot's: that message's text (a coordinator answering a
    # message relayed from someone, handlers.coordinators.contact), as the channel delivered it.
    replying_to: str | None = None
    # Their message brought them what waited for their reply (a channel's reply window, WhatsApp's:
    # "reply to this message to see it"): the question it holds is not yet read, so not answered.
    released: bool = False


@dataclass(frozen=True)
class Button:
    """An inline button: `data` is ASCII, within every channel's Capabilities.most_button_data_bytes."""

    label: str
    data: str


@dataclass(frozen=True)
class Document:
    """A file sent with a reply."""

    filename: str
    content: bytes
    caption: str = ""
    records: int | None = None  # an export's: how many participants it holds (for the coordinators' audit)


@dataclass(frozen=True)
class Photo:
    """A picture sent with a reply (a PNG): a channel shows it in the chat, not as a file to open."""

    content: bytes
    caption: str = ""


@dataclass(frozen=True)
class ContactCard:
    """A person's contact, sent as a card the reader can save or tap to call (a meeting's other side, a
    referral); only on a channel whose Capabilities say it sends cards: the reply's text says it anyway."""

    name: str
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    organization: str = ""
    title: str = ""  # their role or job title


@dataclass(frozen=True)
class Template:
    """What stands in for a message outside a channel's reply window (handlers.core.templates): the
    registered text of this `kind`, its blanks filled with `parameters` in order."""

    kind: str
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """One outgoing message.

    `edit` replaces the message whose button was pressed instead of sending a new one, so that
    ticking boxes of a several-choice question does not flood the chat.
    `contact_button` shows a keyboard with a share-my-phone button (and `keyboard` text buttons);
    `remove_keyboard` hides such a keyboard once it is no longer wanted.
    `farewell`: the last message to someone whose data was just erased; once delivered, nothing of
    it is kept, not even the chat it went to.
    `shows_others_words`: the text holds words a participant typed, shown to someone else
    (handlers.core.quoting): a channel shows no preview of a link in it.
    `language`: the language the text is written in, only where that is not its reader's; the
    pipeline lays a reply out for the direction of this language, or else of its reader's.
    `answered`: for an edit that rewrites a question to show its answer, that answer on its own
    ("✔ I agree"); when the answer was typed there is no pressed message to rewrite, and a new one
    repeating the whole question (a consent text of a screen) would bury the conversation.
    `focus`: for such an edit, the data of the button the press changed (a ticked box); a channel that
    cannot edit, and shows the choices on several messages, sends again only the one holding it.
    `contact_card`: a contact the text shares, as a card of its own where the channel sends cards
    (handlers.core.fitting), else left to the text.
    `template`: what may be sent instead when the reader's reply window has closed (a proposal, a
    reminder, a follow-up, a nudge); the pipeline carries it in the outbox with the message.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    keyboard: tuple[str, ...] = ()
    contact_button: str | None = None
    remove_keyboard: bool = False
    edit: bool = False
    document: Document | None = None
    photo: Photo | None = None
    farewell: bool = False
    shows_others_words: bool = False
    language: str | None = None
    answered: str | None = None
    focus: str | None = None
    contact_card: ContactCard | None = None
    template: Template | None = None


@dataclass(frozen=True)
class Outgoing:
    """A message to someone other than the person who acted (the other side of a match, a coordinator),
    in their `language`: the pipeline lays it out for that language's direction (handlers.core.bidi)."""

    channel: str
    chat_id: int
    reply: Reply
    language: str


class JobRefused(Exception):
    """A job that must not do its work now, for a reason people must hear. Raised before the job wrote
    anything: the job runner records it as failed with `reason` (one log line, not retried) and sends
    `messages`, in the job's own transaction."""

    def __init__(self, reason: str, messages: list[Outgoing]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.messages = messages


@dataclass(frozen=True)
class Outcome:
    """What a flow answered: replies to the person who acted, messages to others, a toast for a pressed button.

    Flows leave the right-to-left layout to the pipeline, which knows each message's reader.
    A button flow returns None for a button that is not the presser's or no longer open: the front
    desk answers it with the one "expired" toast.
    """

    replies: list[Reply] = field(default_factory=list)
    messages: list[Outgoing] = field(default_factory=list)
    notice: str | None = None

    def __add__(self, later: Outcome) -> Outcome:
        """This outcome, then `later`'s replies and messages (and its toast, if it has one)."""
        return Outcome([*self.replies, *later.replies], [*self.messages, *later.messages], later.notice or self.notice)


def reply_to_payload(reply: Reply, *, edit_message_id: int | None = None) -> dict[str, object]:
    """A Reply as data for the outbox; an edit carries the message it replaces.

    JSON-safe but for a document's or a photo's content, bytes, which the outbox keeps beside the JSON (a file
    of megabytes as base64 inside it cost the event loop half a second, both ways).
    """
    payload: dict[str, object] = {"text": reply.text}
    if reply.buttons:
        payload["buttons"] = [[[button.label, button.data] for button in row] for row in reply.buttons]
    if reply.keyboard:
        payload["keyboard"] = list(reply.keyboard)
    if reply.contact_button:
        payload["contact_button"] = reply.contact_button
    if reply.remove_keyboard:
        payload["remove_keyboard"] = True
    if reply.shows_others_words:
        payload["others_words"] = True
    if reply.edit and edit_message_id is not None:
        payload["edit_message_id"] = edit_message_id
    if reply.farewell:
        payload["farewell"] = True
    if reply.document is not None:
        payload["document"] = {
            "filename": reply.document.filename,
            "content": reply.document.content,
            "caption": reply.document.caption,
        }
    if reply.photo is not None:
        payload["photo"] = {"content": reply.photo.content, "caption": reply.photo.caption}
    if reply.contact_card is not None:
        payload["contact_card"] = asdict(reply.contact_card)
    return payload


def _content(stored: bytes | str) -> bytes:
    """A document's content as the outbox gives it: bytes, or base64 in a message stored before 0007."""
    return stored if isinstance(stored, bytes) else base64.b64decode(stored)


def _card(stored: dict[str, Any]) -> ContactCard:
    """A contact card as `reply_to_payload` stored it (its lists as JSON gives them back)."""
    return ContactCard(
        name=str(stored["name"]),
        phones=tuple(stored.get("phones", ())),
        emails=tuple(stored.get("emails", ())),
        organization=str(stored.get("organization", "")),
        title=str(stored.get("title", "")),
    )


def payload_to_reply(payload: dict[str, Any]) -> tuple[Reply, int | None]:
    """The Reply an outbox payload holds, and the id of the message it edits (if any)."""
    document, photo, card = payload.get("document"), payload.get("photo"), payload.get("contact_card")
    reply = Reply(
        text=str(payload.get("text", "")),
        buttons=tuple(tuple(Button(label, data) for label, data in row) for row in payload.get("buttons", [])),
        keyboard=tuple(payload.get("keyboard", [])),
        contact_button=payload.get("contact_button"),
        remove_keyboard=bool(payload.get("remove_keyboard", False)),
        edit="edit_message_id" in payload,
        farewell=bool(payload.get("farewell", False)),
        shows_others_words=bool(payload.get("others_words", False)),
        document=Document(document["filename"], _content(document["content"]), document.get("caption", ""))
        if document
        else None,
        photo=Photo(photo["content"], photo.get("caption", "")) if photo else None,
        contact_card=_card(card) if card else None,
    )
    return reply, payload.get("edit_message_id")


def event_to_payload(event: Event) -> dict[str, object]:
    """An Event as JSON-safe data, to be stored between receiving an update and handling it."""
    payload: dict[str, object] = {
        "update_id": event.update_id,
        "user_id": event.user_id,
        "chat_id": event.chat_id,
        "kind": event.kind.value,
        "text": event.text,
        "args": event.args,
    }
    if event.language_code is not None:
        payload["language_code"] = event.language_code
    if event.message_id is not None:
        payload["message_id"] = event.message_id
    if event.replying_to is not None:
        payload["replying_to"] = event.replying_to
    if event.released:
        payload["released"] = True
    return payload


def payload_to_event(payload: dict[str, Any]) -> Event:
    """The Event that `event_to_payload` stored."""
    return Event(
        update_id=int(payload["update_id"]),
        user_id=int(payload["user_id"]),
        chat_id=int(payload["chat_id"]),
        kind=EventKind(payload["kind"]),
        text=str(payload.get("text", "")),
        args=str(payload.get("args", "")),
        language_code=payload.get("language_code"),
        message_id=payload.get("message_id"),
        replying_to=payload.get("replying_to"),
        released=bool(payload.get("released", False)),
    )
