"""Mixed directions: keep a name, an e-mail, a phone number or a label in another script from
scrambling the line around it. Telegram lays out each message with the Unicode bidi algorithm; a
first-strong isolate (U+2068 … U+2069) makes such a run one unit in it.

What runs "the other way" is decided by each character's bidirectional class (Unicode's, through
`unicodedata`), never by a pattern of ASCII letters: "Maria López", "Українська" or "王芳" inside
an Arabic line, and "أمينة" inside an English one, are each one isolated run.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import lru_cache
from typing import Final

from handlers.core.events import Button, Reply
from handlers.core.translator import babel_locale

FSI: Final = "\u2068"  # first strong isolate
PDI: Final = "\u2069"  # pop directional isolate
_ISOLATED: Final = re.compile(f"({FSI}.*?{PDI})", re.DOTALL)

# The classes that start and carry a run against each reading direction. Numbers belong to the
# run for a right-to-left reader: "519 555 0123" or "12/05/2026" would otherwise be laid out group
# by group from the right ("0123 555 519"), the separators taking the line's direction.
_AGAINST_RTL: Final = frozenset({"L", "EN", "AN"})
_AGAINST_LTR: Final = frozenset({"R", "AL"})
# Marks that belong to the letter before them (accents typed as two code points, Arabic harakat).
_ATTACHED: Final = frozenset({"NSM", "BN"})
# Punctuation that may sit inside a run when a letter or digit of the run follows it: the dots
# and "@" of an e-mail, the "+", spaces and dashes of a phone, "Program's", "10:30", "周一：上午".
_INNER: Final = frozenset(" _@./:+-'’,&()：，、")
_MOST_INNER: Final = 3
# Marks that open a run when a letter or digit follows them: "/start", "@amina", "+1 519".
_LEADING: Final = frozenset("/@+#")


def is_rtl(language: str) -> bool:
    return babel_locale(language).character_order == "right-to-left"


def isolate(text: str) -> str:
    return f"{FSI}{text}{PDI}"


def for_reader(text: str, language: str) -> str:
    """Text a person typed, isolated when the reader's language runs right to left.

    Called where the words are put into a sentence, not left to the pipeline's `lay_out`: typed
    text may be in the reader's own script and still end in digits or punctuation that a pass over
    the whole message would leave to the line's direction.
    """
    return isolate(text) if text and is_rtl(language) else text


@lru_cache(maxsize=4096)
def _bidi_class(character: str) -> str:
    return unicodedata.bidirectional(character)


def isolate_foreign(text: str, language: str) -> str:
    """Isolate every run, not inside an isolate already, whose direction is not the reader's.

    A lone number ("2", "2024") stays as it is: the bidi algorithm places it well on its own; so
    does a text that is one run ("Français" on a button).
    """
    rtl = is_rtl(language)
    if not rtl and text.isascii():
        return text  # nothing in ASCII runs right to left
    against = _AGAINST_RTL if rtl else _AGAINST_LTR
    parts = _ISOLATED.split(text)
    return "".join(part if part.startswith(FSI) else _isolate_runs(part, against) for part in parts)


def _isolate_runs(text: str, against: frozenset[str]) -> str:
    pieces: list[str] = []
    done = 0
    start = 0
    while start < len(text):
        if not _opens_run(text, start, against):
            start += 1
            continue
        end = _run_end(text, start, against)
        run = text[start:end]
        pieces.append(text[done:start])
        alone = start == 0 and end == len(text)  # a whole line in one direction lays itself out
        pieces.append(run if run.isdigit() or alone else isolate(run))
        done = start = end
    pieces.append(text[done:])
    return "".join(pieces)


def _opens_run(text: str, at: int, against: frozenset[str]) -> bool:
    if _bidi_class(text[at]) in against:
        return True
    return text[at] in _LEADING and at + 1 < len(text) and _bidi_class(text[at + 1]) in against


def _run_end(text: str, start: int, against: frozenset[str]) -> int:
    """Where the run that opens at `start` ends: after its last letter or digit (or their marks)."""
    end = at = start + 1
    while at < len(text):
        kind = _bidi_class(text[at])
        if kind in against or (kind in _ATTACHED and at == end):
            end = at = at + 1
            continue
        gap = at
        while gap < len(text) and gap - at < _MOST_INNER and text[gap] in _INNER and text[gap : gap + 2] != "  ":
            gap += 1
        if gap == at or gap >= len(text) or _bidi_class(text[gap]) not in against:
            break
        at = gap
    return end


def lay_out(reply: Reply, reader: str) -> Reply:
    """The reply as its reader should get it: every run against the reader's direction isolated.

    The pipeline's one pass over every whole message, with the language of the person it goes to
    (or the reply's own, where it is written in another).
    """
    language = reply.language or reader

    def laid(text: str) -> str:
        return isolate_foreign(text, language)

    return replace(
        reply,
        text=laid(reply.text),
        buttons=tuple(tuple(Button(laid(b.label), b.data) for b in row) for row in reply.buttons),
        keyboard=tuple(laid(label) for label in reply.keyboard),
        contact_button=laid(reply.contact_button) if reply.contact_button else None,
    )
