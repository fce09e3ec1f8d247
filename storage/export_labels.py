"""Choice answers in words beside their codes: `answer_sector` = `health`, `answer_sector_label` = "Health care".

The codes stay in their own columns, stable for machines and across languages; each labelled column
is followed by `<column>_label`, in the language the export was asked in (the program's first by
default). A label column is made from its code column a batch at a time, each distinct code looked
up once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from handlers.core.program import DAY_PARTS, DAYS, Kind, Program, Question
from handlers.core.render import PART_NAMES, day_and_times, option_label, weekday_names
from handlers.core.translator import N_, Translator
from handlers.meetings.follow_up_steps import BY_KEY
from storage.export_formats import Batch, Sheet, Value

OTHER: Final = N_("Other: {text}")  # an answer typed under "Other", shown beside its code


@dataclass(frozen=True)
class Labelling:
    """The labels of an export in one language, plain data (a helper process is handed them)."""

    by_sheet: dict[str, dict[str, dict[str, str]]]  # sheet -> code column -> code -> label
    other: str = "Other: {text}"  # a typed "Other" answer, translated


LABEL_SUFFIX: Final = "_label"
LABELLED_KINDS: Final = frozenset({Kind.CHOICE, Kind.MULTI, Kind.AVAILABILITY})
OUTCOMES: Final = {"held": N_("Took place"), "no_show": N_("Someone did not come")}
FOLLOW_UP_CHOICES: Final = ("happened", "again", "work", "helped")
SEPARATOR: Final = "; "
KNOWN_CODES: Final = 5000  # labels kept from batch to batch of a column, at most


def export_labels(program: Program, t: Translator, keys: Sequence[str]) -> Labelling:
    """Every labelled column's labels in `t`'s language, by sheet."""
    participants = {
        f"answer_{key}": _question_labels(t, question)
        for key in keys
        if (question := question_named(program, key)) is not None and question.kind in LABELLED_KINDS
    }
    meetings = {"outcome": {code: t.gettext(label) for code, label in OUTCOMES.items()}}
    if (mode := question_named(program, "meeting_mode")) is not None:
        meetings = {"mode": _question_labels(t, mode)} | meetings
    follow_ups = {
        key: {code: t.gettext(label) for code, label in BY_KEY[key].choices.items()} for key in FOLLOW_UP_CHOICES
    }
    by_sheet = {"participants": participants, "meetings": meetings, "follow_ups": follow_ups}
    return Labelling(by_sheet, t.gettext(OTHER))


def question_named(program: Program, key: str) -> Question | None:
    """The question of `key` in either form (None: the program asks none)."""
    for form in program.forms.values():
        for question in form.questions:
            if question.key == key:
                return question
    return None


def _question_labels(t: Translator, question: Question) -> dict[str, str]:
    if question.kind is Kind.AVAILABILITY:
        days = weekday_names(t.language)
        return {
            f"{day}-{part}": day_and_times(t, days[index], t.gettext(PART_NAMES[part]))
            for index, day in enumerate(DAYS)
            for part in DAY_PARTS
        }
    return {option.value: option_label(t, option) for option in question.options}


def label_column(
    column: Sequence[Value], labels: Mapping[str, str], other: str, known: dict[Value, Value] | None = None
) -> list[Value]:
    """A column of codes as labels: one code, several joined with "; ", or a typed "Other" ({"other": "3"}).

    Each distinct code is labelled once into `known`, kept from batch to batch of the column."""
    known = {None: None} if known is None else known
    if len(known) > KNOWN_CODES:  # memory stays flat: availability's combinations are nearly one a person
        known.clear()
        known[None] = None
    for code in set(column) - known.keys():
        known[code] = _label(code, labels, other)
    return [known[code] for code in column]


def _label(code: Value, labels: Mapping[str, str], other: str) -> Value:
    text = str(code)
    if text in labels:
        return labels[text]
    if text.startswith('{"other"'):
        try:
            typed = json.loads(text).get("other", "")
        except (ValueError, AttributeError):
            return text
        return other.format(text=typed)
    return SEPARATOR.join(labels.get(part, part) for part in text.split(SEPARATOR))


def labelled(sheet: Sheet, labelling: Labelling | None) -> Sheet:
    """`sheet` with a `<column>_label` column after each column its labels have (None: none)."""
    labels = {} if labelling is None else labelling.by_sheet.get(sheet.name, {})
    where = [index for index, name in enumerate(sheet.columns) if name in labels]
    if not where:
        return sheet
    columns: list[str] = []
    for name in sheet.columns:
        columns += [name, name + LABEL_SUFFIX] if name in labels else [name]
    codes = [labels[sheet.columns[index]] for index in where]
    other = labelling.other if labelling is not None else ""
    source = sheet.batches

    async def batches() -> AsyncGenerator[Batch]:
        known: list[dict[Value, Value]] = [{None: None} for _ in where]  # for the whole sheet
        async for batch in source():
            with_labels: list[Sequence[Value]] = []
            for index, column in enumerate(batch):
                with_labels.append(column)
                if index in where:
                    at = where.index(index)
                    with_labels.append(label_column(column, codes[at], other, known[at]))
            yield with_labels

    return replace(sheet, columns=tuple(columns), batches=batches)
