"""What a channel can carry, as one value a flow reads from its context."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

LABEL_PADDING: Final = 1  # a button's margins, in characters of its row


@dataclass(frozen=True)
class Capabilities:
    """A channel's deep links, limits and screen, declared by the channel (bot/channels), read by flows.

    The line is drawn here so that handlers/ holds no fact of one messenger: how a link opens the
    bot, how long button data, a text or a file may be, and how many buttons fit side by side all
    differ between Telegram, WhatsApp or a terminal. A flow asks its context, never a number of its
    own; a second Telegram library or another messenger is then one module that declares these.
    """

    name: str  # msgid: how people call the channel, where a limit of it is explained to them
    deep_link: str  # a link (or what to type) that opens the conversation with `{start}` as its start payload
    most_button_data_bytes: int  # what a button may carry back when pressed
    most_text_chars: int  # one message's text
    most_file_bytes: int  # one file sent to a person
    buttons_per_row: int  # the most buttons shown side by side, legibly, on the screens the channel serves
    row_chars: int  # the characters of labels a row of buttons shows before one is cut short ("…")

    def fitting(self, labels: Iterable[str], wanted: int) -> int:
        """How many of these buttons go side by side: at most `wanted` and the channel's most, and only as
        many as the longest label allows uncut (a wide character, as in Chinese, counts twice)."""
        longest = max((_width(label) for label in labels), default=0)
        return max(1, min(wanted, self.buttons_per_row, self.row_chars // (longest + LABEL_PADDING)))

    def link(self, start: str) -> str:
        """What opens the conversation with `start` as its start payload (a referral's personal link)."""
        return self.deep_link.format(start=start)


def _width(label: str) -> int:
    """Columns on screen: a wide character (Chinese, an emoji) two, a combining mark (a vowel sign) none."""
    return sum(
        0 if unicodedata.category(char) == "Mn" else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in label
    )
