"""Channels turn a platform's updates into Events and Replies into its API calls; no business rule."""

from typing import Final

TELEGRAM: Final = "telegram"  # the Telegram channel's name, known without importing aiogram
WHATSAPP: Final = "whatsapp"  # the WhatsApp Cloud API channel's (bot.channels.whatsapp)
