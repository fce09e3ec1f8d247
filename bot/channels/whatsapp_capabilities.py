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
# The Cloud API's supported media: a document "100 MB", an image (JPEG or PNG) "5 MB".
FILE_BYTES: Final = 100_000_000
IMAGE_BYTES: Final = 5_000_000
CAPTION_CHARS: Final = 1024  # a document's or an image's caption
# The phone question's button: on WhatsApp the bot knows the number a person writes from (their
# wa_id), so a tap uses it, instead of asking their app for it as Telegram's button does.
USE_THIS_NUMBER: Final = N_("📱 Use this number")

# The sender's pace on the Cloud API, from Meta's published limits. Throughput: "Cloud API supports
# up to 80 messages per second (mps) by default" for each business phone number (error 130429 past
# it; https://developers.facebook.com/docs/whatsapp/throughput). The pair rate, one business number
# to one WhatsApp user: "1 message every 6 seconds", bursts of "up to 45 messages in 6 seconds"
# borrowed from the pair's future quota (error 131056 past it; the Cloud API overview's "Pair rate
# limits", https://developers.facebook.com/docs/whatsapp/cloud-api/overview). A token bucket
# (bot.pacing.ChatPace) of 45 refilled one every 6 seconds is that rule: a conversation's quick
# replies go at once, a person is never sent more than Meta lets the pair carry.
SEND_RATE: Final = 80.0
PAIR_INTERVAL: Final = 6.0
PAIR_BURST: Final = 45
# "Businesses can only send template messages to a user outside the 24-hour customer service window".
REPLY_WINDOW_HOURS: Final = 24


def capabilities() -> Capabilities:
    """WhatsApp's: no edits, ten choices a message, a short body under them; one choice a row, as
    a list shows them; contacts as cards, and the phone question's button uses the number they
    write from. A referral's personal link is what to type: a wa.me link needs the business's phone
    number, which the channel is not told yet."""
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
        contact_button=USE_THIS_NUMBER,
        sends_contact_cards=True,
        reply_window_hours=REPLY_WINDOW_HOURS,
        answers_presses=False,
    )
