"""The form's screens: a question with its buttons, and the review with an Edit button per answer;
and the check, at start, that every option's button fits what a channel takes back."""

from __future__ import annotations

from typing import Any, Final

from handlers.core.channel import Capabilities
from handlers.core.events import Button, Reply
from handlers.core.program import DAY_PARTS, WEEKDAYS, Kind, Program, ProgramError, Question
from handlers.core.render import PART_NAMES, display_answer, option_label, summary, weekday_names
from handlers.core.translator import Translator
from handlers.intake.buttons import Answer, DoneTicking, EditAnswer, OtherAnswer, SkipQuestion, Submit, Tick

TICK: Final = "✅ "
MANY_OPTIONS: Final = 8  # above this, options go two to a row so the keyboard fits a phone screen


def question_reply(
    t: Translator,
    question: Question,
    *,
    number: int,
    total: int,
    current: Any = None,
    has_answer: bool = False,
    pending: list[str] | None = None,
    edit: bool = False,
    screen: Capabilities,
) -> Reply:
    """The message that asks `question`, with its buttons; `pending` are ticked options.

    `screen`: the channel's (Capabilities), which lays buttons side by side as far as their labels show in full.
    """
    lines = [t.gettext("Question {number} of {total}").format(number=number, total=total), t.gettext(question.text)]
    if question.kind is Kind.AVAILABILITY:
        lines.append(t.gettext("am = 9:00-12:00, noon = 12:00-14:00, pm = 14:00-17:00, eve = 17:00-20:00"))
    if has_answer:
        lines.append(t.gettext("Your answer now: {answer}").format(answer=display_answer(t, question, current)))
    text = "\n\n".join(lines)
    skip = [Button(t.pgettext("question", "Skip"), SkipQuestion(question.key).pack())] if question.optional else []

    if question.kind is Kind.CHOICE:
        buttons = [Button(option_label(t, o), Answer(question.key, o.value).pack()) for o in question.options]
        if question.other:
            buttons.append(Button(t.pgettext("question", "Other (type it)"), OtherAnswer(question.key).pack()))
        per_row = 2 if len(buttons) > MANY_OPTIONS else 1
        return Reply(text, buttons=tuple(screen.rows(buttons, per_row) + _rows(skip, 1)), edit=edit)
    if question.kind is Kind.NUMBER and question.minimum is not None and question.maximum is not None:
        numbers = [
            Button(str(n), Answer(question.key, str(n)).pack()) for n in range(question.minimum, question.maximum + 1)
        ]
        return Reply(text, buttons=tuple(screen.rows(numbers) + _rows(skip, 1)), edit=edit)
    if question.kind in (Kind.MULTI, Kind.AVAILABILITY):
        ticks = _ticks(t, question, pending or [], screen)
        return Reply(text, buttons=tuple(ticks + _rows(skip, 1)), edit=edit)
    if question.kind is Kind.PHONE:
        return Reply(
            text, contact_button=t.gettext("📱 Share my phone number"), keyboard=(t.pgettext("question", "Skip"),)
        )
    return Reply(text, buttons=tuple(_rows(skip, 1)), edit=edit)


def _ticks(t: Translator, question: Question, ticked: list[str], screen: Capabilities) -> list[tuple[Button, ...]]:
    """Toggle buttons that say what a press will do, so a double tap cannot undo itself; a day's times
    side by side (as many as the channel shows)."""

    def toggle(value: str, label: str) -> Button:
        on = value in ticked
        return Button((TICK if on else "") + label, Tick(question.key, value, not on).pack())

    if question.kind is Kind.AVAILABILITY:
        rows = []
        for day in WEEKDAYS:
            rows += screen.rows([toggle(f"{day}-{part}", time_label(t, f"{day}-{part}")) for part in DAY_PARTS])
    else:
        buttons = [toggle(o.value, option_label(t, o)) for o in question.options]
        rows = screen.rows(buttons, 2 if len(buttons) > MANY_OPTIONS else 1)
    return rows + [(Button(t.gettext("Done"), DoneTicking(question.key).pack()),)]


def time_label(t: Translator, value: str) -> str:
    """An availability button's label ("Mon am") for its value ("mon-morning")."""
    day, _, part = value.partition("-")
    return t.gettext("{day} {time}").format(
        day=weekday_names(t.language)[WEEKDAYS.index(day)], time=t.gettext(PART_NAMES[part])
    )


def answer_label(t: Translator, question: Question, value: Any) -> str:
    """The label of the button that answers `question` with `value` (or ticks it), as its screen shows it."""
    if question.kind is Kind.NUMBER:
        return str(value)
    if question.kind is Kind.AVAILABILITY:
        return time_label(t, str(value))
    return option_label(t, next(option for option in question.options if option.value == value))


def review_reply(t: Translator, answers: dict[str, Any], visible: list[Question], *, screen: Capabilities) -> Reply:
    """Every answer, an Edit button for each (two side by side, where the channel shows both in full), and Submit."""
    lines = [t.gettext("Please check your answers. Tap an answer's button to change it, or Submit.")]
    lines.append(summary(t, answers, visible))
    edits = [Button(t.gettext("✏️ {label}").format(label=t.gettext(q.label)), EditAnswer(q.key).pack()) for q in visible]
    rows = screen.rows(edits, 2) + [(Button(t.gettext("Submit"), Submit().pack()),)]
    return Reply("\n\n".join(lines), buttons=tuple(rows))


def _rows(buttons: list[Button], per_row: int) -> list[tuple[Button, ...]]:
    return [tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def check_buttons(program: Program, channel: Capabilities) -> None:
    """Raise ProgramError if an option's button (its longest data: a tick) would be longer than
    `channel` takes back from a press."""
    for role, form in program.forms.items():
        for question in form.questions:
            for option in question.options:
                if (
                    len(Tick(question.key, option.value, on=True).pack().encode("ascii"))
                    > channel.most_button_data_bytes
                ):
                    raise ProgramError(
                        f"{program.source}: form {role!r}, question {question.key!r}: key and option "
                        f"{option.value!r} are too long for a button"
                    )
