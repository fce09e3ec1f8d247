"""What a channel can carry, as one value a flow reads from its context."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from handlers.core.events import Button


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
    # How many characters a row of buttons shows in full on the channel's narrow phones, a wide (CJK)
    # character counting two: n buttons side by side each show about row_width / n, less their margins.
    row_width: int = 36

    def rows(self, buttons: list[Button], most: int | None = None) -> list[tuple[Button, ...]]:
        """`buttons` in order, side by side (at most `most`, or `buttons_per_row`) while each label still
        shows in full: "Mon am" four to a row, "Administration and office support" alone."""
        most = min(most or self.buttons_per_row, self.buttons_per_row)
        rows: list[tuple[Button, ...]] = []
        for button in buttons:
            row = rows[-1] if rows else ()
            if rows and len(row) < most and self._fit((*row, button)):
                rows[-1] = (*row, button)
            else:
                rows.append((button,))
        return rows

    def _fit(self, row: tuple[Button, ...]) -> bool:
        # A button's margins take about one character of the row's width.
        return all(width(button.label) <= self.row_width // len(row) - 1 for button in row)

    def link(self, start: str) -> str:
        """What opens the conversation with `start` as its start payload (a referral's personal link)."""
        return self.deep_link.format(start=start)


def width(label: str) -> int:
    """A label's width in characters as a phone draws it: wide (CJK) ones count two, marks none."""
    return sum(
        2 if unicodedata.east_asian_width(char) in "WF" else 0 if unicodedata.category(char) in ("Mn", "Cf") else 1
        for char in label
    )
