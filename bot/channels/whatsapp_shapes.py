"""A Reply as the Cloud API's message: text, up to three reply buttons, a list of up to ten rows, or
a contact card.

The reply comes fitted already (handlers.core.fitting: no more choices than a list holds, no longer
body than an interactive message takes); here each choice gets WhatsApp's shape. Three short labels
are reply buttons; more, or a label a button would cut, make a list, whose row shows the label
shortened at a word's end and, under it, the whole label. A keyboard's labels (what a person may
type, such as "Skip") become choices too, that send their label back as if typed.
"""

from __future__ import annotations

import re
from typing import Any, Final

from bot.channels import whatsapp_capabilities as limits
from handlers.core.events import Button, ContactCard, Reply
from handlers.core.translator import N_

CHOOSE: Final = N_("Choose")  # the button that opens a list of choices
SAYS: Final = "say:"  # a choice standing for typed words: the rest of its id is what it says
# The phone question's contact button: the number the person writes from (bot.channels.whatsapp).
OWN_NUMBER: Final = "number:own"
ELLIPSIS: Final = "…"
OPENS: Final = "\u2066\u2067\u2068"  # an isolate's start (handlers.core.bidi): each needs its end kept
CLOSES: Final = "\u2069"
# Where a label may be shortened: before a space, or after a Chinese comma, enumeration mark or slash.
WORD_ENDS: Final = re.compile(r"(?=\s)|(?<=[，、/／])")


def message(to: str, reply: Reply, choose: str) -> dict[str, Any]:
    """The Graph API's body for sending `reply` to the WhatsApp number `to`; `choose`: the list's
    button, in the reader's language."""
    own_number = [Button(reply.contact_button, OWN_NUMBER)] if reply.contact_button else []
    choices = [button for row in reply.buttons for button in row] or [
        *own_number,
        *(Button(label, SAYS + label) for label in reply.keyboard),
    ]
    base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    if reply.contact_card is not None:
        return base | {"type": "contacts", "contacts": [card(reply.contact_card)]}
    if not choices:
        return base | {"type": "text", "text": {"body": reply.text, "preview_url": not reply.shows_others_words}}
    return base | {"type": "interactive", "interactive": interactive(reply.text, choices, choose)}


def card(contact: ContactCard) -> dict[str, Any]:
    """A contact as the Cloud API's contacts message holds one: its name (formatted, and the first
    name it requires beside), phones, e-mails, organization and title, those given."""
    shown: dict[str, Any] = {"name": {"formatted_name": contact.name, "first_name": contact.name}}
    if contact.phones:
        shown["phones"] = [{"phone": phone, "type": "CELL"} for phone in contact.phones]
    if contact.emails:
        shown["emails"] = [{"email": email, "type": "WORK"} for email in contact.emails]
    org = {key: value for key, value in (("company", contact.organization), ("title", contact.title)) if value}
    if org:
        shown["org"] = org
    return shown


def interactive(body: str, choices: list[Button], choose: str) -> dict[str, Any]:
    """Reply buttons when every label fits one whole and differs from the others, else a list."""
    titles = [shorten(choice.label, limits.BUTTON_TITLE) for choice in choices]
    whole = all(title == choice.label for title, choice in zip(titles, choices, strict=True))
    if len(choices) <= limits.MOST_BUTTONS and whole and len(set(titles)) == len(titles):
        buttons = [
            {"type": "reply", "reply": {"id": choice.data, "title": title}}
            for choice, title in zip(choices, titles, strict=True)
        ]
        return {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}}
    rows = [row(choice) for choice in choices[: limits.MOST_ROWS]]
    action = {"button": shorten(choose, limits.LIST_BUTTON), "sections": [{"rows": rows}]}
    return {"type": "list", "body": {"text": body}, "action": action}


def row(choice: Button) -> dict[str, str]:
    """A list's row: the label shortened, and whole under it when it had to be."""
    title = shorten(choice.label, limits.ROW_TITLE)
    shown = {"id": choice.data, "title": title}
    if title != choice.label:
        shown["description"] = shorten(choice.label, limits.ROW_DESCRIPTION)
    return shown


def shorten(label: str, most: int) -> str:
    """`label` in at most `most` characters: whole if it fits, else up to the last word that fits
    and "…"; a single word longer than that is cut (nothing else fits). An isolate left open by the
    cut (a right-to-left reader's Latin run) is closed, so the rest of the screen keeps its direction."""
    if len(label) <= most:
        return label
    room = most - len(ELLIPSIS)
    ends = [end.start() for end in WORD_ENDS.finditer(label) if 0 < end.start()]
    for cut in reversed(ends):
        kept = label[:cut].rstrip()
        shortened = _closed(kept) + ELLIPSIS
        if kept and len(shortened) <= most:
            return shortened
    kept = label[:room]
    while kept and len(_closed(kept)) + len(ELLIPSIS) > most:
        kept = kept[:-1]
    return _closed(kept) + ELLIPSIS


def _closed(text: str) -> str:
    """`text` with an end for each isolate it opens and does not close."""
    open_isolates = 0
    for char in text:
        if char in OPENS:
            open_isolates += 1
        elif char == CLOSES and open_isolates:
            open_isolates -= 1
    return text + CLOSES * open_isolates
