"""A form's questions as data (kinds, options, conditions) and how a program file's question tables are read.

handlers.core.program reads the whole program file and hands each [[forms.<role>.questions]] table here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from handlers.core.translator import N_

KEY_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
VALUE_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,23}$")
DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # in Python's weekday() order
WEEKDAYS: Final = DAYS[:5]  # an availability question's days unless the program file names others
DAY_PARTS: Final = ("morning", "midday", "afternoon", "evening")
# Local clock hours each part of a day covers; the availability question's hint says the same.
DAY_PART_HOURS: Final = {"morning": (9, 12), "midday": (12, 14), "afternoon": (14, 17), "evening": (17, 20)}
THIS_YEAR: Final = "this_year"
# What a question's table may hold (README, "The program file"): any other name is a typo whose
# setting would be silently lost ("optinal = true" would make a question required).
QUESTION_FIELDS: Final = (
    "key", "kind", "label", "question", "optional", "sensitive", "options", "other", "min", "max",
    "max_length", "min_choices", "days", "times", "ask_if", "version",
)  # fmt: skip


class Kind(StrEnum):
    """The kinds of question a form can ask."""

    TEXT = "text"
    CHOICE = "choice"
    MULTI = "multi"
    YEAR = "year"
    NUMBER = "number"
    PHONE = "phone"
    EMAIL = "email"
    LINK = "link"
    AVAILABILITY = "availability"
    CONSENT = "consent"


class ProgramError(ValueError):
    """A program file that cannot be used; the message names the file, the question and the problem."""


Fail = Callable[[str], ProgramError]  # makes the error for a problem, prefixed with where it is


def within(fail: Fail, where: str) -> Fail:
    return lambda problem: fail(f"{where}{problem}")


@dataclass(frozen=True)
class Option:
    value: str
    label: str  # msgid, or a proper name when the list is not translated
    translated: bool = True
    # The msgctxt: the list or question the option belongs to. "Something else" under Education
    # and under Situation are two texts a translator may word differently.
    context: str = ""


@dataclass(frozen=True)
class Condition:
    """Ask a question only when another answer is one of `values`."""

    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    key: str
    kind: Kind
    text: str  # msgid
    label: str  # msgid: the short name on the review screen and its Edit button
    optional: bool = False
    sensitive: bool = False  # a "Prefer not to say" option, and the consent text says it may be declined
    options: tuple[Option, ...] = ()
    other: bool = False  # an "Other" button that asks for a typed answer
    minimum: int | None = None
    maximum: int | None = None
    this_year_max: bool = False  # a year question whose maximum is the current year
    max_length: int = 200
    min_choices: int = 1
    ask_if: Condition | None = None
    version: str = ""  # consent text version


Lists = dict[str, tuple[Option, ...]]


def parse_lists(raw: Any, fail: Fail) -> Lists:
    if not isinstance(raw, dict):
        raise fail("[lists] must be a table of named option lists")
    lists: Lists = {}
    for list_name, items in raw.items():
        if not isinstance(items, list) or not items:
            raise fail(f"list {list_name!r} must be a non-empty list")
        lists[list_name] = tuple(
            _parse_option(item, list_name, within(fail, f"list {list_name!r}: ")) for item in items
        )
    return lists


def _parse_option(item: Any, context: str, fail: Fail) -> Option:
    if isinstance(item, str):
        # A bare name (a community, a town) is shown as written, not translated.
        value = re.sub(r"[^a-z0-9]+", "_", item.lower()).strip("_")[:24]
        if item.strip() and not VALUE_PATTERN.match(value):
            # Its button would carry no value back ("台北", "كيتشنر"): every press of it "expired".
            raise fail(
                f"option {item!r} has no ASCII letter or digit to make its value of: "
                f'write it as {{ value = "…", label = {item!r}, translate = false }}'
            )
    elif not isinstance(item, dict) or not isinstance(item.get("value"), str) or not isinstance(item.get("label"), str):
        raise fail("each option needs a value and a label")
    if not (item if isinstance(item, str) else item["label"]).strip():
        # Telegram refuses a button without text, and with it the whole question.
        raise fail("an option's label is empty: it is the text of the option's button")
    if isinstance(item, str):
        return Option(value=value, label=item, translated=False)
    if not VALUE_PATTERN.match(item["value"]):
        raise fail(f"option value {item['value']!r} must be 1-24 lowercase ASCII letters, digits, _ . -")
    return Option(
        value=item["value"], label=item["label"], translated=bool(item.get("translate", True)), context=context
    )


def parse_question(raw: Any, lists: Lists, fail: Fail) -> Question:
    if not isinstance(raw, dict):
        raise fail("each question must be a table")
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise fail(f"question {key!r}: key must be 1-24 lowercase ASCII letters, digits or _")

    bad = within(fail, f"question {key!r}: ")

    unknown = sorted(set(raw) - set(QUESTION_FIELDS))
    if unknown:
        raise bad(f"unknown field {unknown[0]!r} (known: {', '.join(QUESTION_FIELDS)})")
    kind = _kind(raw, bad)
    text = raw.get("question")
    if not isinstance(text, str) or not text.strip():
        raise bad("needs a question text")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        # Without it the key itself ("arrival_year") was shown on the review screen, in every language.
        raise bad('needs a label: its short name on the review screen, e.g. label = "Year arrived"')
    options = _declining(kind, _options(key, kind, raw, lists, bad), bool(raw.get("sensitive")), bad)
    minimum, maximum, this_year_max = _limits(kind, raw, bad)
    version = _version(kind, raw.get("version", ""), bad)
    return Question(
        key=key,
        kind=kind,
        text=text,
        label=label,
        optional=bool(raw.get("optional", False)),
        sensitive=bool(raw.get("sensitive")),
        options=options,
        other=bool(raw.get("other", False)),
        minimum=minimum,
        maximum=maximum,
        this_year_max=this_year_max,
        max_length=_max_length(raw, bad),
        min_choices=int(raw.get("min_choices", 1)),
        ask_if=_condition(raw, bad),
        version=version,
    )


def _kind(raw: dict[str, Any], bad: Fail) -> Kind:
    try:
        return Kind(str(raw.get("kind")))
    except ValueError:
        raise bad(f"unknown kind {raw.get('kind')!r} (one of {', '.join(k.value for k in Kind)})") from None


def _options(key: str, kind: Kind, raw: dict[str, Any], lists: Lists, bad: Fail) -> tuple[Option, ...]:
    raw_options = raw.get("options")
    if kind in (Kind.CHOICE, Kind.MULTI):
        return _choices(key, raw_options, lists, bad)
    if raw_options is not None:
        raise bad(f"a {kind.value} question takes no options")
    if kind is Kind.AVAILABILITY:
        return _grid(raw, bad)
    if "days" in raw or "times" in raw:
        raise bad("only an availability question takes days and times")
    return ()


def _grid(raw: dict[str, Any], bad: Fail) -> tuple[Option, ...]:
    """An availability question's cells ("sat-evening"): its `days` (weekdays unless it says) by its
    `times` (every part of a day unless it says), in the week's and the day's order."""
    days = _some(raw.get("days", list(WEEKDAYS)), DAYS, "days", bad)
    times = _some(raw.get("times", list(DAY_PARTS)), DAY_PARTS, "times", bad)
    return tuple(Option(value=f"{day}-{part}", label=part) for day in days for part in times)


def _some(given: Any, known: tuple[str, ...], name: str, bad: Fail) -> tuple[str, ...]:
    if not isinstance(given, list) or not given or any(item not in known for item in given):
        raise bad(f"{name} must be a non-empty list of {', '.join(repr(item) for item in known)}")
    return tuple(item for item in known if item in given)


PREFER_NOT: Final = Option(value="prefer_not", label=N_("Prefer not to say"))


def _declining(kind: Kind, options: tuple[Option, ...], sensitive: bool, bad: Fail) -> tuple[Option, ...]:
    """A sensitive question's options, "Prefer not to say" last."""
    if not sensitive:
        return options
    if kind is not Kind.CHOICE:
        raise bad("only a choice question can be sensitive (it gets a Prefer not to say option)")
    if PREFER_NOT.value in {option.value for option in options}:
        raise bad(f"a sensitive question adds the option {PREFER_NOT.value!r} itself")
    return (*options, PREFER_NOT)


