"""Translations a program file carries beside its own texts.

A program that words a question its own way cannot wait for the catalogs: a text may be a table of
languages instead of a string (`question = { en = "…", fr = "…" }`). The English one is the msgid,
as everywhere; the others are kept here and looked up before the catalogs (bot/catalogs.py). Option
labels keep the context the catalogs give them (their question's key, or their list's name).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from handlers.core.translator import MSGID_LANGUAGE

TRANSLATED_KEYS: Final = ("question", "label")
# The program's name may be a table too (`name = { en = "…", fr = "…" }`); its translations are
# looked up in this context, so a catalog entry with the same English can never stand in for it.
PROGRAM_NAME: Final = "program name"

# (msgctxt or None, English msgid) -> translated text, for one language
Texts = dict[tuple[str | None, str], str]


@dataclass(frozen=True)
class Place:
    """Where a text stands in the program file, for reports of what is missing ("form connectee, question
    situation: label")."""

    where: str
    context: str | None
    english: str


@dataclass
class OwnTexts:
    """The program file's own translations, and every text it asks for (to find the gaps)."""

    by_language: dict[str, Texts] = field(default_factory=dict)
    places: list[Place] = field(default_factory=list)

    def lookup(self, language: str) -> Texts:
        return self.by_language.get(language, {})


class OwnTextError(ValueError):
    """A translated text that is not a table of language codes to non-empty strings with English among them."""


def take_own_texts(data: dict[str, Any]) -> OwnTexts:
    """Replace each table of translations in the program data (in place) by its English text, and
    gather the translations and every text's place."""
    own = OwnTexts()
    _take_name(data, own)
    for list_name, items in (data.get("lists") or {}).items():
        for index, item in enumerate(items if isinstance(items, list) else ()):
            if isinstance(item, dict):
                _take(item, "label", list_name, f"list {list_name!r}, option {index + 1}", own)
    forms = data.get("forms") or {}
    for role, form in forms.items() if isinstance(forms, dict) else ():
        for question in _questions(form):
            key = str(question.get("key", "?"))
            where = f"form {role!r}, question {key!r}"
            for name in TRANSLATED_KEYS:
                _take(question, name, None, f"{where}: {name}", own)
            options = question.get("options")
            for index, option in enumerate(options if isinstance(options, list) else ()):
                if isinstance(option, dict):
                    _take(option, "label", key, f"{where}, option {index + 1}", own)
    return own


def _questions(form: Any) -> Iterator[dict[str, Any]]:
    questions = form.get("questions") if isinstance(form, dict) else None
    for question in questions if isinstance(questions, list) else ():
        if isinstance(question, dict):
            yield question


def _take_name(data: dict[str, Any], own: OwnTexts) -> None:
    """The program's name: a table of names is checked for the languages it lacks, like any other
    translated text; a name given as plain text is a proper name, the same in every language."""
    program = data.get("program")
    if isinstance(program, dict) and isinstance(program.get("name"), dict):
        _take(program, "name", PROGRAM_NAME, "[program] name", own)


def _take(node: dict[str, Any], name: str, context: str | None, where: str, own: OwnTexts) -> None:
    value = node.get(name)
    if isinstance(value, dict):
        if not all(isinstance(text, str) and text.strip() for text in value.values()):
            raise OwnTextError(f"{where}: each translation must be a non-empty text")
        english = value.get(MSGID_LANGUAGE)
        if not isinstance(english, str):
            raise OwnTextError(f"{where}: a table of translations needs the English text ({MSGID_LANGUAGE} = …)")
        node[name] = english
        for language, text in value.items():
            if language != MSGID_LANGUAGE:
                own.by_language.setdefault(str(language), {})[(context, english)] = text
        value = english
    if isinstance(value, str) and value.strip() and node.get("translate", True) is not False:
        own.places.append(Place(where, context, value))
