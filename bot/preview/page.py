"""The preview as one HTML page: a phone's chat per part of the journey, each message's catalog ids
beside it. Every text is escaped (html.escape); the page loads nothing from elsewhere."""

from __future__ import annotations

from html import escape
from typing import Final

from bot.preview.journey import Journey
from bot.preview.recording import Used
from bot.preview.stage import Bubble
from handlers.core.events import Button
from handlers.core.translator import babel_locale, native_name

# A phone's chat, drawn with the page's logical sides (start / end), so a right-to-left page mirrors it.
CSS: Final = """
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 480px; padding: 6px; background: #dfe7ee; color: #111;
  font: 15px/1.4 system-ui, "Noto Sans", "Noto Sans Arabic", "Noto Naskh Arabic", "Noto Sans CJK SC", sans-serif; }
header { background: #fff; border-radius: 8px; padding: 8px 12px; margin-bottom: 12px; font-size: 13px; }
header h1 { font-size: 16px; margin: 0 0 4px; }
.missing { color: #8a1c1c; }
h2 { font-size: 13px; font-weight: 600; color: #445; text-align: center; margin: 18px 0 8px; }
.msg { display: flex; flex-direction: column; max-width: 94%; margin: 0 0 8px; }
.msg.in { margin-inline-end: auto; }
.msg.out { margin-inline-start: auto; align-items: flex-end; }
.bubble { padding: 6px 10px; border-radius: 12px; background: #fff; overflow-wrap: anywhere;
  white-space: pre-wrap; max-width: 100%; overflow: hidden; }
.out .bubble { background: #e2f7cb; }
.file { display: block; font-size: 13px; color: #2a5885; }
.edited { font-size: 11px; color: #778; }
.ids { font: 10px/1.3 ui-monospace, monospace; color: #8a94a0; margin-top: 2px; overflow-wrap: anywhere; }
.ids abbr { text-decoration: none; cursor: help; margin-inline-end: 6px; display: inline-block; direction: ltr; }
.row { display: flex; gap: 3px; margin-top: 4px; width: 100%; }
.btn { flex: 1 1 0; min-width: 0; padding: 7px 4px; border-radius: 8px; background: rgba(40, 60, 80, .55);
  color: #fff; font-size: 14px; text-align: center; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.btn.pressed { background: #2a5885; outline: 2px solid #9cc3e8; }
.key { background: #f4f6f8; color: #222; border: 1px solid #c6ced6; }
"""


def direction(language: str) -> str:
    """The page's direction: CLDR's for the language (ar, ur and fa read right to left)."""
    return "rtl" if babel_locale(language).text_direction == "rtl" else "ltr"


def ids(used: list[Used]) -> str:
    return "".join(f'<abbr title="{escape(entry.english())}">#{entry.id}</abbr>' for entry in used)


def button(label: str, used: list[Used], classes: str) -> str:
    title = " · ".join(f"#{entry.id} {entry.english()}" for entry in used)
    return f'<span class="{classes}" dir="auto" title="{escape(title)}">{escape(label)}</span>'


def rows(bubble: Bubble) -> str:
    def pressed(b: Button) -> str:
        return "btn pressed" if b.label in bubble.pressed else "btn"

    drawn = [
        "".join(button(b.label, bubble.button_used.get(b.label, []), pressed(b)) for b in row) for row in bubble.buttons
    ]
    keys = [bubble.contact_button] if bubble.contact_button else []
    drawn += [button(key, bubble.button_used.get(key, []), "btn key") for key in (*keys, *bubble.keyboard)]
    return "".join(f'<div class="row">{row}</div>' for row in drawn)


def message(bubble: Bubble) -> str:
    side = "in" if bubble.incoming else "out"
    file = f'<span class="file">📄 {escape(bubble.document)}</span>' if bubble.document else ""
    edited = '<span class="edited"> (edited)</span>' if bubble.edited else ""
    used = bubble.used + [entry for label in bubble.button_used.values() for entry in label]
    unique = list({entry.id: entry for entry in used}.values())
    return (
        f'<div class="msg {side}"><div class="bubble" dir="auto">{file}{escape(bubble.text)}{edited}</div>'
        f'{rows(bubble)}<div class="ids">{ids(unique)}</div></div>'
    )


# Whose chat the page shows, in the words its readers use (docs/glossary.md), not the --role argument's.
READERS: Final = {"connectee": "newcomer", "connector": "volunteer", "coordinator": "coordinator"}


def render(journey: Journey) -> str:
    """The whole page for one language and role."""
    language, reader = journey.language, READERS.get(journey.role, journey.role)
    missing = "".join(f"<li>{escape(part)}</li>" for part in journey.missing)
    not_covered = f'<p class="missing">Not covered yet:</p><ul class="missing">{missing}</ul>' if missing else ""
    parts = "".join(
        f"<section><h2>{escape(scene.title)}</h2>{''.join(message(bubble) for bubble in scene.bubbles)}</section>"
        for scene in journey.phone.scenes
        if scene.bubbles
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(language)}" dir="{direction(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Frontdoor preview: {escape(native_name(language))}, {escape(reader)}</title>"
        f"<style>{CSS}</style></head><body><header>"
        f"<h1>{escape(native_name(language))} · {escape(reader)}</h1>"
        '<p dir="ltr">Every message the bot sends this person, in order. The grey code under each message '
        "(#abc123) names its catalog entries: hover or long-press it for the English text, and quote it "
        "when you report a translation.</p>"
        f"{not_covered}</header><main>{parts}</main></body></html>\n"
    )
