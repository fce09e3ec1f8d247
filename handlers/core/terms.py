"""The consent text with what it says is collected filled in from the form itself, so the two cannot drift.

A program file's consent text names `{collected}` where the list goes: one line per question the
form asks (its label), saying which are optional and which may be declined ("prefer not to say").
The English wording, list included, is what a consent version stands for (storage.consents).
"""

from __future__ import annotations

from typing import Final

from handlers.core.program import Form
from handlers.core.questions import Question
from handlers.core.translator import MSGID_LANGUAGE, N_, Translator

COLLECTED: Final = "{collected}"
LINE: Final = N_("• {label}")
OPTIONAL_LINE: Final = N_("• {label} (only if you choose)")
SENSITIVE_LINE: Final = N_("• {label} (you may prefer not to say)")


def collected(t: Translator, form: Form) -> str:
    """One line per question of `form`, consent aside, in the reader's language."""
    return "\n".join(t.gettext(_line(q)).format(label=t.gettext(q.label)) for q in form.questions[1:])


def _line(question: Question) -> str:
    if question.sensitive:
        return SENSITIVE_LINE
    return OPTIONAL_LINE if question.optional else LINE


def consent_text(t: Translator, form: Form) -> str:
    """The consent text as the reader is shown it, the list of what is collected filled in."""
    return t.gettext(form.consent.text).replace(COLLECTED, collected(t, form))


class _Msgids:
    """The program's own words: msgids are English (handlers.core.translator)."""

    language = MSGID_LANGUAGE

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural

    def pgettext(self, context: str, message: str) -> str:
        return message


def consent_wording(form: Form) -> str:
    """The consent text in English with its list filled in: a changed form is a changed text."""
    return consent_text(_Msgids(), form)