def _choices(key: str, raw_options: Any, lists: Lists, bad: Fail) -> tuple[Option, ...]:
    if isinstance(raw_options, str) and raw_options.startswith("@"):
        if raw_options[1:] not in lists:
            raise bad(f"options refer to unknown list {raw_options!r}")
        options = lists[raw_options[1:]]
    elif isinstance(raw_options, list) and raw_options:
        options = tuple(_parse_option(item, key, bad) for item in raw_options)
    else:
        raise bad("a choice question needs options (a list, or '@name' of a [lists] entry)")
    values = [option.value for option in options]
    if len(set(values)) != len(values):
        raise bad("two options share a value")
    labels = [option.label.casefold() for option in options]
    twice = next((option.label for option in options if labels.count(option.label.casefold()) > 1), None)
    if twice is not None:
        # Two buttons nobody could tell apart, and a typed label that would press the first only.
        raise bad(f"two options share the label {twice!r}")
    return options


def _limits(kind: Kind, raw: dict[str, Any], bad: Fail) -> tuple[int | None, int | None, bool]:
    """A year or number question's min and max; max may be "this_year"."""
    maximum = raw.get("max")
    this_year_max = maximum == THIS_YEAR
    minimum = raw.get("min")
    if kind in (Kind.YEAR, Kind.NUMBER):
        if not isinstance(minimum, int) or not (this_year_max or isinstance(maximum, int)):
            raise bad(f"a {kind.value} question needs whole-number min and max")
        if isinstance(maximum, int) and minimum > maximum:
            raise bad("min is larger than max")
    return (
        minimum if isinstance(minimum, int) else None,
        maximum if isinstance(maximum, int) else None,
        this_year_max,
    )


def _max_length(raw: dict[str, Any], bad: Fail) -> int:
    max_length = raw.get("max_length", 200)
    if not isinstance(max_length, int) or not 1 <= max_length <= 4000:
        raise bad("max_length must be a whole number from 1 to 4000")
    return max_length


def _condition(raw: dict[str, Any], bad: Fail) -> Condition | None:
    if "ask_if" not in raw:
        return None
    ask_if = raw["ask_if"]
    if not isinstance(ask_if, dict) or not isinstance(ask_if.get("key"), str) or not isinstance(ask_if.get("in"), list):
        raise bad("ask_if needs a key and a list 'in'")
    return Condition(key=ask_if["key"], values=tuple(str(value) for value in ask_if["in"]))


def _version(kind: Kind, version: Any, bad: Fail) -> str:
    if kind is Kind.CONSENT and not (isinstance(version, str) and version):
        raise bad("a consent question needs a version")
    if kind is Kind.CONSENT and not re.fullmatch(r"[A-Za-z0-9._-]{1,24}", version):
        # Room in the store's 32 characters for the ".2" a changed text adds (storage.consents).
        raise bad("a consent version is 1 to 24 letters, digits, dots, dashes or underscores")
    return version if isinstance(version, str) else ""
