"""Property-based fuzz: any input at any question of either form, in any language, is answered and
never stores what the question's own rules would refuse."""

from __future__ import annotations

import asyncio
from typing import Any

import phonenumbers
from email_validator import validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.core.model import Participant
from handlers.core.program import Kind, Program, Question, load_program
from handlers.intake.answers import clean_text
from tests.support.autopilot import complete_intake
from tests.support.chat import ChatClient
from tests.support.clock import NOW

PROGRAM = load_program()
QUESTIONS = sorted(
    (role, question.key)
    for role, form in PROGRAM.forms.items()
    for question in form.questions
    if question.kind is not Kind.CONSENT
)
TYPED_KINDS = (Kind.TEXT, Kind.YEAR, Kind.PHONE, Kind.EMAIL, Kind.LINK)
TRICKY = [
    "A" * 100_000,
    "\u202eevil\u202c",
    '=HYPERLINK("http://evil.example")',
    "javascript:alert(1)",
    "http://exa mple.com",
    "http://[oops",
    "999999999999999999999",
    "-1",
    "1899",
    "+15195550123",
    "+999",
    "a@b",
    "amal@example.com",
    "linkedin.com/in/amal",
    "\x00\x01\x02",
    "🙂" * 300,
    "مرحبا",
    "e:name",
]
COMMANDS = ["/start", "/start r123", "/back", "/cancel", "/language", "/status", "/help", "/timezone", "/x" * 40]
action = st.one_of(
    st.tuples(st.just("text"), st.text(max_size=2000)),
    st.tuples(st.just("text"), st.sampled_from(TRICKY)),
    st.tuples(st.just("text"), st.integers(min_value=1, max_value=5000).map(lambda n: "é" * n)),
    st.tuples(st.just("contact"), st.sampled_from(["+15195550123", "15195550123", "12", "+999", "", "abc"])),
    st.tuples(st.just("sticker"), st.just("")),
    st.tuples(st.just("photo"), st.just("")),
    st.tuples(st.just("command"), st.sampled_from(COMMANDS)),
    st.tuples(st.just("button"), st.integers(min_value=0, max_value=60)),
    st.tuples(st.just("forged"), st.text(max_size=64)),
)


def refused_by_its_question(program: Program, participant: Participant) -> list[str]:
    """The stored answers that the question they answer would not accept if given again."""
    form = program.forms[participant.role.value]
    wrong = []
    for key, value in participant.answers.items():
        question = form.question(key)
        if value is None:
            ok = question.optional or question.kind is Kind.PHONE
        elif isinstance(value, dict):  # "Other", typed
            other = value.get("other")
            ok = question.other and isinstance(other, str) and 0 < len(other) <= 80 and clean_text(other) == other
        elif question.kind in TYPED_KINDS:
            ok = _valid_typed(question, value)
        elif question.kind is Kind.NUMBER:
            ok = isinstance(value, int) and (question.minimum or 0) <= value <= (question.maximum or 0)
        else:
            ok = _among_options(question, value)
        if not ok:
            wrong.append(f"{key}={value!r}")
    return wrong


def _valid_typed(question: Question, value: Any) -> bool:
    """Each kind's rule, checked with the libraries directly, not with the code under test."""
    if question.kind is Kind.TEXT:
        return isinstance(value, str) and 0 < len(value) <= question.max_length and clean_text(value) == value
    if question.kind is Kind.YEAR:
        return isinstance(value, int) and (question.minimum or 1900) <= value <= NOW.year
    if question.kind is Kind.PHONE:
        return (
            isinstance(value, str) and value.startswith("+") and phonenumbers.is_valid_number(phonenumbers.parse(value))
        )
    if question.kind is Kind.EMAIL:
        return isinstance(value, str) and validate_email(value, check_deliverability=False).normalized == value
    return (
        isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 300 and " " not in value
    )


def _among_options(question: Question, value: Any) -> bool:
    values = {option.value for option in question.options}
    if question.kind is Kind.CHOICE:
        return value in values
    return isinstance(value, list) and len(value) >= question.min_choices and set(value) <= values


async def play(language: str, role: str, key: str, actions: list[tuple[str, Any]]) -> None:
    chat = ChatClient(language_code=language)
    await complete_intake(chat, language, role)
    edit = chat.text("✏️ {label}").format(label=chat.text(chat.program.forms[role].question(key).label))
    await chat.click(edit)  # from the review screen, straight to this question
    for kind, value in actions:
        before = len(chat.screen), len(chat.notices), [(m.text, m.buttons) for m in chat.screen]
        if kind == "text":
            await chat.send(value or " ")
        elif kind == "command":
            await chat.send(value)
        elif kind == "contact":
            await chat.share_contact(value)
        elif kind in ("sticker", "photo"):
            await chat.send_photo()
        elif kind == "button":
            buttons = [(message, label) for message in chat.screen[-3:] for label in message.labels()]
            if not buttons:
                continue
            message, label = buttons[value % len(buttons)]
            await chat.click(label, on=message)
        else:
            await chat.press_forged(value)
        changed = [(m.text, m.buttons) for m in chat.screen[: before[0]]] != before[2]
        assert len(chat.screen) > before[0] or len(chat.notices) > before[1] or changed, f"no answer to {kind}"
        assert all(0 < len(message.text) <= 4096 for message in chat.screen), "Telegram takes 1 to 4096 characters"
        for participant in chat.participants.rows.values():
            assert refused_by_its_question(chat.program, participant) == [], f"after {kind} {str(value)[:80]!r}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    language=st.sampled_from(PROGRAM.languages),
    question=st.sampled_from(QUESTIONS),
    actions=st.lists(action, min_size=1, max_size=25),
)
def test_fuzz_of_every_question_in_every_language(
    language: str, question: tuple[str, str], actions: list[tuple[str, Any]]
) -> None:
    role, key = question
    asyncio.run(play(language, role, key, actions))
