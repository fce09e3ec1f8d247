"""What a channel can carry, as one value a flow reads from its context."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

from handlers.core.events import Button
from handlers.core.translator import N_

# The button that shares a person's phone number with the bot (Telegram asks their app for it).
SHARE_MY_NUMBER: Final = N_("📱 Share my phone number")


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
    # character counting two: n buttons side by side each show about row_width / n, less their
    # margins; past that a label is cut short ("…"). Checked at 360 pixels in Chromium (frontdoor preview).
    row_width: int = 36
    # A channel that cannot rewrite a sent message (WhatsApp) gets an edit as a new message: its
    # `answered` line alone where the flow gave one (handlers.core.fitting).
    edits_in_place: bool = True
    # The most choices one message carries (WhatsApp's list: ten rows); more go on further messages.
    most_choices: int | None = None
    # One message's text when it carries choices (WhatsApp's interactive body: 1,024 characters).
    most_text_with_choices: int | None = None
    # msgid: the phone question's button that gives the bot the person's own number. Telegram asks
    # their app to share it; a channel that knows it already (WhatsApp: the number they write from)
    # offers to use it.
    contact_button: str = SHARE_MY_NUMBER
    # Whether a shared contact (Reply.contact_card) goes as a card of its own (WhatsApp's contacts
    # message); elsewhere the reply's text, which says it anyway, is all.
    sends_contact_cards: bool = False
    # How long after a person's last message the channel lets us write to them freely (WhatsApp's 24
    # hours); later only a template registered with it, else the message waits for them (bot.sender).
    reply_window_hours: int | None = None
    # Whether a pressed button is answered by a short notice over the chat (Telegram's toast: "This
    # button has expired."). A channel without one (WhatsApp, whose old messages keep their buttons,
    # nothing being edited) gets the notice as a message: else the press would get no answer at all.
    answers_presses: bool = True

    def rows(self, buttons: list[Button], most: int | None = None, *, room: str = "") -> list[tuple[Button, ...]]:
        """`buttons` in order, as many side by side (at most `most`, or `buttons_per_row`) as the longest
        label allows in full, the same in every row so the keyboard reads as a grid: "Mon am" four to
        a row, a list with "Administration and office support" one. `room`: what a label may gain
        when pressed (a tick), so a press never moves the buttons."""
        most = min(most or self.buttons_per_row, self.buttons_per_row)
        longest = max((width(room + button.label.removeprefix(room)) for button in buttons), default=0)
        # A button's margins take about one character of the row's width.
        side_by_side = next((n for n in range(most, 1, -1) if longest <= self.row_width // n - 1), 1)
        return [tuple(buttons[i : i + side_by_side]) for i in range(0, len(buttons), side_by_side)]

    def link(self, start: str) -> str:
        """What opens the conversation with `start` as its start payload (a referral's personal link)."""
        return self.deep_link.format(start=start)


def width(label: str) -> int:
    """A label's width in characters as a phone draws it: wide (CJK) ones count two, marks none."""
    return sum(
        2 if unicodedata.east_asian_width(char) in "WF" else 0 if unicodedata.category(char) in ("Mn", "Cf") else 1
        for char in label
    )
