"""What Telegram carries (handlers.core.channel.Capabilities), declared apart from the aiogram channel.

Apart, because the commands that run Telegram's jobs (`frontdoor jobs run`, `digest`, `erase`…) need
it and never import aiogram, which takes seconds (bot.serve); and because it is Telegram's, not
aiogram's: a second Telegram library would declare the same.
"""

from __future__ import annotations

from typing import Final

from handlers.core.channel import Capabilities
from handlers.core.translator import N_

# The Bot API's published limits: callback_data "1-64 bytes"; a message's text "1-4096 characters";
# "Bots can currently send files of any type of up to 50 MB" (counted here as 50,000,000 bytes).
BUTTON_DATA_BYTES: Final = 64
TEXT_CHARS: Final = 4096
FILE_BYTES: Final = 50_000_000
# A phone screen shows five short labels (numbers) side by side; more would be cut short.
BUTTONS_PER_ROW: Final = 5
NAME: Final = N_("Telegram")
TYPED_DEEP_LINK: Final = "/start {start}"  # what a person types when there is no link to tap


def capabilities(bot_username: str | None) -> Capabilities:
    """Telegram's, for the bot called `bot_username` (from getMe): its deep links open a chat with the
    bot and send it /start with the payload. Without the name (not asked yet, or the terminal's
    rehearsal of this conversation) a deep link is the command to type instead."""
    deep_link = f"https://t.me/{bot_username}?start={{start}}" if bot_username else TYPED_DEEP_LINK
    return Capabilities(
        name=NAME,
        deep_link=deep_link,
        most_button_data_bytes=BUTTON_DATA_BYTES,
        most_text_chars=TEXT_CHARS,
        most_file_bytes=FILE_BYTES,
        buttons_per_row=BUTTONS_PER_ROW,
    )
