"""Right-to-left readers: keep typed text and Latin fragments from scrambling an Arabic, Urdu or
Persian line. Telegram lays out each message with the Unicode bidi algorithm; a first-strong
isolate (U+2068 … U+2069) makes a name, an e-mail, a phone number or "/start" one unit in it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final

from handlers.core.events import Button, Reply
from handlers.core.translator import babel_locale

FSI: Final = "\u2068"  # first strong isolate
PDI: Final = "\u2069"  # pop directional isolate
_ISOLATED: Final = re.compile(f"({FSI}.*?{PDI})", re.DOTALL)
# A run of Latin words joined by single spaces: letters, digits and the punctuation inside
# addresses and commands ("Connector Program", "name@example.com", "519 555 0123", "/start"),
# never the sentence's own punctuation after it ("/start:" isolates "/start").
_LATIN_WORD: Final = r"[/@+]?[A-Za-z0-9](?:[A-Za-z0-9_@./:+\-]*[A-Za-z0-9_])?"
_LATIN_RUN: Final = re.compile(f"{_LATIN_WORD}(?: {_LATIN_WORD})*", re.ASCII)


def is_rtl(language: str) -> bool:
    return babel_locale(language).character_order == "right-to-left"


def isolate(text: str) -> str:
    return f"{FSI}{text}{PDI}"


def for_reader(text: str, language: str) -> str:
    """Text a person typed, isolated when the reader's language runs right to left.

    Called where the words are put into a sentence, not left to the pipeline's `lay_out`: a pass
    over the whole message finds Latin runs, and cannot tell where a name in another script ends.
    """
    return isolate(text) if text and is_rtl(language) else text


def isolate_latin(text: str) -> str:
    """Isolate every Latin run that is not inside an isolate already.

    A lone number ("2", "2024") stays as it is: the bidi algorithm places it well on its own.
    """
    parts = _ISOLATED.split(text)
    return "".join(part if part.startswith(FSI) else _LATIN_RUN.sub(_isolate_run, part) for part in parts)


def _isolate_run(run: re.Match[str]) -> str:
    text = run.group(0)
    return text if text.isdigit() else isolate(text)


def lay_out(reply: Reply, reader: str) -> Reply:
    """The reply as a right-to-left reader should get it (unchanged for other languages).

    The pipeline's one pass over every whole message, with the language of the person it goes to
    (or the reply's own, where it is written in another). Typed words inside a sentence were
    isolated with `for_reader` where they were put in: no pass over the whole text can tell where a
    name that is not Latin ends.
    """
    if not is_rtl(reply.language or reader):
        return reply
    return replace(
        reply,
        text=isolate_latin(reply.text),
        buttons=tuple(tuple(Button(isolate_latin(b.label), b.data) for b in row) for row in reply.buttons),
        keyboard=tuple(isolate_latin(label) for label in reply.keyboard),
        contact_button=isolate_latin(reply.contact_button) if reply.contact_button else None,
    )
