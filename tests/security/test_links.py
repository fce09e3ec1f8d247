"""A profile link is a real web address or kindly refused; no text breaks the check."""

from __future__ import annotations

import pytest

from handlers.core.program import Kind, load_program
from handlers.intake.answers import Invalid, check_typed

PROGRAM = load_program()
LINK_QUESTION = next(q for form in PROGRAM.forms.values() for q in form.questions if q.kind is Kind.LINK)


@pytest.mark.parametrize(
    "typed",
    [
        "http://[oops",  # an unclosed IPv6 bracket: the URL parser itself raises on it
        "[::1",
        "https://]x.com",
        "javascript:alert(1)",
        "http://exa mple.com",
        "https://user:pw@example.com",
        "https://a_b.com",
    ],
)
def test_a_broken_or_hiding_link_is_refused_with_an_example(typed: str) -> None:
    answer = check_typed(LINK_QUESTION, typed, 2026)
    assert isinstance(answer, Invalid)
    assert "linkedin.com/in/your-name" in answer.message


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("linkedin.com/in/amal", "https://linkedin.com/in/amal"),
        ("https://пример.рф/cv", "https://пример.рф/cv"),
    ],
)
def test_a_real_link_is_kept_as_typed(typed: str, stored: str) -> None:
    assert check_typed(LINK_QUESTION, typed, 2026) == stored
