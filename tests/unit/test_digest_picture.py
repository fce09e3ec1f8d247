"""The digest's picture, looked at: every label is in it, drawn with a font that has all its glyphs
(none the .notdef box), and right-to-left text is shaped as HarfBuzz shapes it, not left in isolated
letters; with no font for a language there is no picture, and one warning.

Skipped where the Noto fonts are not installed (`.ci/run` installs them; README, "The digest's picture").
"""

from __future__ import annotations

import io
import itertools
import logging
from collections.abc import Iterator

import pytest
import uharfbuzz as hb
from PIL import Image, ImageChops, ImageDraw, ImageFont

from bot import digest_picture
from bot.catalogs import PROJECT_CATALOGS
from bot.digest_picture import WIDTH, DigestPictures, Face, Layout, Placed, installed, lay_out, render
from handlers.coordinators.picture import chart
from handlers.core.ports import Chart, Funnel

LANGUAGES = ("en", "fr", "es", "ar", "zh-Hans", "pa", "tl", "ur", "fa", "uk")
WEEK = Funnel(registered=12, approved=9, proposed=7, met=5, referred=3, found_work=1)
TREND = [("2026-11-30", 4), ("2026-12-01", 6), ("2026-12-02", 5), ("2026-12-03", 9), ("2026-12-06", 7)]
NOTO = ("NotoSansArabic-Regular.ttf", "NotoNastaliqUrdu-Regular.ttf", "NotoSansGurmukhi-Regular.ttf")

pytestmark = pytest.mark.skipif(
    not all(name in installed() for name in (*NOTO, "NotoSansCJK-Regular.ttc", "DejaVuSans.ttf")),
    reason="the Noto fonts are not installed here (Debian: fonts-noto-core fonts-noto-cjk)",
)


def the_week(language: str) -> Chart:
    t = PROJECT_CATALOGS.translator(language)
    return chart(t, WEEK, TREND)


def laid_out(language: str) -> Layout:
    layout = lay_out(the_week(language))
    assert layout is not None, f"a font for every {language} label"
    return layout


def alone(placed: Placed, layout: Layout) -> Image.Image:
    """The string drawn by itself where the picture draws it, on the picture's white."""
    canvas = Image.new("RGB", (WIDTH, layout.height), digest_picture.BACKGROUND)
    digest_picture.draw_text(ImageDraw.Draw(canvas), placed, layout.language)
    return canvas


def shaped(face: Face, size: int, text: str) -> tuple[hb.Font, hb.Buffer]:
    """HarfBuzz's own shaping of `text` (in 1/64 pixels): the reference libraqm (inside Pillow) must agree with."""
    font = hb.Font(hb.Face(hb.Blob.from_file_path(face.path), face.index))
    font.scale = (size * 64, size * 64)
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    hb.shape(font, buffer)
    return font, buffer


def reference(face: Face, size: int, text: str) -> Image.Image:
    """`text` as HarfBuzz shapes and rasterizes it, glyph by glyph at its positions: the ink, black on white."""
    font, buffer = shaped(face, size, text)
    raster, pen = hb.RasterDraw(), 0
    for info, position in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True):
        raster.transform = (1 / 64, 0, 0, 1 / 64, (pen + position.x_offset) / 64, position.y_offset / 64)
        raster.draw_glyph(font, info.codepoint)
        pen += position.x_advance
    image = raster.render()
    extents = image.extents
    ink = Image.frombytes("L", (extents.width, extents.height), bytes(image.buffer), "raw", "L", extents.stride, -1)
    return ink_of(ImageChops.invert(ink))


def drawn_by_pillow(face: Face, size: int, text: str, engine: ImageFont.Layout) -> Image.Image:
    font = ImageFont.truetype(face.path, size, index=face.index, layout_engine=engine)
    canvas = Image.new("L", (WIDTH, 4 * size), 255)
    ImageDraw.Draw(canvas).text((size, 3 * size), text, font=font, fill=0, anchor="ls")
    return ink_of(canvas)


def ink_of(image: Image.Image) -> Image.Image:
    """Black where there is ink (more than half), cropped to it."""
    inked = image.convert("L").point(lambda value: 255 if value < 128 else 0)
    box = inked.getbbox()
    assert box is not None, "something is drawn"
    return inked.crop(box)


