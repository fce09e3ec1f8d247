"""The form's screens: a question with its buttons, and the review with an Edit button per answer;
and the check, at start, that every option's button fits what a channel takes back."""

from __future__ import annotations

from typing import Any, Final

from babel.lists import format_list

from handlers.core.channel import Capabilities
from handlers.core.events import Button, Reply
from handlers.core.program import DAYS, Kind, Program, ProgramError, Question
from handlers.core.render import PART_HOURS, PART_NAMES, display_answer, option_label, summary, weekday_names, zone_name
from handlers.core.translator import Translator, babel_locale
from handlers.intake.answers import year_as_digits
from handlers.intake.buttons import (
    Answer,
    ClearAnswer,
    DoneTicking,
    EditAnswer,
    FinishEditing,
    KeepAnswer,
    OtherAnswer,
    SkipQuestion,
    Submit,
    Tick,
)

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
    hint: str | None = None,
    channel: Capabilities,
) -> Reply:
    """The message that asks `question`, with its buttons; `pending` are ticked options.

    `channel`: the channel's capabilities, which lay buttons side by side as far as their labels show in full.
    """
    lines = [t.gettext("Question {number} of {total}").format(number=number, total=total), t.gettext(question.text)]
    if hint:
        lines.append(hint)
    if has_answer:
        lines.append(t.gettext("Your answer now: {answer}").format(answer=display_answer(t, question, current)))
    text = "\n\n".join(lines)
    leave = _leave_as_is(t, question, has_answer)

    if question.kind is Kind.CHOICE:
        buttons = [Button(option_label(t, o), Answer(question.key, o.value).pack()) for o in question.options]
        if question.other:
            buttons.append(Button(t.pgettext("question", "Other (type it)"), OtherAnswer(question.key).pack()))
        return Reply(text, buttons=tuple(channel.rows(buttons, _words_per_row(buttons)) + leave), edit=edit)
    if question.kind is Kind.NUMBER and question.minimum is not None and question.maximum is not None:
        numbers = [
            Button(str(n), Answer(question.key, str(n)).pack()) for n in range(question.minimum, question.maximum + 1)
        ]
        return Reply(text, buttons=tuple(channel.rows(numbers) + leave), edit=edit)
    if question.kind in (Kind.MULTI, Kind.AVAILABILITY):
        ticks = _ticks(t, question, pending or [], channel)
        return Reply(text, buttons=tuple(ticks + leave), edit=edit)
    if question.kind is Kind.PHONE:
        # A share-contact keyboard takes no inline buttons: Keep or Skip is a key that types its label.
        key = t.pgettext("question", "Keep") if has_answer else t.pgettext("question", "Skip")
        return Reply(text, contact_button=t.gettext(channel.contact_button), keyboard=(key,))
    return Reply(text, buttons=tuple(leave), edit=edit)


def hint(t: Translator, question: Question, this_year: int, zone: str) -> str | None:
    """The line under a question that says how to answer it: the times of day and the time zone they are
    read in, or how a year is typed."""
    if question.kind is Kind.AVAILABILITY:
        parts = dict.fromkeys(o.value.split("-")[1] for o in question.options)
        hours = [t.gettext(PART_HOURS[part]) for part in parts]
        listed = format_list(hours, locale=babel_locale(t.language))
        return t.gettext("{hours}\nTime zone: {zone}").format(hours=listed, zone=zone_name(zone, t.language))
    if question.kind is Kind.YEAR:
        example = year_as_digits(question, this_year)
        return t.gettext(example.message).format(**example.params)
    return None


def _leave_as_is(t: Translator, question: Question, has_answer: bool) -> list[tuple[Button, ...]]:
    """The ways past a question without a new answer: Keep for one answered (and, if optional, Remove
    in so many words, never a Skip that would erase it silently), else Skip for an optional one."""
    if has_answer:
        keep = Button(t.pgettext("question", "Keep"), KeepAnswer(question.key).pack())
        remove = [Button(t.gettext("Remove my answer"), ClearAnswer(question.key).pack())] if question.optional else []
        return [(keep, *remove)]
    return [(Button(t.pgettext("question", "Skip"), SkipQuestion(question.key).pack()),)] if question.optional else []


def _words_per_row(buttons: list[Button]) -> int:
    """Options in words: one to a row, two when there are many (if their labels fit uncut)."""
    return 2 if len(buttons) > MANY_OPTIONS else 1


def _ticks(t: Translator, question: Question, ticked: list[str], channel: Capabilities) -> list[tuple[Button, ...]]:
    """Toggle buttons that say what a press will do, so a double tap cannot undo itself; a day's times
    side by side, as many as the channel shows uncut."""

    def toggle(value: str, label: str) -> Button:
        on = value in ticked
        return Button((TICK if on else "") + label, Tick(question.key, value, not on).pack())

    if question.kind is Kind.AVAILABILITY:
        rows = []
        for day in dict.fromkeys(o.value.split("-")[0] for o in question.options):
            cells = [o.value for o in question.options if o.value.startswith(f"{day}-")]
            # A day's times stay on one row where they fit unticked ("Mon am" … "Mon eve"): fourteen
            # rows of two for a week would be worse than a tick that crowds a short label.
            rows += channel.rows([toggle(cell, time_label(t, cell)) for cell in cells])
    else:
        buttons = [toggle(o.value, option_label(t, o)) for o in question.options]
        rows = channel.rows(buttons, _words_per_row(buttons), room=TICK)
    return rows + [(Button(t.gettext("Done"), DoneTicking(question.key).pack()),)]


def review_reply(
    t: Translator, answers: dict[str, Any], visible: list[Question], *, channel: Capabilities, submitted: bool = False
) -> Reply:
    """Every answer, an Edit button for each (two side by side, if the channel shows two uncut), and Submit;
    for a `submitted` registration changed with /edit, Done."""
    if submitted:
        heading = t.gettext("Your registration: tap an answer's button to change it, then Done.")
        close = Button(t.gettext("Done"), FinishEditing().pack())
    else:
        heading = t.gettext("Please check your answers. Tap an answer's button to change it, or Submit.")
        close = Button(t.gettext("Submit"), Submit().pack())
    edits = [Button(t.gettext("✏️ {label}").format(label=t.gettext(q.label)), EditAnswer(q.key).pack()) for q in visible]
    rows = [*channel.rows(edits, 2), (close,)]
    return Reply("\n\n".join([heading, summary(t, answers, visible)]), buttons=tuple(rows))


def time_label(t: Translator, value: str) -> str:
    """An availability button's label ("Mon am") for its value ("mon-morning")."""
    day, _, part = value.partition("-")
    return t.gettext("{day} {time}").format(
        day=weekday_names(t.language)[DAYS.index(day)], time=t.gettext(PART_NAMES[part])
    )


def answer_label(t: Translator, question: Question, value: Any) -> str:
    """The label of the button that answers `question` with `value` (or ticks it), as its screen shows it."""
    if question.kind is Kind.NUMBER:
        return str(value)
    if question.kind is Kind.AVAILABILITY:
        return time_label(t, str(value))
    return option_label(t, next(option for option in question.options if option.value == value))


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
