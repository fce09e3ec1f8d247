"""A flow's reply made to fit its channel: no edit where none is possible, long text in several
messages, and more choices than one message holds on the messages after it.

Flows write one reply as they would say it; what one message of a channel holds (its Capabilities)
differs: Telegram rewrites a pressed message and carries a hundred buttons, WhatsApp does neither
(ten rows in a list, a body of 1,024 characters under them). Fitted here once, for every flow and
every job, so that no flow asks which messenger it speaks on.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final

from handlers.core.bidi import isolate_foreign
from handlers.core.channel import Capabilities
from handlers.core.events import Button, Reply
from handlers.core.translator import N_, Translator

MORE_CHOICES: Final = N_("More choices ({number} of {total})")
# Room kept under a channel's limit for what the layout adds after fitting: a reader's isolates
# around each run against their direction (handlers.core.bidi), two characters each. A part with
# more runs than that (an English answer of many lines to an Arabic reader) is cut shorter
# (`split_laid_out`): Telegram refuses a text over its limit, and the message would be lost.
LAYOUT_ROOM: Final = 48
# Where a long text may be split, the kindest first: between paragraphs, lines, sentences, words.
BREAKS: Final = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?;:؟۔।])\s+|(?<=[。！？；])"),
    re.compile(r"\s+|(?<=[，、])"),
)


def unedited(reply: Reply) -> Reply:
    """A reply to a press as a new message: there is no pressed message to rewrite, so a question
    rewritten to show its answer becomes that answer alone."""
    if reply.edit and reply.answered is not None:
        return replace(reply, text=reply.answered, edit=False, answered=None)
    return replace(reply, edit=False)


def fit(reply: Reply, channel: Capabilities, t: Translator) -> list[Reply]:
    """`reply` as the messages `channel` can carry, in the order they are read."""
    if reply.contact_card is not None:
        # The card after the words that introduce it, as a message of its own (a card carries no
        # text); on a channel without cards, the words alone, which give the same contact.
        card = [Reply("", contact_card=reply.contact_card)] if channel.sends_contact_cards else []
        return fit(replace(reply, contact_card=None), channel, t) + card
    focus = None
    if reply.edit and not channel.edits_in_place:
        reply, focus = unedited(reply), reply.focus
    pages = _pages([button for row in reply.buttons for button in row], channel.most_choices)
    # The layout is the reader's direction, or the reply's own language's (as the pipeline lays it out).
    parts = split_laid_out(reply.text, _room(channel, bool(pages[0] or reply.keyboard)), reply.language or t.language)
    if len(pages) == 1 and len(parts) == 1:
        return [reply]
    return _in_messages(reply, parts, pages, focus, t)


def _in_messages(
    reply: Reply, parts: list[str], pages: list[list[Button]], focus: str | None, t: Translator
) -> list[Reply]:
    """`reply`'s text `parts` and its choices' `pages` as one message each."""
    # The words before the last part go first, bare; the last carries the first page of choices. An
    # edit rewrites the pressed message with the first part only, and the rest follow it as new
    # messages: each part an edit of that one message, the person would see the last part alone.
    words = [
        replace(
            reply, text=part, buttons=(), keyboard=(), contact_button=None, farewell=False, edit=reply.edit and not n
        )
        for n, part in enumerate(parts)
    ]
    first = replace(
        reply,
        text=parts[-1],
        buttons=_rows(pages[0]) if len(pages) > 1 else reply.buttons,
        edit=reply.edit and len(parts) == 1,
    )
    more = [
        replace(
            first,
            text=t.gettext(MORE_CHOICES).format(number=number, total=len(pages)),
            buttons=_rows(page),
            keyboard=(),
            contact_button=None,
            edit=False,
        )
        for number, page in enumerate(pages[1:], start=2)
    ]
    # A box ticked on a channel that cannot edit: only the message holding it again, not all of them.
    return _holding([first, *more], focus) or [*words[:-1], first, *more]


def _holding(pages: list[Reply], focus: str | None) -> list[Reply]:
    """The page whose choices hold the button `focus` (none without one)."""
    return [page for page in pages if focus and focus in {button.data for row in page.buttons for button in row}]


def _pages(choices: list[Button], most: int | None) -> list[list[Button]]:
    """The choices in pages of `most` (all on one when the channel has no such limit)."""
    if not most or not choices:
        return [choices]
    return [choices[i : i + most] for i in range(0, len(choices), most)]


def _room(channel: Capabilities, with_choices: bool) -> int:
    """How many characters one message's text may have, as its reader gets it (laid out)."""
    most = min(channel.most_text_with_choices or channel.most_text_chars, channel.most_text_chars)
    return most if with_choices else channel.most_text_chars


def _rows(buttons: list[Button]) -> tuple[tuple[Button, ...], ...]:
    return tuple((button,) for button in buttons)


def split_laid_out(text: str, most: int, language: str) -> list[str]:
    """`text` in parts of at most `most` characters once laid out for `language`'s reader, each cut at
    the kindest break that leaves it at least a third full (a paragraph's end, a line's, a sentence's,
    a word's), else at the limit: LAYOUT_ROOM kept for the isolates, cut shorter where a part has more runs."""
    room = max(1, most - LAYOUT_ROOM)
    parts: list[str] = []
    while True:
        cut = len(text) if len(text) <= room else _kindest_cut(text, room)
        while (over := _laid_out_length(text[:cut].rstrip(), most, language) - most) > 0:
            # Cut `over` shorter, it loses at least as much laid out: the isolates are of the runs it keeps.
            cut = _kindest_cut(text, max(1, len(text[:cut].rstrip()) - over))
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
        if not text:
            return parts


def _laid_out_length(text: str, most: int, language: str) -> int:
    """The length of `text` laid out, or just its own where that surely fits `most`: at worst (runs of
    one character, one between) the layout doubles a text, and two more, and it is not done twice."""
    return len(text) if len(text) * 2 + 2 <= most else len(isolate_foreign(text, language))


def _kindest_cut(text: str, most: int) -> int:
    """Where to end the first part: after the last break of the kindest kind within `most`."""
    for kind in BREAKS:
        ends = [match.end() for match in kind.finditer(text, 0, most + 1) if most // 3 <= match.start() <= most]
        if ends:
            return ends[-1]  # the part is cut before the break's spaces, within `most`
    return most
