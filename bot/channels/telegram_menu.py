"""The command menu Telegram shows beside the text field, in every program language, on either library."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from bot.channels.telegram_library import Client, calling

log = logging.getLogger(__name__)

Translate = Callable[[str], Callable[[str], str]]  # a language -> its gettext
MENU_LANGUAGE_CODE: Final = re.compile(r"[a-z]{2}")  # setMyCommands takes this language_code, or none


@dataclass(frozen=True)
class MenuLanguages:
    """Which program language's menu Telegram gets under which of its language codes."""

    published: dict[str, str]  # Telegram's code ("zh") -> the program language shown under it ("zh-Hans")
    skipped: dict[str, str]  # a program language -> why it has no menu of its own


def menu_languages(languages: Sequence[str]) -> MenuLanguages:
    """The command menu's language codes: setMyCommands takes only two lowercase letters (or none).

    A program language is published under its language subtag ("zh-Hans" under "zh", "pt-BR"
    under "pt"); when two share one, the first listed wins, and one without a two-letter code
    ("fil") has no menu of its own: its people see the default menu (the program's first language).
    """
    published: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for language in languages:
        code = re.split(r"[-_]", language, maxsplit=1)[0].lower()
        if not MENU_LANGUAGE_CODE.fullmatch(code):
            skipped[language] = f"{code!r} is not a two-letter code"
        elif code in published:
            skipped[language] = f"{code!r} already shows {published[code]}"
        else:
            published[code] = language
    return MenuLanguages(published, skipped)


async def publish_commands(
    client: Client,
    commands: dict[str, str],
    languages: tuple[str, ...],
    translate: Callable[[str], Callable[[str], str]],
) -> None:
    """The command menu, once per language and once as the default (the program's first language).

    All at once: one after the other, the round trips to Telegram added up to a good part of the start.
    A refusal is raised once every call has ended (the first refused, in the order above).
    """
    menus = menu_languages(languages)
    for language, why in menus.skipped.items():
        log.warning("command menu in %s not published: %s", language, why)
    menus_to_publish: list[tuple[str | None, str]] = [(None, languages[0]), *menus.published.items()]
    calls = []
    for code, language in menus_to_publish:
        gettext = translate(language)
        menu = [(name, gettext(description)) for name, description in commands.items()]
        calls.append(calling(client, "setMyCommands", client.set_commands(menu, code)))
    for ended in await asyncio.gather(*calls, return_exceptions=True):
        if isinstance(ended, BaseException):
            raise ended
    log.info(
        "command menu published under %s",
        ", ".join(f"{code} ({language})" for code, language in menus.published.items()),
    )
