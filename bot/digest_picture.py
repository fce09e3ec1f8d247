"""The digest's picture: the week's funnel and the waiting list's trend, as one PNG (handlers.core.ports.Pictures).

Pillow lays each string out with libraqm (HarfBuzz shaping, FriBiDi ordering), so Arabic, Persian
and Urdu are joined and read right to left, and Gurmukhi's vowel signs sit where they belong. Each
string is drawn with the first font, in the reader's language's order of preference, whose
character map holds every character of it: a glyph no font here has would be drawn as a box (the
font's .notdef), so rather than that the picture is not drawn at all, the digest goes as text, and
the log says once which fonts to install (Debian: fonts-noto-core, fonts-noto-cjk; .ci/run does).

The picture is mirrored for a right-to-left reader: labels start on the right, bars grow to the
left, and the days run from right to left.
"""

from __future__ import annotations

import io
import logging
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Final

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from handlers.core.bidi import is_rtl
from handlers.core.ports import Chart

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
HEIGHT: Final = 840
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


class DigestPictures:
    """Pictures for the digest, with the fonts this machine has; a language none draws is told once."""

    def __init__(self) -> None:
        self._told: set[str] = set()

    def draw(self, chart: Chart) -> bytes | None:
        placed = lay_out(chart)
        if placed is None:
            if chart.language not in self._told:
                self._told.add(chart.language)
                log.warning(
                    "the digest goes without its picture in %s: no font here draws it "
                    "(install fonts-noto-core and fonts-noto-cjk)",
                    chart.language,
                )
            return None
        return render(placed)


def lay_out(chart: Chart) -> Layout | None:
    """Where each string and bar goes; None when some string has no font here that draws all of it."""
    rtl = is_rtl(chart.language)

    def x(offset: float) -> float:  # from the reader's starting edge
        return WIDTH - offset if rtl else offset

    start = "r" if rtl else "l"
    texts: list[tuple[str, int, tuple[float, float], str]] = [(chart.title, 40, (x(MARGIN), 70), start + "s")]
    bars: list[tuple[float, float, float, float, str]] = []
    widest = max((count for _, count, _ in chart.steps), default=0) or 1
    room = WIDTH - 2 * MARGIN - 120  # the longest bar leaves room for its number
    for row, (label, count, written) in enumerate(chart.steps):
        top = 100 + row * 78  # a label on its baseline, room below it for Nastaliq's descent, then its bar
        texts.append((label, 26, (x(MARGIN), top + 28), start + "s"))
        length = max(4.0, room * count / widest)
        left, right = sorted((x(MARGIN), x(MARGIN + length)))
        bars.append((left, top + 44, right, top + 66, FUNNEL_INK))
        texts.append((written, 24, (x(MARGIN + length + 12), top + 64), start + "s"))
    texts.append((chart.trend_title, 28, (x(MARGIN), 620), start + "s"))
    highest = max((count for _, count, _ in chart.trend), default=0) or 1
    column = (WIDTH - 2 * MARGIN) / max(len(chart.trend), 1)
    for index, (day, count, written) in enumerate(chart.trend):
        middle = x(MARGIN + column * (index + 0.5))
        height = max(2.0, 120 * count / highest)
        bars.append((middle - column * 0.3, 790 - height, middle + column * 0.3, 790, TREND_INK))
        texts.append((written, 22, (middle, 782 - height), "ms"))
        texts.append((day, 20, (middle, 800), "ma"))
    placed = []
    for text, size, xy, anchor in texts:
        face = face_for(text, chart.language)
        if face is None:
            return None
        placed.append(Placed(text, face, size, xy, anchor))
    return Layout(chart.language, tuple(placed), tuple(bars))


def render(layout: Layout) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
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
def truetype(face: Face, size: int) -> ImageFont.FreeTypeFont:
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
    with TTFont(face.path, fontNumber=face.index, lazy=True) as font:
        return frozenset(font.getBestCmap())
