"""The messages that may reach a person after their reply window closed (WhatsApp's 24 hours), as
the templates a program registers with the messenger: what each says, with which blanks.

Four say what the program writes on its own, days after the person last wrote (a proposal, a
meeting's reminder, a follow-up, a nudge). A fifth, `update`, stands for any other message that
finds the window closed: what someone else did for them (a volunteer's time offered to a newcomer,
the other side's answer, a coordinator's reply), which would otherwise wait unseen until the person
happened to write. A template is a short utility notice; where the message it stands for carries
choices (a proposal's times) or more than it says, the message itself follows once they answer.

The texts are msgids: `frontdoor whatsapp templates --language fr` prints them translated, their
named blanks numbered as the messenger wants them ({{1}}, {{2}}), to register with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from handlers.core.events import Template
from handlers.core.model import Participant
from handlers.core.translator import N_, Translator

PROPOSAL: Final = "proposal"
REMINDER: Final = "reminder"
FOLLOW_UP: Final = "follow_up"
NUDGE: Final = "nudge"
UPDATE: Final = "update"  # any other message, the window closed: "a message is waiting for you"
_BLANK: Final = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class TemplateText:
    """A template as registered: the name suggested for it, its text (a msgid), its blanks in order."""

    kind: str
    name: str
    text: str
    blanks: tuple[str, ...]

    def numbered(self, t: Translator) -> str:
        """The text in `t`'s language with its blanks as the messenger numbers them: {name} -> {{1}}."""
        return _BLANK.sub(lambda found: f"{{{{{self.blanks.index(found.group(1)) + 1}}}}}", t.gettext(self.text))


TEMPLATES: Final = {
    text.kind: text
    for text in (
        TemplateText(
            PROPOSAL,
            "frontdoor_proposal",
            N_(
                "Hello {name}, we would like to introduce you to a newcomer for a short conversation. "
                "Please reply to this message to see the details."
            ),
            ("name",),
        ),
        TemplateText(
            REMINDER,
            "frontdoor_reminder",
            N_("Reminder of your meeting: you meet {name} on {when}. Thank you for taking part."),
            ("name", "when"),
        ),
        TemplateText(
            FOLLOW_UP,
            "frontdoor_follow_up",
            N_("We have a short question about your meeting with {name}. Please reply to this message to see it."),
            ("name",),
        ),
        TemplateText(
            NUDGE,
            "frontdoor_nudge",
            N_(
                "A gentle reminder: we are waiting for your answer about your meeting with {name}. "
                "Please reply to this message to see the question."
            ),
            ("name",),
        ),
        TemplateText(
            UPDATE,
            "frontdoor_update",
            N_(
                "You have a new message about your connection with the program. Please reply to this message to see it."
            ),
            (),
        ),
    )
}


def standing_for(template: dict[str, object] | None) -> str:
    """The kind of template a stored message goes as outside the window: its own (a proposal, a
    reminder, …), else the program's `update`."""
    kind = (template or {}).get("kind")
    return str(kind) if kind else UPDATE


def first_name(person: Participant) -> str:
    """A person's first name as a template's blank: plain, as they typed it."""
    return person.first_name or "?"


def naming(kind: str, person: Participant) -> Template:
    """The template of `kind` whose one blank is `person`'s first name."""
    return template(kind, name=first_name(person))


def template(kind: str, **blanks: str) -> Template:
    """The template of `kind` with its blanks filled, in the order it numbers them."""
    return Template(kind, tuple(blanks[blank] for blank in TEMPLATES[kind].blanks))
