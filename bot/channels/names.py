"""Channel names as stored with every conversation and message, importable without the channel itself."""

from typing import Final

TELEGRAM: Final = "telegram"
