"""The preview as one HTML page: a phone's chat per part of the journey, each message's catalog ids
beside it. Every text is escaped (html.escape); the page loads nothing from elsewhere."""

from __future__ import annotations

from html import escape
from typing import Final

from bot.preview.catalog import Entry
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
.catalog .bubble { background: #fbfbf4; }
.note { font-size: 12px; color: #445; text-align: center; margin: 0 0 8px; }
.form { display: block; }
.form + .form { border-top: 1px dashed #c6ced6; margin-top: 4px; padding-top: 4px; }
.n { font: 11px ui-monospace, monospace; color: #667; }
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


def shown_ids(journey: Journey) -> set[str]:
    """The ids of every catalog message the journey's bubbles and buttons show."""
    found = set()
    for bubble in journey.phone.bubbles():
        found |= {entry.id for entry in bubble.used}
        found |= {entry.id for label in bubble.button_used.values() for entry in label}
    return found


def catalog_entry(entry: Entry, side: str) -> str:
    """One catalog message as its translation reads, in the language's direction `side` (a text may
    begin with a Latin {placeholder}), each plural form after the number that takes it."""
    forms = "".join(
        f'<span class="form" dir="{side}">'
        + (f'<span class="n" dir="ltr">n = {form.example}:</span> ' if entry.plural else "")
        + f"{escape(form.text)}</span>"
        for form in entry.forms
    )
    english = f'<abbr title="{escape(entry.english())}">#{entry.id}</abbr>'
    return f'<div class="msg in catalog"><div class="bubble">{forms}</div><div class="ids">{english}</div></div>'


# The sections after the journey, in the page's own (English) words, like its header.
FORMS_TITLE: Final = "Messages that change with a number: every form"
FORMS_NOTE: Final = (
    "The chat above shows one form of each; here is each form the language has, with the smallest number "
    "(n) that takes it."
)
UNPLAYED_TITLE: Final = "Messages this journey does not reach"
UNPLAYED_NOTE: Final = (
    "This person may receive them too (after a wrong answer, a command, a rare turn of events), "
    "so they need the same review."
)


def beside_the_journey(journey: Journey, catalog: list[Entry]) -> str:
    """Every plural's forms, then every message the reader may receive that the chat did not show."""
    reader = "coordinator" if journey.role == "coordinator" else "person"
    theirs = [entry for entry in catalog if reader in entry.readers]
    shown = shown_ids(journey)
    plurals = [entry for entry in theirs if entry.plural]
    unplayed = [entry for entry in theirs if not entry.plural and entry.id not in shown]
    sections = []
    for title, note, listed in ((FORMS_TITLE, FORMS_NOTE, plurals), (UNPLAYED_TITLE, UNPLAYED_NOTE, unplayed)):
        if listed:
            sections.append(
                f'<section class="catalog"><h2 dir="ltr">{escape(title)}</h2>'
                f'<p class="note" dir="ltr">{escape(note)}</p>'
                f"{''.join(catalog_entry(entry, direction(journey.language)) for entry in listed)}</section>"
            )
    return "".join(sections)


def render(journey: Journey, catalog: list[Entry] | None = None) -> str:
    """The whole page for one language and role; with the language's `catalog`, what the chat did not
    show of it after the chat."""
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
        "when you report a translation. After the chat come every form of the messages that change with a "
        "number, and the messages the chat does not reach.</p>"
        f"{not_covered}</header><main>{parts}{beside_the_journey(journey, catalog or [])}</main></body></html>\n"
    )
