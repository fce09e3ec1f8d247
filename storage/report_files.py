"""The monthly report as a file: XLSX (with an "about" sheet), one CSV file, or JSON.

Each row keeps its stable codes (`breakdown`, `group`) for machines, with their labels beside them
in the reader's language; the "about" sheet says what every column counts (storage.report.FIGURES,
the same definitions as docs/export.md).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import rustpy_xlsxwriter

from handlers.core.program import Program
from handlers.core.render import option_label
from handlers.core.translator import N_, Translator, babel_locale
from storage.export_about import COLUMN, MEANING
from storage.export_formats import escape_formula
from storage.export_labels import OTHER, question_named
from storage.private_files import create_private, private_opener
from storage.report import ANSWERED, BREAKDOWNS, FIGURES, Report

LEADING: Final = ("breakdown", "breakdown_label", "group", "group_label")
COLUMNS: Final = (*LEADING, *(name for name, _ in FIGURES))
LEADING_MEANINGS: Final = (
    N_("what the row's figures are grouped by (a code)"),
    N_("the same, in words"),
    N_("the group: a stored answer's code, a language code, a month or a depth; empty: not answered"),
    N_("the same, in words"),
)


def breakdown_label(t: Translator, breakdown: str) -> str:
    """A breakdown's heading in the report (its own sense: "Sector" here heads a count by sector)."""
    return {
        "total": t.pgettext("report", "Whole month"),
        "month": t.pgettext("report", "Month"),
        "sector": t.pgettext("report", "Sector"),
        "community": t.pgettext("report", "Community"),
        "language": t.pgettext("report", "Language"),
        "heard": t.pgettext("report", "Heard of us"),
        "invitation_depth": t.pgettext("report", "Invitations away"),
    }[breakdown]


ABOUT: Final = "about"
WIDE: Final = 60  # the "about" sheet's meanings, wrapped by the reader's screen beyond


def group_label(t: Translator, program: Program, breakdown: str, group: str) -> str:
    """A group's code as the reader says it: an option's label, "Other: 3", a language's name."""
    if breakdown == "total":
        return t.gettext("All")
    if group == "":
        return t.gettext("Not answered")
    if breakdown == "language":
        return babel_locale(group).get_display_name(babel_locale(t.language)) or group
    if breakdown in ANSWERED:
        question = question_named(program, ANSWERED[breakdown])
        if group.startswith("other: "):
            return t.gettext(OTHER).format(text=group.removeprefix("other: "))
        if question is not None:
            return next((option_label(t, o) for o in question.options if o.value == group), group)
    return group


def records(report: Report, t: Translator, program: Program) -> list[dict[str, Any]]:
    """The report's rows with their labels, one dict per row in `COLUMNS` order."""
    return [
        {
            "breakdown": breakdown,
            "breakdown_label": breakdown_label(t, breakdown),
            "group": group,
            "group_label": group_label(t, program, breakdown, group),
        }
        | figures
        for breakdown, group, figures in report.rows
    ]


def about(t: Translator) -> list[dict[str, str]]:
    """Every column's meaning in the reader's language, then every breakdown's."""
    column, meaning = t.gettext(COLUMN), t.gettext(MEANING)
    meanings = [*LEADING_MEANINGS, *(definition for _, definition in FIGURES)]
    rows = [{column: name, meaning: t.gettext(text)} for name, text in zip(COLUMNS, meanings, strict=True)]
    rows += [{column: f"breakdown = {name}", meaning: t.gettext(text)} for name, text in BREAKDOWNS]
    return rows


def write_report(
    kind: str, report: Report, t: Translator, program: Program, out: Path | io.TextIOBase | None, now: datetime
) -> int:
    """The report to `out` (a path: written as NAME.part, renamed once whole; None or a text stream:
    JSON there); how many rows."""
    rows = records(report, t, program)
    target = out.with_name(out.name + ".part") if isinstance(out, Path) else out
    writers: dict[str, Callable[[], None]] = {
        "json": lambda: _json(report, rows, t, program, target, now),
        "csv": lambda: _csv(rows, target),
        "xlsx": lambda: _xlsx(rows, t, target),
    }
    try:
        writers[kind]()
        if isinstance(out, Path) and isinstance(target, Path):
            target.replace(out)
    finally:
        if isinstance(target, Path):
            target.unlink(missing_ok=True)
    return len(rows)


def _json(report: Report, rows: list[dict[str, Any]], t: Translator, program: Program, out: Any, now: datetime) -> None:
    whole = {
        "month": str(report.month),
        "time_zone": program.time_zone,
        "language": t.language,
        "made_at": now.isoformat(timespec="seconds"),
        "figures": {name: t.gettext(definition) for name, definition in FIGURES},
        "rows": rows,
    }
    text = json.dumps(whole, ensure_ascii=False, indent=1) + "\n"
    if isinstance(out, Path):
        with open(out, "w", encoding="utf-8", opener=private_opener) as file:
            file.write(text)
    else:
        (out or sys.stdout).write(text)


def _csv(rows: list[dict[str, Any]], out: Any) -> None:
    with open(out, "w", encoding="utf-8-sig", newline="", opener=private_opener) as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for row in rows:  # a few dozen rows: the groups, not the people
            writer.writerow([escape_formula(value) if isinstance(value, str) else value for value in row.values()])


def _xlsx(rows: list[dict[str, Any]], t: Translator, out: Any) -> None:
    create_private(out)
    notes = about(t)
    widths: list[float] = [max(len(name), 12) + 2 for name in COLUMNS]
    for index, name in enumerate(COLUMNS[:4]):
        widths[index] = min(40, max([len(name), *(len(str(row[name])) for row in rows)]) + 2)
    rustpy_xlsxwriter.write_worksheets(
        [("report", rows), (ABOUT, notes)],
        str(out),
        bold_headers=True,
        freeze_panes={"general": {"row": 1, "col": 0}},
        autofilter={"report": True},
        column_widths={"report": widths, ABOUT: [max(len(row[next(iter(row))]) for row in notes) + 2.0, WIDE]},
    )
