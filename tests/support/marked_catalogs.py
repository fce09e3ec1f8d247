"""Test catalogs whose every translated line starts with a marker, so a test can tell a text that
came through the catalog from one that did not (an English msgid, or a string never translated)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from babel.messages.pofile import read_po, write_po

from bot.catalogs import LOCALES, Catalogs

MARK: Final = "¤"


def _marked(text: str) -> str:
    """An untranslated (empty) entry stays empty, so its English msgid shows unmarked."""
    return "\n".join(MARK + line for line in text.split("\n")) if text else text


def marked_catalogs(target: Path, languages: tuple[str, ...]) -> Catalogs:
    """Copies of the project's catalogs under `target`, every msgstr line marked."""
    for language in languages:
        folder = language.replace("-", "_")
        with (LOCALES / folder / "LC_MESSAGES" / "messages.po").open("rb") as source:
            catalog = read_po(source, locale=folder)
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.string, tuple):
                message.string = tuple(_marked(s) for s in message.string)
            else:
                message.string = _marked(message.string)
        out = target / folder / "LC_MESSAGES"
        out.mkdir(parents=True, exist_ok=True)
        with (out / "messages.po").open("wb") as sink:
            write_po(sink, catalog, width=0)
    return Catalogs(target)


def unmarked_lines(text: str) -> list[str]:
    """Lines of a message that did not come from a catalog (blank lines aside)."""
    return [line for line in text.split("\n") if line.strip() and MARK not in line]