def overlap(one: Image.Image, other: Image.Image) -> float:
    """How much two inks are the same (intersection over union), at the best shift of a pixel or two."""

    def shifted() -> Iterator[float]:
        width, height = max(one.width, other.width) + 2, max(one.height, other.height) + 2
        for dx, dy in itertools.product(range(3), repeat=2):
            a, b = Image.new("1", (width, height)), Image.new("1", (width, height))
            a.paste(one.convert("1"), (1, 1))
            b.paste(other.convert("1"), (dx, dy))
            both = ImageChops.logical_and(a, b).histogram()[255]
            either = ImageChops.logical_or(a, b).histogram()[255]
            yield both / either

    return max(shifted())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_is_in_the_picture_drawn_with_a_font_that_has_all_its_glyphs(language: str) -> None:
    layout = laid_out(language)
    picture = Image.open(io.BytesIO(render(layout))).convert("RGB")
    texts = [placed.text for placed in layout.texts]
    assert texts[0] == the_week(language).title and len(texts) == 1 + 2 * 6 + 1 + 2 * len(TREND)
    for placed in layout.texts:
        _, buffer = shaped(placed.face, placed.size, placed.text)
        assert 0 not in [info.codepoint for info in buffer.glyph_infos], (
            f"{placed.text!r} has a glyph its font lacks (the .notdef box)"
        )
        by_itself = alone(placed, layout)
        box = ImageChops.difference(by_itself, Image.new("RGB", by_itself.size, "white")).getbbox()
        assert box is not None, f"{placed.text!r} draws something"
        assert by_itself.crop(box).tobytes() == picture.crop(box).tobytes(), f"{placed.text!r} is in the picture"


@pytest.mark.parametrize(("language", "reshaped"), [("ar", 0.3), ("fa", 0.3), ("ur", 0.3), ("pa", 0.05)])
def test_joined_scripts_are_shaped_as_harfbuzz_shapes_them_not_left_as_separate_letters(
    language: str, reshaped: float
) -> None:
    """Each label's ink is HarfBuzz's; `reshaped`: how much less, on average, the same labels drawn
    letter by letter would match it (Arabic script joins every letter; Gurmukhi mostly places vowel
    signs and joins conjuncts)."""
    layout = laid_out(language)
    shaped_ones, unshaped_ones = [], []
    for placed in layout.texts[:13]:  # the title and the funnel's labels and counts
        if placed.text.isascii():
            continue  # a count in Latin digits: nothing to shape
        expected = reference(placed.face, placed.size, placed.text)
        raqm = overlap(drawn_by_pillow(placed.face, placed.size, placed.text, ImageFont.Layout.RAQM), expected)
        assert raqm > 0.7, f"{placed.text!r} is drawn as HarfBuzz shapes it"
        shaped_ones.append(raqm)
        unshaped_ones.append(
            overlap(drawn_by_pillow(placed.face, placed.size, placed.text, ImageFont.Layout.BASIC), expected)
        )
    assert len(shaped_ones) == 7
    assert sum(unshaped_ones) / 7 < sum(shaped_ones) / 7 - reshaped, "letter by letter would look otherwise"


def test_a_right_to_left_picture_reads_from_the_right() -> None:
    arabic, english = laid_out("ar"), laid_out("en")
    assert arabic.texts[0].anchor == "ra" and arabic.texts[0].xy[0] > WIDTH / 2
    assert english.texts[0].anchor == "la" and english.texts[0].xy[0] < WIDTH / 2
    first_day, last_day = arabic.texts[-2 * len(TREND) + 1], arabic.texts[-1]
    assert first_day.xy[0] > last_day.xy[0], "the oldest day on the right"


def test_with_no_font_for_a_language_there_is_no_picture_and_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    only_dejavu = {name: path for name, path in installed().items() if name.startswith("DejaVu")}
    monkeypatch.setattr(digest_picture, "installed", lambda: only_dejavu)  # a machine without Noto
    pictures = DigestPictures()
    with caplog.at_level(logging.WARNING, logger="bot.digest_picture"):
        assert pictures.draw(the_week("pa")) is None, "DejaVu has no Gurmukhi: no picture rather than boxes"
        assert pictures.draw(the_week("pa")) is None
        assert pictures.draw(the_week("zh-Hans")) is None
        assert pictures.draw(the_week("en")) is not None
    assert [record.getMessage() for record in caplog.records] == [
        f"the digest goes without its picture in {language}: no font here draws it "
        "(install fonts-noto-core and fonts-noto-cjk)"
        for language in ("pa", "zh-Hans")
    ], "once a language"


def test_without_libraqm_a_script_that_needs_shaping_gets_no_picture(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(digest_picture, "shaping", lambda: False)  # Pillow here could not load FriBiDi
    pictures = DigestPictures()
    with caplog.at_level(logging.WARNING, logger="bot.digest_picture"):
        assert pictures.draw(the_week("ar")) is None, "never Arabic letters apart, left to right"
        assert pictures.draw(the_week("uk")) is not None, "Cyrillic needs no shaping"
    assert [record.getMessage() for record in caplog.records] == [
        "the digest goes without its picture in ar: Pillow cannot shape text here (install libfribidi0)"
    ]
