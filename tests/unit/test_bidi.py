"""Mixed directions read as their reader reads them: each run against the reader's direction is
isolated, checked by its text and by an implementation of the Unicode Bidi Algorithm (python-bidi),
which shows the line as a phone would draw it."""

from __future__ import annotations

import pytest
from bidi import get_display  # python-bidi: the Unicode Bidi Algorithm, as a phone lays a line out

from bot.catalogs import PROJECT_CATALOGS
from handlers.core.bidi import FSI, PDI, isolate_foreign, lay_out
from handlers.core.events import Button, Reply

ISOLATES = str.maketrans("", "", FSI + PDI)


def drawn(text: str, language: str) -> str:
    """The line as drawn left to right on the screen, isolate marks (invisible) left out."""
    laid = isolate_foreign(text, language)
    return get_display(laid, base_dir="R" if language in {"ar", "ur", "fa"} else "L").translate(ISOLATES)


@pytest.mark.parametrize(
    ("text", "laid_out"),
    [
        ("اكتب /start:", f"اكتب {FSI}/start{PDI}:"),
        ("مثلاً 2024.", "مثلاً 2024."),
        ("مثلاً 9:00-12:00", f"مثلاً {FSI}9:00-12:00{PDI}"),
        ("من 2 إلى 5 سنوات", "من 2 إلى 5 سنوات"),
        (
            "البريد name@example.com أو linkedin.com/in/your-name؟",
            f"البريد {FSI}name@example.com{PDI} أو {FSI}linkedin.com/in/your-name{PDI}؟",
        ),
        ("الهاتف 519 555 0123", f"الهاتف {FSI}519 555 0123{PDI}"),
        ("مرحبا Maria López، كيف حالك", f"مرحبا {FSI}Maria López{PDI}، كيف حالك"),
        ("Français", "Français"),  # a whole line in one direction lays itself out
        ("اللغة Українська", f"اللغة {FSI}Українська{PDI}"),
        ("اسم 王芳 هنا", f"اسم {FSI}王芳{PDI} هنا"),
        ("(Maria) و 2024", f"({FSI}Maria{PDI}) و 2024"),
        ("الهاتف ۵۱۹ ۵۵۵ ۰۱۲۳", f"الهاتف {FSI}۵۱۹ ۵۵۵ ۰۱۲۳{PDI}"),
        (f"مرحبا {FSI}Maria López{PDI}", f"مرحبا {FSI}Maria López{PDI}"),
    ],
)
def test_a_run_against_a_right_to_left_line_is_isolated_without_the_sentences_punctuation(
    text: str, laid_out: str
) -> None:
    assert isolate_foreign(text, "ar") == laid_out


@pytest.mark.parametrize(
    ("text", "laid_out"),
    [
        ("Name: أمينة 2", f"Name: {FSI}أمينة{PDI} 2"),
        ("Hello أمينة بنت علي, welcome", f"Hello {FSI}أمينة بنت علي{PDI}, welcome"),
        ("Maria López, 519 555 0123", "Maria López, 519 555 0123"),
    ],
)
def test_a_right_to_left_run_in_a_left_to_right_line_is_isolated(text: str, laid_out: str) -> None:
    assert isolate_foreign(text, "en") == laid_out


# What a person typed, and the line each right-to-left language puts it in.
TYPED = ["Maria López", "amina.k@example.com", "+1 519-555-0123", "Zhōu Fāng-Lì", "Олена Коваль", "王芳"]


@pytest.mark.parametrize("language", ["ar", "ur", "fa"])
@pytest.mark.parametrize("typed", TYPED)
def test_typed_words_keep_their_order_on_a_right_to_left_screen(language: str, typed: str) -> None:
    """A catalog sentence with the typed words in it: on screen they read as typed."""
    line = (
        PROJECT_CATALOGS.translator(language)
        .pgettext("coordinator", "{name} already has a proposal under way.")
        .format(name=typed)
    )
    assert line != f"{typed} already has a proposal under way.", "the catalog translates it"
    assert get_display(typed) in drawn(line, language)


@pytest.mark.parametrize("language", ["ar", "ur", "fa"])
def test_button_labels_in_another_script_keep_their_order(language: str) -> None:
    reply = lay_out(Reply(text="…", buttons=((Button("Français", "l:fr"), Button("Українська", "l:uk")),)), language)
    labels = [button.label for row in reply.buttons for button in row]
    assert labels == ["Français", "Українська"], "a label that is one run is its own line: nothing to isolate"


def test_an_unisolated_phone_would_be_scrambled() -> None:
    """The check can fail: without the isolate, the bidi algorithm reverses the phone's groups."""
    assert "519 555 0123" not in get_display("الهاتف 519 555 0123", base_dir="R")
    assert "519 555 0123" in drawn("الهاتف 519 555 0123", "ar")


def test_laying_out_twice_changes_nothing() -> None:
    once = isolate_foreign("مرحبا Maria López و +1 519 555 0123", "ur")
    assert isolate_foreign(once, "ur") == once
