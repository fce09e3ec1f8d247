"""The catalog beside the journey: the messages the script never makes the bot send (an error it does
not provoke, a coordinator's command it does not type...) and every form of the messages that change
with a number, so that no translation goes unreviewed because the journey did not reach it.

A page lists what its reader could receive: the coordinator's page the coordinators' messages and the
export's and report's words (handlers/coordinators, storage), a newcomer's or volunteer's page the
rest. Each entry shows the language's text as its catalog holds it, `{placeholders}` and all.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from babel.messages.pofile import read_po

from bot.catalogs import catalog_folder
from bot.preview.recording import message_id

# Where the messages only coordinators receive are asked for (by the paths pybabel writes as locations).
COORDINATORS_ONLY: Final = ("handlers/coordinators/", "storage/", "handlers/privacy/retention.py")
# The numbers an example is looked for among, for each plural form of a language.
EXAMPLES: Final = range(0, 1001)


@dataclass(frozen=True)
class Form:
    """One form of a translation: for a message with a number, the smallest number that takes it."""

    text: str
    example: int | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    msgid: str
    context: str | None
    forms: tuple[Form, ...]
    readers: frozenset[str]  # "coordinator", "person" or both

    @property
    def plural(self) -> bool:
        return self.forms[0].example is not None

    def english(self) -> str:
        return self.msgid if self.context is None else f"{self.context} | {self.msgid}"


def readers(locations: list[tuple[str, int | None]]) -> frozenset[str]:
    """Who may receive a message asked for at these places (no place known: anyone)."""
    found = {"coordinator" if path.startswith(COORDINATORS_ONLY) else "person" for path, _ in locations}
    return frozenset(found or {"coordinator", "person"})


def examples(plural_expr: str, count: int) -> list[int]:
    """For each of a language's `count` plural forms, the smallest number that takes it."""
    rule = gettext.c2py(plural_expr)
    found: dict[int, int] = {}
    for n in EXAMPLES:
        found.setdefault(rule(n), n)
    return [found.get(form, -1) for form in range(count)]


def entries(locales: Path, language: str) -> list[Entry]:
    """Every message of the language's catalog, in the catalog's order."""
    path = locales / catalog_folder(language) / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        catalog = read_po(file, locale=None)
    numbers = examples(catalog.plural_expr, catalog.num_plurals)
    found = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            singular = str(message.id[0])
            strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
            forms = tuple(Form(text or "", numbers[i]) for i, text in enumerate(strings))
        else:
            singular, forms = str(message.id), (Form(str(message.string or "")),)
        found.append(
            Entry(
                message_id(singular, message.context),
                singular,
                message.context,
                forms,
                readers(list(message.locations)),
            )
        )
    return found
