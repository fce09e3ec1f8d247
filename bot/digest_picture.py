"""The digest's picture: the week's funnel and the waiting list's trend, as one PNG (handlers.core.ports.Pictures).

Pillow lays each string out with libraqm (HarfBuzz shaping, FriBiDi ordering), so Arabic, Persian
and Urdu are joined and read right to left, and Gurmukhi's vowel signs sit where they belong. Each
string is drawn with the first font, in the reader's language's order of preference, whose
character map holds every character of it: a glyph no font here has would be drawn as a box (the
font's .notdef), so rather than that the picture is not drawn at all, the digest goes as text, and
the log says once which fonts to install (Debian: fonts-noto-core, fonts-noto-cjk; .ci/run does).
Where Pillow cannot load libraqm (no libfribidi on the machine), a script that needs shaping gets
no picture either, rather than letters drawn apart and in the wrong order.

The picture is mirrored for a right-to-left reader: labels start on the right, bars grow to the
left, and the days run from right to left.

Pillow and fontTools are imported with the first picture (a digest's, once a day), not while the
bot starts: a bot that polls imports only what it needs before it polls (docs/benchmarks.md).
"""

from __future__ import annotations

import io
import logging
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Final

from handlers.core.bidi import is_rtl
from handlers.core.ports import Chart

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

log = logging.getLogger(__name__)

FONT_DIRS: Final = ("/usr/share/fonts", "/usr/local/share/fonts")
# A font file and its face in a collection. Noto Sans CJK's collection: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK.
LATIN: Final = (("DejaVuSans.ttf", 0), ("NotoSans-Regular.ttf", 0))
ARABIC: Final = (("NotoSansArabic-Regular.ttf", 0), ("NotoNaskhArabic-Regular.ttf", 0))
URDU: Final = (("NotoNastaliqUrdu-Regular.ttf", 0), *ARABIC)
GURMUKHI: Final = (("NotoSansGurmukhi-Regular.ttf", 0),)
CHINESE: Final = (("NotoSansCJK-Regular.ttc", 2),)
PREFERRED: Final = {"ar": ARABIC, "fa": ARABIC, "ur": URDU, "pa": GURMUKHI, "zh": CHINESE}
WIDTH: Final = 1000
TREND_HEIGHT: Final = 120  # the waiting list's highest day
MARGIN: Final = 40
BACKGROUND: Final = "white"
INK: Final = "#1f2933"
FUNNEL_INK: Final = "#2f6db3"
TREND_INK: Final = "#d9822b"


@dataclass(frozen=True)
class Face:
    """A font file on this machine, and which face of it (a collection holds several)."""

    path: str
    index: int = 0


@dataclass(frozen=True)
class Placed:
    """One string where the picture draws it: `anchor` is Pillow's (l/r/m, then a = ascender, s = baseline)."""

    text: str
    face: Face
    size: int
    xy: tuple[float, float]
    anchor: str


@dataclass(frozen=True)
class Layout:
    """Everything the picture shows, placed: strings and bars (x0, y0, x1, y1, colour)."""

    language: str
    texts: tuple[Placed, ...]
    bars: tuple[tuple[float, float, float, float, str], ...]
    height: int


class DigestPictures:
    """Pictures for the digest, with the fonts this machine has; a language none draws is told once."""

    def __init__(self) -> None:
        self._told: set[str] = set()

    def draw(self, chart: Chart) -> bytes | None:
        if chart.language.split("-")[0] in PREFERRED and not shaping():
            self._without(chart.language, "Pillow cannot shape text here (install libfribidi0)")
            return None
        layout = lay_out(chart)
        if layout is None:
            self._without(chart.language, "no font here draws it (install fonts-noto-core and fonts-noto-cjk)")
            return None
        return render(layout)

    def _without(self, language: str, why: str) -> None:
        """Say once a language why its digest goes without a picture."""
        if language not in self._told:
            self._told.add(language)
            log.warning("the digest goes without its picture in %s: %s", language, why)


class _NoFont(Exception):
    """A string no font here draws whole."""


class _Page:
    """Strings and bars placed from the top down, each below what is above it, mirrored for a
    right-to-left reader: a script's height (Nastaliq's is twice Latin's) moves what follows, so
    nothing overlaps whatever the language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.rtl = is_rtl(language)
        self.start = "r" if self.rtl else "l"
        self.texts: list[Placed] = []
        self.bars: list[tuple[float, float, float, float, str]] = []

    def x(self, offset: float) -> float:
        """`offset` pixels from the reader's starting edge."""
        return WIDTH - offset if self.rtl else offset

    def text(self, text: str, size: int, xy: tuple[float, float], anchor: str) -> float:
        """Place `text` with its top (anchor's second letter "a") or baseline ("s") at xy; returns its bottom."""
        face = face_for(text, self.language)
        if face is None:
            raise _NoFont(text)
        self.texts.append(Placed(text, face, size, xy, anchor))
        return xy[1] + truetype(face, size).getbbox(text, anchor=anchor, language=self.language)[3]

    def bar(self, start: float, length: float, top: float, bottom: float, colour: str) -> None:
        left, right = sorted((self.x(start), self.x(start + length)))
        self.bars.append((left, top, right, bottom, colour))


