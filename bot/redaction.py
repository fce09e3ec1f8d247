"""Secrets never reach a log: the bot token (and its secret half) are cut out of every line.

A filter on the log handlers, not care at each call site: an exception from the HTTP client may
carry the request's URL, and the Bot API's URL holds the token.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Final

REDACTED: Final = "[secret]"
SHORTEST: Final = 8  # shorter strings are too likely to be ordinary words or numbers


def secrets_of_token(token: str | None) -> list[str]:
    """The whole token and the part after its colon (the part before is the bot's public id)."""
    if not token:
        return []
    return [token, token.partition(":")[2]]


class Redactor(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({secret for secret in secrets if len(secret) >= SHORTEST}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(secrets: Iterable[str], logger: logging.Logger | None = None) -> Redactor:
    """Put a Redactor on every handler of `logger` (default: the root logger, where every line ends)."""
    redactor = Redactor(secrets)
    for handler in (logger or logging.getLogger()).handlers:
        handler.addFilter(redactor)
    return redactor
