"""The translator port and the marker for texts translated later.

Flows call `t.gettext("…")` (or `t.ngettext`) with the English text as msgid and `str.format`
named placeholders, so a translator sees whole sentences and can reorder them.
"""

from __future__ import annotations

from typing import Protocol

import babel
from babel import Locale


class Translator(Protocol):
    """Texts and formats for one language."""

    language: str

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class Translations(Protocol):
    """Gives the translator for a language code."""

    def __call__(self, language: str) -> Translator: ...


def N_(message: str) -> str:
    """Mark a text for extraction where it is defined; it is translated where it is shown."""
    return message


def negotiate_language(language_code: str | None, supported: tuple[str, ...]) -> str | None:
    """The supported language closest to what the person's app reports (fr-CA -> fr), or None."""
    if not language_code:
        return None
    tag = language_code.replace("_", "-")
    return babel.negotiate_locale([tag], list(supported), sep="-") or babel.negotiate_locale(
        [tag.split("-")[0]], list(supported), sep="-"
    )


def native_name(language: str) -> str:
    """The language's own name for itself, capitalized as in a menu ("Français")."""
    name = Locale.parse(language, sep="-").get_display_name(Locale.parse(language, sep="-")) or language
    return name[:1].upper() + name[1:]
