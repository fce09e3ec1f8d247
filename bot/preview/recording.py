"""A translator that notes each catalog message it gives, so the preview can name the messages a
reply is made of (a reviewer reports "#k3f9q2", not a screenshot)."""

from __future__ import annotations

import gettext
import hashlib
import re
from base64 import b32encode
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.catalogs import LOCALES, Catalogs, Translator

# gettext's separator between a message's context and its msgid, in .mo files and in our ids.
CONTEXT_SEPARATOR: Final = "\x04"
PLACEHOLDER: Final = re.compile(r"\{[^{}]*\}")
# The direction marks and isolates handlers.core.bidi puts around runs: not part of a catalog's words.
BIDI_CONTROLS: Final = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def message_id(msgid: str, context: str | None = None) -> str:
    """A short id, the same in every language and every run, for a catalog entry (context and msgid)."""
    key = msgid if context is None else f"{context}{CONTEXT_SEPARATOR}{msgid}"
    return b32encode(hashlib.sha256(key.encode()).digest()).decode()[:6].lower()


@dataclass(frozen=True)
class Used:
    """One catalog message a reply may contain: its id, its English msgid and what the reader saw."""

    id: str
    msgid: str
    shown: str
    context: str | None = None

    def english(self) -> str:
        """The msgid, after its context where it has one ("my data | No, keep it")."""
        return self.msgid if self.context is None else f"{self.context} | {self.msgid}"

    def fragment(self) -> str:
        """The longest stretch of the shown text without a placeholder: what to look for in a reply."""
        return max((part.strip() for part in PLACEHOLDER.split(self.shown)), key=len, default="")


def plain(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


class RecordingTranslator(Translator):
    """bot.catalogs.Translator, noting every message asked for into `used`."""

    def __init__(self, language: str, catalog: gettext.NullTranslations, used: list[Used]) -> None:
        super().__init__(language, catalog)
        self._used = used

    def _note(self, msgid: str, shown: str, context: str | None = None) -> str:
        self._used.append(Used(message_id(msgid, context), msgid, plain(shown), context))
        return shown

    def gettext(self, message: str) -> str:
        return self._note(message, super().gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._note(singular, super().ngettext(singular, plural, n))

    def pgettext(self, context: str, message: str) -> str:
        return self._note(message, self._catalog.pgettext(context, message), context)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self._note(singular, self._catalog.npgettext(context, singular, plural, n), context)


class RecordingCatalogs(Catalogs):
    """The catalogs, each translator recording into one shared list the preview empties as it goes."""

    def __init__(self, locales: Path = LOCALES) -> None:
        super().__init__(locales)
        self.used: list[Used] = []

    def _load(self, language: str) -> Translator:
        loaded = super()._load(language)
        return RecordingTranslator(language, loaded._catalog, self.used)  # noqa: SLF001 -- same family


def used_in(text: str, used: list[Used]) -> list[Used]:
    """The messages of `used` whose words appear in `text`, once each, in the order they were used."""
    seen: dict[str, Used] = {}
    text = plain(text)
    for entry in used:
        fragment = entry.fragment()
        if fragment and fragment in text and entry.id not in seen:
            seen[entry.id] = entry
    return list(seen.values())
