"""Gettext catalogs from locales/, compiled on first use when the .mo is missing or older than the .po.

Each compiled catalog is read once, by gettext, for both its translations and the list of what it
translates (the program file's check at start): Babel's reader, which builds an object per message,
is not used, and Babel's compiler is imported only when a catalog needs compiling.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path
from typing import Final

from handlers.core.own_texts import OwnTexts, Texts

LOCALES: Final = Path(__file__).resolve().parent.parent / "locales"
DOMAIN: Final = "messages"


class Compiled(gettext.GNUTranslations):
    """A compiled catalog (.mo) that also says which messages it translates."""

    # gettext's own table, as it reads it: "context\x04msgid" or "msgid" -> text, (msgid, n) -> a plural form.
    _catalog: dict[str | tuple[str, int], str]

    def entries(self) -> set[tuple[str | None, str]]:
        """The (context, msgid) pairs translated; plural messages left out. An untranslated message is
        not in a compiled catalog at all."""
        found: set[tuple[str | None, str]] = set()
        for key in self._catalog:
            if isinstance(key, str) and key:
                context, separator, msgid = key.rpartition("\x04")
                found.add((context if separator else None, msgid))
        return found


class OwnFirst(gettext.NullTranslations):
    """A program file's own translations of its texts, then the catalog (handlers.core.own_texts)."""

    def __init__(self, texts: Texts, catalog: gettext.NullTranslations) -> None:
        super().__init__()
        self._texts = texts
        self.add_fallback(catalog)

    def gettext(self, message: str) -> str:
        return self._texts.get((None, message)) or super().gettext(message)

    def pgettext(self, context: str, message: str) -> str:
        return self._texts.get((context, message)) or super().pgettext(context, message)


class Translator:
    """handlers.core.translator.Translator over a gettext catalog."""

    def __init__(self, language: str, catalog: gettext.NullTranslations) -> None:
        self.language = language
        self._catalog = catalog

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._catalog.pgettext(context, message)


def catalog_folder(language: str) -> str:
    """gettext's folder name for a language tag: zh-Hans -> zh_Hans."""
    return language.replace("-", "_")


class Catalogs:
    """The catalogs of one locales/ folder; the project's own unless a preview or a test names another."""

    def __init__(self, locales: Path = LOCALES, own: OwnTexts | None = None) -> None:
        self.locales = locales
        self.own = own or OwnTexts()
        self.translator = lru_cache(maxsize=None)(self._load)
        self._compiled = lru_cache(maxsize=None)(self._read)

    def compile(self, language: str) -> Path | None:
        """Compile the language's messages.po to .mo if needed; the .mo path, or None without a .po."""
        folder = self.locales / catalog_folder(language) / "LC_MESSAGES"
        po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
        if not po.is_file():
            return None
        if not mo.is_file() or mo.stat().st_mtime < po.stat().st_mtime:
            from babel.messages.mofile import write_mo
            from babel.messages.pofile import read_po

            with po.open("rb") as source:
                catalog = read_po(source, locale=catalog_folder(language))
            temporary = mo.with_suffix(f".{id(self)}.tmp")
            with temporary.open("wb") as target:
                write_mo(target, catalog)
            temporary.replace(mo)  # atomic, so a second process never reads half a file
        return mo

    def without_catalog(self, languages: tuple[str, ...]) -> list[str]:
        """The languages that have no catalog here, the others compiled if needed.

        Such a language would be offered and shown in English (gettext's fallback) while the
        conversation believed it spoke it, and recorded consent as given in it.
        """
        return [language for language in languages if self.compile(language) is None]

    def _read(self, language: str) -> Compiled | None:
        mo = self.compile(language)
        if mo is None:
            return None
        with mo.open("rb") as source:
            return Compiled(source)

    def _load(self, language: str) -> Translator:
        """The translator for a language; English msgids stand where a catalog has no entry."""
        catalog = self._compiled(language) or gettext.NullTranslations()
        texts = self.own.lookup(language)
        return Translator(language, OwnFirst(texts, catalog) if texts else catalog)

    def entries(self, language: str) -> set[tuple[str | None, str]]:
        """The (context, msgid) pairs the language's catalog translates."""
        catalog = self._compiled(language)
        return catalog.entries() if catalog is not None else set()


PROJECT_CATALOGS: Final = Catalogs()
