"""What WhatsApp's Cloud API carries (handlers.core.channel.Capabilities) and the limits of its messages.

The figures are the Cloud API's published ones for interactive messages: a reply-buttons message has
"a maximum of 3 buttons", each title "maximum 20 characters"; a list message "a maximum of 10 rows"
across its sections, a row's title at most 24 characters and its description 72, the button that
opens it 20, a section's title 24, a row's id 200; an interactive message's body at most 1,024
characters, a text message's 4,096. Apart from the channel, so that the job commands, which never
open the webhook, can fit a reply to WhatsApp too.
"""

from __future__ import annotations

from typing import Final

from bot.channels.telegram_capabilities import TYPED_DEEP_LINK
from handlers.core.channel import Capabilities
from handlers.core.translator import N_

NAME: Final = N_("WhatsApp")
MOST_BUTTONS: Final = 3
BUTTON_TITLE: Final = 20
MOST_ROWS: Final = 10
ROW_TITLE: Final = 24
ROW_DESCRIPTION: Final = 72
LIST_BUTTON: Final = 20
SECTION_TITLE: Final = 24
ROW_ID: Final = 200
BUTTON_ID: Final = 256
TEXT_CHARS: Final = 4096
INTERACTIVE_BODY: Final = 1024
# A document sent from the Cloud API's media store: "100 MB" (not yet sent by this channel).
FILE_BYTES: Final = 100_000_000
# "Businesses can only send template messages to a user outside the 24-hour customer service window".
REPLY_WINDOW_HOURS: Final = 24


def capabilities() -> Capabilities:
    """WhatsApp's: no edits, ten choices a message, a short body under them; one choice a row, as
    a list shows them. A referral's personal link is what to type: a wa.me link needs the business's
    phone number, which the channel is not told yet."""
    return Capabilities(
        name=NAME,
        deep_link=TYPED_DEEP_LINK,
        most_button_data_bytes=ROW_ID,
        most_text_chars=TEXT_CHARS,
        most_file_bytes=FILE_BYTES,
        buttons_per_row=1,
        edits_in_place=False,
        most_choices=MOST_ROWS,
        most_text_with_choices=INTERACTIVE_BODY,
        reply_window_hours=REPLY_WINDOW_HOURS,
    )
