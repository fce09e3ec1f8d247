"""The texts of a program's forms that an offered language would show in English: translated
neither beside the text in the program file nor in the language's catalog."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.catalogs import Catalogs
from handlers.core.program import Program, load_program
from handlers.core.templates import TEMPLATES
from handlers.core.translator import MSGID_LANGUAGE

log = logging.getLogger("frontdoor")


def gaps(program: Program, catalogs: Catalogs) -> dict[str, list[str]]:
    """For each offered language, where its untranslated texts stand ("form 'connectee', question 'x': label")."""
    found: dict[str, list[str]] = {}
    for language in program.languages:
        if language == MSGID_LANGUAGE:
            continue
        known = catalogs.entries(language) | set(program.own_texts.lookup(language))
        missing = [place.where for place in program.own_texts.places if (place.context, place.english) not in known]
        if missing:
            found[language] = missing
    return found


def warn_of_gaps(program: Program, catalogs: Catalogs) -> None:
    """One warning at start naming every gap: people of that language would read those texts in English."""
    lines = [f"{language}: {'; '.join(places)}" for language, places in gaps(program, catalogs).items()]
    if lines:
        log.warning(
            "the program file's texts are untranslated in some offered languages and will be shown in English "
            '(add them beside the text, e.g. question = { en = "…", fr = "…" }, or to the catalogs): %s',
            " | ".join(lines),
        )


def templates_missing(program: Program) -> dict[str, list[str]]:
    """For each offered language, the WhatsApp templates [whatsapp.templates] does not name; nothing
    for a program that names none (it does not use WhatsApp, or has registered none yet)."""
    named = program.whatsapp_templates
    if not named:
        return {}
    found = {
        language: [kind for kind in TEMPLATES if kind not in named.get(language, {})] for language in program.languages
    }
    return {language: kinds for language, kinds in found.items() if kinds}


def check(path: Path, catalogs: Catalogs) -> int:
    """`frontdoor program check FILE`: every gap, one per line; status 1 when there is any."""
    program = load_program(path)
    found = gaps(program, Catalogs(catalogs.locales, own=program.own_texts))
    for language, places in found.items():
        for place in places:
            print(f"{language}: {place}")
    missing = templates_missing(program)
    for language, kinds in missing.items():
        waiting = ", ".join(kinds)
        print(f"{language}: [whatsapp.templates] names no template for {waiting}: those wait past the 24-hour window")
    if not found and not missing:
        print(f"{path}: every text is translated in {', '.join(program.languages)}")
    return 1 if found or missing else 0