def lay_out(chart: Chart) -> Layout | None:
    """Where each string and bar goes; None when some string has no font here that draws all of it."""
    page = _Page(chart.language)
    try:
        y = page.text(chart.title, 40, (page.x(MARGIN), MARGIN), page.start + "a") + 24
        widest = max((count for _, count, _ in chart.steps), default=0) or 1
        room = WIDTH - 2 * MARGIN - 120  # the longest bar leaves room for its number
        for label, count, written in chart.steps:
            y = page.text(label, 26, (page.x(MARGIN), y), page.start + "a") + 8
            length = max(4.0, room * count / widest)
            page.bar(MARGIN, length, y, y + 22, FUNNEL_INK)
            page.text(written, 24, (page.x(MARGIN + length + 12), y + 20), page.start + "s")
            y += 22 + 18
        y = page.text(chart.trend_title, 28, (page.x(MARGIN), y + 12), page.start + "a") + 44
        highest = max((count for _, count, _ in chart.trend), default=0) or 1
        column = (WIDTH - 2 * MARGIN) / max(len(chart.trend), 1)
        base, bottom = y + TREND_HEIGHT, y + TREND_HEIGHT
        for index, (day, count, written) in enumerate(chart.trend):
            middle = page.x(MARGIN + column * (index + 0.5))
            height = max(2.0, TREND_HEIGHT * count / highest)
            page.bars.append((middle - column * 0.3, base - height, middle + column * 0.3, base, TREND_INK))
            page.text(written, 22, (middle, base - height - 8), "ms")
            bottom = max(bottom, page.text(day, 20, (middle, base + 10), "ma"))
    except _NoFont:
        return None
    return Layout(chart.language, tuple(page.texts), tuple(page.bars), int(bottom) + MARGIN)


def render(layout: Layout) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, layout.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for x0, y0, x1, y1, colour in layout.bars:
        draw.rectangle((x0, y0, x1, y1), fill=colour)
    for placed in layout.texts:
        draw_text(draw, placed, layout.language)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def draw_text(draw: ImageDraw.ImageDraw, placed: Placed, language: str) -> None:
    """One string, shaped and ordered by libraqm; the language picks a script's local forms (Urdu's, Persian's)."""
    font = truetype(placed.face, placed.size)
    draw.text(placed.xy, placed.text, font=font, fill=INK, anchor=placed.anchor, language=language)


@cache
def shaping() -> bool:
    """Whether Pillow has libraqm here: its wheels carry it, but it loads the system's FriBiDi."""
    from PIL import features

    return bool(features.check_feature("raqm"))


@cache
def truetype(face: Face, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(face.path, size, index=face.index, layout_engine=ImageFont.Layout.RAQM)


def face_for(text: str, language: str) -> Face | None:
    """The first font, in `language`'s order of preference, that has a glyph for every character of `text`."""
    wanted = {ord(char) for char in text if unicodedata.category(char) not in ("Cc", "Cf", "Zs")}
    for face in faces(language):
        if wanted <= characters(face):
            return face
    return None


def faces(language: str) -> Iterator[Face]:
    """The fonts found here, the language's own script first, then Latin, then every other script."""
    preferred = PREFERRED.get(language.split("-")[0], ())
    order = dict.fromkeys([*preferred, *LATIN, *ARABIC, *URDU, *GURMUKHI, *CHINESE])
    found = installed()
    for name, index in order:
        if name in found:
            yield Face(found[name], index)


@cache
def installed() -> dict[str, str]:
    """Font file names found in the system's font folders, and their paths (the first of a name wins)."""
    found: dict[str, str] = {}
    for folder in FONT_DIRS:
        for root, _, files in sorted(os.walk(folder)):
            for name in files:
                found.setdefault(name, os.path.join(root, name))
    return found


@cache
def characters(face: Face) -> frozenset[int]:
    """The characters a font has glyphs for (its best character map)."""
    from fontTools.ttLib import TTFont

    with TTFont(face.path, fontNumber=face.index, lazy=True) as font:
        return frozenset(font.getBestCmap())
