"""docs/export.md and the definitions the export's "about" sheet and the report are made from say the same."""

from __future__ import annotations

import re
from pathlib import Path

from storage.export_about import COLUMNS, LABEL_MEANING, SHEETS
from storage.report import BREAKDOWNS, FIGURES

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "export.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `([^`]+)` \| (.+) \|$")


def section(heading: str) -> str:
    """The text under the `## heading...` line, up to the next heading of that level."""
    start = DOCS.index(f"\n## {heading}")
    end = DOCS.find("\n## ", start + 1)
    return DOCS[start : end if end != -1 else None]


def tables(text: str) -> list[dict[str, str]]:
    """Each table of `text` whose rows start with a `name`, as {name: meaning}."""
    found: list[dict[str, str]] = []
    for block in text.split("\n\n"):
        rows = [match.groups() for line in block.splitlines() if (match := ROW.match(line))]
        if rows:
            found.append(dict(rows))
    return found


def test_every_sheet_s_columns_are_documented_as_the_about_sheet_explains_them() -> None:
    headings = {"summary": "Summary", **{sheet: sheet for sheet in SHEETS if sheet != "summary"}}
    for sheet, heading in headings.items():
        assert tables(section(heading))[0] == COLUMNS[sheet], sheet


def test_the_report_s_figures_and_breakdowns_are_documented_as_defined() -> None:
    figures, breakdowns = tables(section("The monthly report"))
    assert figures == dict(FIGURES)
    assert breakdowns == dict(BREAKDOWNS)


def test_the_label_columns_are_documented() -> None:
    assert LABEL_MEANING in section("Labels beside codes")


def test_each_sheet_is_introduced_as_the_about_sheet_introduces_it() -> None:
    headings = {"summary": "Summary", **{sheet: sheet for sheet in SHEETS if sheet != "summary"}}
    for sheet, heading in headings.items():
        assert SHEETS[sheet][0].upper() + SHEETS[sheet][1:] + "." in section(heading), sheet
