"""The translator's preview in a real (headless) Chromium at a phone's width: it loads without an
error, reads in its language's direction, and nothing on it is cut off."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalogs import LOCALES
from bot.preview import journey, page
from handlers.core.program import load_program
from tests.e2e import chromium
from tests.e2e.chromium import chromium_tab

PHONE_WIDTH = 360
# What a reviewer would see cut off: each bubble, button label and id line wider inside than its box.
MEASURE = """(() => {
  const cut = [...document.querySelectorAll('.bubble, .btn, .ids, h2, header')]
    .filter(e => e.scrollWidth > e.clientWidth)
    .map(e => e.className + ': ' + e.textContent.slice(0, 80));
  return {
    direction: getComputedStyle(document.documentElement).direction,
    bubbleDirections: [...new Set([...document.querySelectorAll('main')].map(e => getComputedStyle(e).direction))],
    pageWidth: document.documentElement.scrollWidth,
    bubbles: document.querySelectorAll('.bubble').length,
    buttons: document.querySelectorAll('.btn').length,
    cut,
  };
})()"""


@pytest.mark.parametrize(
    ("language", "role", "direction"),
    [
        ("en", "connectee", "ltr"),
        ("ar", "connectee", "rtl"),
        ("zh-Hans", "connector", "ltr"),
        ("fa", "coordinator", "rtl"),
        ("ur", "connector", "rtl"),
    ],
)
async def test_the_preview_reads_on_a_phone_in_its_direction_with_nothing_cut_off(
    tmp_path: Path, language: str, role: str, direction: str
) -> None:
    played = await journey.play(load_program(), LOCALES, language, role)
    assert played.missing == []
    html = tmp_path / f"preview-{language}.html"
    html.write_text(page.render(played), encoding="utf-8")

    async with chromium_tab() as tab:
        await tab.open(html, PHONE_WIDTH)
        seen = await tab.evaluate(MEASURE)

    assert tab.errors == []
    assert seen["direction"] == direction
    assert seen["bubbleDirections"] == [direction]
    assert seen["pageWidth"] <= PHONE_WIDTH
    assert seen["bubbles"] >= 10 and seen["buttons"] >= 2
    assert seen["cut"] == [], "\n".join(seen["cut"])


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_without_chromium_the_test_is_skipped_here_and_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setattr(chromium, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="apt-get install -y --no-install-recommends chromium"):
        chromium.chromium_or_skip()
