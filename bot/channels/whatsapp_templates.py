"""WhatsApp's message templates: the Cloud API's `type: template` message, and its language codes.

Outside a person's 24-hour window the Cloud API takes only a template registered with Meta for the
business (bot.reply_window): named by the program file per language (handlers.core.program), its
text printed for registering by `frontdoor whatsapp templates --language fr`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Final

from handlers.core.program import Program
from handlers.core.render import format_when
from handlers.core.templates import TEMPLATES
from handlers.core.translator import Translator

# Meta's code for a language where it is not ours: its templates know Chinese as zh_CN (simplified)
# and Tagalog as Filipino (fil); the others are the same two letters.
META_LANGUAGES: Final = {"zh-Hans": "zh_CN", "tl": "fil"}
# What fills a blank in the examples Meta's reviewers read: a first name, a meeting's time.
EXAMPLE_NAME: Final = "Amal"
EXAMPLE_WHEN: Final = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
# A parameter may hold no new line or tab, nor more than four spaces in a row (error 132018).
_SPACES: Final = re.compile(r"\s+")


def meta_language(language: str) -> str:
    """Our language code as a template's `language.code`."""
    return META_LANGUAGES.get(language, language)


def template_message(to: str, name: str, language: str, parameters: list[str]) -> dict[str, Any]:
    """The Cloud API's body for template `name` in `language`, its body's blanks filled in order."""
    filled = [{"type": "text", "text": _SPACES.sub(" ", str(parameter)).strip() or "?"} for parameter in parameters]
    template: dict[str, Any] = {"name": name, "language": {"code": meta_language(language)}}
    if filled:
        template["components"] = [{"type": "body", "parameters": filled}]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": template,
    }


def registered(program: Program, kind: str, language: str) -> str | None:
    """The name the program registered the template of `kind` under for `language`; None: not registered."""
    return program.whatsapp_templates.get(language, {}).get(kind)


def listing(program: Program, t: Translator) -> str:
    """Each template to register for `t`'s language: its name, category, Meta's language code, its
    body with numbered blanks, an example for each blank; and whether the program file names it."""
    blocks = []
    for kind, text in TEMPLATES.items():
        named = registered(program, kind, t.language)
        told = f"named in the program file as {named}" if named else "not named in the program file yet"
        lines = [
            f"{text.name}  ({kind}: {told})",
            "  category: UTILITY",
            f"  language: {meta_language(t.language)}",
            f"  body: {text.numbered(t)}",
        ]
        examples = {"name": EXAMPLE_NAME, "when": format_when(EXAMPLE_WHEN, t, program.time_zone)}
        lines += [f"  example {{{{{number}}}}}: {examples[blank]}" for number, blank in enumerate(text.blanks, start=1)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
