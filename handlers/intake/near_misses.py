"""Near misses caught kindly: an address at "gmial.com", a year typed "85". The person is asked
"Did you mean amina@gmail.com?" with Yes and No, never corrected behind their back.

No network: a short list of the domains most people here use, and an edit distance of one (a letter
added, dropped, changed, or two swapped) from one of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from handlers.core.buttons import Pressed, fold, typed_words
from handlers.core.events import Button, Event, EventKind, Reply
from handlers.core.ports import Context
from handlers.core.program import Kind, Question
from handlers.core.translator import N_, Translator
from handlers.intake.answers import Invalid, this_year, year_as_digits, year_range
from handlers.intake.buttons import Meant

COMMON_DOMAINS: Final = (
    "gmail.com",
    "yahoo.com",
    "yahoo.ca",
    "hotmail.com",
    "hotmail.ca",
    "outlook.com",
    "live.com",
    "live.ca",
    "msn.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "protonmail.com",
    "proton.me",
    "rogers.com",
    "bell.net",
    "sympatico.ca",
    "shaw.ca",
    "telus.net",
    "cogeco.ca",
    "videotron.ca",
    "gmx.com",
    "mail.com",
    "yandex.ru",
    "ukr.net",
    "qq.com",
    "163.com",
)


DID_YOU_MEAN: Final = N_("Did you mean {answer}?")  # also a button's label missed by a letter (handlers.intake.typed)
GUESSED: Final = frozenset({Kind.EMAIL, Kind.YEAR})  # the questions whose answers are guessed at


@dataclass(frozen=True)
class Guess:
    """What the person probably meant, and what to store if they say no (None: ask again)."""

    meant: str
    typed: str | None


def guess(question: Question, text: str, value: Any, this_year: int) -> Guess | None:
    """A likely intended answer for a typed one that is off by a little; None when there is none."""
    if question.kind is Kind.EMAIL and isinstance(value, str):
        from jellyfish import damerau_levenshtein_distance  # on first use, not at start (handlers.intake.answers)

        local, _, domain = value.rpartition("@")
        near = [known for known in COMMON_DOMAINS if damerau_levenshtein_distance(domain.lower(), known) == 1]
        if domain.lower() not in COMMON_DOMAINS and len(near) == 1:
            return Guess(meant=f"{local}@{near[0]}", typed=value)
    if question.kind is Kind.YEAR and isinstance(value, Invalid) and re.fullmatch(r"\d{2}", text.strip()):
        lowest, highest = year_range(question, this_year)
        century = [year for year in (2000 + int(text), 1900 + int(text)) if lowest <= year <= highest]
        if century:
            return Guess(meant=str(century[0]), typed=None)
    return None


def offer(t: Translator, ctx: Context, question: Question, found: Guess) -> Reply:
    """Ask "Did you mean …?", remembering both answers until Yes or No (the question stays open; its
    `pending`, the ticks of a several-choice question, holds them: a year or an address has no ticks)."""
    ctx.conversation.pending = [found.meant, found.typed or ""]
    return Reply(
        t.gettext(DID_YOU_MEAN).format(answer=found.meant),
        buttons=(
            (
                Button(t.pgettext("did you mean", "Yes"), Meant(question.key, True).pack()),
                Button(t.pgettext("did you mean", "No"), Meant(question.key, False).pack()),
            ),
        ),
    )


def typed_reply(event: Event, ctx: Context, question: Question) -> bool | None:
    """A typed yes or no to an open "Did you mean …?"; None when none is open or the text is neither."""
    if event.kind is not EventKind.TEXT or question.kind not in GUESSED or len(ctx.conversation.pending) != 2:
        return None
    words, typed = typed_words(ctx), fold(event.text)
    return True if typed in words.yes else False if typed in words.no else None


def settle(question: Question, meant: bool, pressed: Pressed) -> Any | Invalid | None:
    """The answer a Yes or No gives; Invalid when No leaves nothing to store; None when none is open."""
    pending = pressed.ctx.conversation.pending
    if question.kind not in GUESSED or len(pending) != 2:
        return None
    pressed.ctx.conversation.pending = []
    suggested, typed = pending
    if meant:
        return int(suggested) if question.kind is Kind.YEAR else suggested
    if typed:
        return typed
    return year_as_digits(question, this_year(pressed.ctx.now, pressed.ctx.program.time_zone))
