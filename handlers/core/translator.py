"""The translator port and the marker for texts translated later.

Flows call `t.gettext("…")` (or `t.ngettext`) with the English text as msgid and `str.format`
named placeholders, so a translator sees whole sentences and can reorder them. An English text
used in two senses ("No, keep it": the meeting, or one's data) is asked for with `t.pgettext`
and a context naming the sense, so each sense has its own entry and translation.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final, Protocol

from babel import Locale, UnknownLocaleError, localedata
from babel.core import get_global


class Translator(Protocol):
    """Texts and formats for one language."""

    language: str

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...

    def pgettext(self, context: str, message: str) -> str:
        """`message` in the sense `context` names, where one English text has two meanings."""
        ...


class Translations(Protocol):
    """Gives the translator for a language code."""

    def __call__(self, language: str) -> Translator: ...


# Msgids are English (README, Translating): a text a catalog lacks is shown in English.
MSGID_LANGUAGE: Final = "en"


def language_shown(t: Translator, message: str) -> str:
    """The language `t`'s reader sees `message` in: theirs, or English when their catalog lacks it
    (a consent text changed in the program file and not translated yet)."""
    return t.language if t.gettext(message) != message else MSGID_LANGUAGE


def N_(message: str) -> str:
    """Mark a text for extraction where it is defined; it is translated where it is shown."""
    return message


# Parts of CLDR's data for a locale that nothing here formats (units, currencies, compact numbers,
# relative times, date intervals): more than half of what Babel loads for each language, and kept for
# as long as the process runs (docs/benchmarks.md, "Frontdoor's own memory"). A new use of one of
# them raises KeyError in the tests that format with it, and is then taken off this list.
UNUSED_LOCALE_DATA: Final = (
    "unit_patterns",
    "unit_display_names",
    "compound_unit_patterns",
    "currency_names",
    "currency_names_plural",
    "currency_symbols",
    "currency_formats",
    "currency_unit_patterns",
    "compact_currency_formats",
    "compact_decimal_formats",
    "date_fields",
    "interval_formats",
)


@lru_cache(maxsize=64)
def babel_locale(language: str) -> Locale:
    """Babel's locale for a program language tag (zh-Hans, fr, pa), its unused data let go."""
    locale = Locale.parse(language, sep="-")
    # Babel keeps each locale's data, and that of the locales it inherits from, in dictionaries it
    # loads once and shares (localedata.load: "the results are cached"): dropped there, dropped for good.
    for name in _lineage(str(locale)):
        data = localedata.load(name)
        for key in UNUSED_LOCALE_DATA:
            data.pop(key, None)
    return locale


def _lineage(name: str) -> list[str]:
    """A locale and those it inherits from, as Babel merges them (fil_PH, fil, root); a locale it
    would not load on this path (one with an unlikely script) is only loaded in vain."""
    lineage = [name]
    while name != "root":
        name = get_global("parent_exceptions").get(name) or name.rpartition("_")[0] or "root"
        lineage.append(name)
    return lineage


# Names a language menu shows where CLDR's own name is not what its readers look for.
NATIVE_NAMES: Final = {"tl": "Tagalog", "zh-Hans": "简体中文"}


@lru_cache(maxsize=256)  # Babel parses a tag in about a millisecond; people's apps use few tags
def _language_and_script(tag: str) -> tuple[str, str | None] | None:
    """A tag's language and its (likely) script: zh-cn -> (zh, Hans), zh-tw -> (zh, Hant), tl -> (fil, Latn)."""
    try:
        locale = Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    likely = get_global("likely_subtags").get(str(locale)) or get_global("likely_subtags").get(locale.language)
    script = locale.script or (Locale.parse(likely).script if likely else None)
    return locale.language, script


def negotiate_language(language_code: str | None, supported: tuple[str, ...]) -> str | None:
    """The supported language a person's app asks for (fr-CA -> fr, zh-cn -> zh-Hans), or None.

    Language and script must both match, so a Traditional Chinese or Shahmukhi Punjabi reader
    is asked to choose rather than shown a script they may not read.
    """
    if not language_code:
        return None
    wanted = _language_and_script(language_code)
    if wanted is None:
        return None
    for candidate in supported:
        if _language_and_script(candidate) == wanted:
            return candidate
    return None


def native_name(language: str) -> str:
    """The language's own name for itself, as a menu shows it ("Français")."""
    if language in NATIVE_NAMES:
        return NATIVE_NAMES[language]
    locale = babel_locale(language)
    name = locale.get_display_name(locale) or language
    return name[:1].upper() + name[1:]
