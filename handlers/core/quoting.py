"""Words a participant typed, shown to someone else: quoted, and their links never previewed.

A coordinator's notice, the connector's introduction or the meeting details show what a person
typed (a name, an occupation, a job title, a meeting area). Such words must not pass for the program's
own (a typed "Approved by the coordinator" in a notice), and a link in them must not unfold into a
preview card the program seems to vouch for. So the typed words are put in the reader's
language's quotation marks ("“…”", "« … »", "”…“": a msgid each catalog translates), around the
right-to-left isolate their text already has for Arabic, Urdu and Persian readers: the isolate
keeps the words' own direction from moving the marks, and the marks, outside it, take the
line's direction, so they open and close on the right sides in either script. Marks are plain
text, shown alike by every channel (Telegram, the terminal, a next one), where entities or
markup would be one channel's; and a wrong entity offset would make Telegram refuse the whole
message. A name is marked as someone else's words but not put in quotation marks: it reads as
part of the sentence it is in ("Amal accepted").

Whether a reply shows someone's words is known where they are formatted into it, deep in a
flow; the reply is settled once, in the pipeline (bot/pipeline.py): `OTHERS_WORDS`, a Unicode
noncharacter (one Unicode leaves to programs for their own use; taken out of the words it marks,
should someone type it), marks them on the way and becomes the reply's `shows_others_words`,
which a channel turns into "no link previews" (Telegram: link_preview_options.is_disabled).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from handlers.core.events import Button, Reply
from handlers.core.translator import N_, Translator

OTHERS_WORDS: Final = "\ufdd0"
QUOTED: Final = N_("“{words}”")


def unmarked(text: str) -> str:
    """`text` without the marker: typed text can never carry it into a reply."""
    return text.replace(OTHERS_WORDS, "")


def mentioned(words: str) -> str:
    """Someone's typed words (as laid out for the reader) that appear in a reply as they are, a name."""
    return OTHERS_WORDS + unmarked(words) if words else ""


def quoted(words: str, t: Translator) -> str:
    """Someone's typed words (as laid out for the reader), in the reader's quotation marks."""
    return OTHERS_WORDS + t.gettext(QUOTED).format(words=unmarked(words)) if words else ""


def settled(reply: Reply) -> Reply:
    """The reply as channels get it: the marker gone, and `shows_others_words` set where it was."""
    labels = [button.label for row in reply.buttons for button in row]
    caption = reply.document.caption if reply.document else ""
    if not any(OTHERS_WORDS in text for text in (reply.text, caption, *labels)):
        return reply
    return replace(
        reply,
        text=unmarked(reply.text),
        buttons=tuple(tuple(Button(unmarked(button.label), button.data) for button in row) for row in reply.buttons),
        document=replace(reply.document, caption=unmarked(reply.document.caption)) if reply.document else None,
        shows_others_words=True,
    )
