"""A Connector Program as data: its name, languages, lists, consent text and intake forms.

The default program ships as handlers/default_program.toml; FRONTDOOR_PROGRAM_FILE replaces it.
Question and option texts are English msgids, translated when shown, so adding a question means
data plus translations and no code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import UnknownLocaleError

from handlers.channel import Capabilities
from handlers.i18n import babel_locale

DEFAULT_PROGRAM_FILE: Final = Path(__file__).with_name("default_program.toml")
KEY_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
VALUE_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,23}$")
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri")
DAY_PARTS: Final = ("morning", "midday", "afternoon", "evening")
# Local clock hours each part of a day covers; the availability question's hint says the same.
DAY_PART_HOURS: Final = {"morning": (9, 12), "midday": (12, 14), "afternoon": (14, 17), "evening": (17, 20)}
THIS_YEAR: Final = "this_year"


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


@dataclass(frozen=True)
class Option:
    value: str
    label: str  # msgid, or a proper name when the list is not translated
    translated: bool = True


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
    options: tuple[Option, ...] = ()
    other: bool = False  # an "Other" button that asks for a typed answer
    minimum: int | None = None
    maximum: int | None = None
    this_year_max: bool = False  # a year question whose maximum is the current year
    max_length: int = 200
    min_choices: int = 1
    ask_if: Condition | None = None
    version: str = ""  # consent text version


@dataclass(frozen=True)
class Form:
    role: str
    questions: tuple[Question, ...]

    def question(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)

    @property
    def consent(self) -> Question:
        return self.questions[0]


class MatchMode(StrEnum):
    AUTO = "auto"  # the best connector is asked directly
    COORDINATOR = "coordinator"  # a coordinator picks from the top three


@dataclass(frozen=True)
class MatchingRules:
    """How matching, meeting slots and their timings work ([matching] in the program file)."""

    auto_approve: bool = False
    match_mode: MatchMode = MatchMode.AUTO
    meeting_minutes: int = 30
    horizon_days: int = 14
    notice_hours: int = 24
    slots_offered: int = 3
    nudge_after_hours: int = 48
    expire_after_hours: int = 48
    reminder_hours: tuple[int, ...] = (24, 2)


@dataclass(frozen=True)
class FollowUpRules:
    """When people are asked how it went ([follow_up]) and when coordinators get the digest ([digest])."""

    after_meeting_hours: int = 2
    work_days: tuple[int, ...] = (30, 90)
    nudge_after_hours: int = 48
    digest_time: time = time(8, 0)


@dataclass(frozen=True)
class Program:
    name: str
    time_zone: str
    languages: tuple[str, ...]
    default_language: str
    forms: dict[str, Form] = field(default_factory=dict)
    source: str = ""
    matching: MatchingRules = field(default_factory=MatchingRules)
    follow_up: FollowUpRules = field(default_factory=FollowUpRules)
    retention_days: int = 730  # [privacy]: a participant inactive this long is anonymized


def with_consent_versions(program: Program, versions: dict[str, str]) -> Program:
    """The program with each form's consent version as the store numbered it (see storage.consents)."""
    forms = {
        role: replace(form, questions=(replace(form.consent, version=versions[role]), *form.questions[1:]))
        if role in versions
        else form
        for role, form in program.forms.items()
    }
    return replace(program, forms=forms)


def load_program(path: Path | None = None) -> Program:
    """Read and check a program file; any problem raises ProgramError naming file and question."""
    path = path or DEFAULT_PROGRAM_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProgramError(f"{path}: no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProgramError(f"{path}: not valid TOML: {error}") from None
    return parse_program(data, str(path))


def parse_program(data: dict[str, Any], source: str) -> Program:
    def fail(problem: str) -> ProgramError:
        return ProgramError(f"{source}: {problem}")

    section = data.get("program")
    if not isinstance(section, dict):
        raise fail("missing [program] section")
    name = section.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("[program] needs a name")
    time_zone = section.get("time_zone", "America/Toronto")
    try:
        ZoneInfo(str(time_zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(f"[program] time_zone {time_zone!r} is not an IANA time zone") from None
    languages = section.get("languages", ["en"])
    if not isinstance(languages, list) or not languages:
        raise fail("[program] languages must be a non-empty list of language codes")
    for language in languages:
        try:
            babel_locale(str(language))
        except (UnknownLocaleError, ValueError):
            raise fail(f"[program] language {language!r} is not a known language code") from None
    default_language = section.get("default_language", languages[0])
    if default_language not in languages:
        raise fail(f"[program] default_language {default_language!r} is not among languages")

    lists = _parse_lists(data.get("lists", {}), fail)
    forms_data = data.get("forms")
    if not isinstance(forms_data, dict):
        raise fail("missing [forms] section")
    forms: dict[str, Form] = {}
    for role in ("connectee", "connector"):
        form_data = forms_data.get(role)
        if not isinstance(form_data, dict) or not isinstance(form_data.get("questions"), list):
            raise fail(f"form {role!r} needs a list of [[forms.{role}.questions]]")
        questions = tuple(
            _parse_question(raw, lists, _within(fail, f"form {role!r}, ")) for raw in form_data["questions"]
        )
        _check_form(role, questions, fail)
        forms[role] = Form(role=role, questions=questions)
    return Program(
        name=name.strip(),
        time_zone=str(time_zone),
        languages=tuple(str(language) for language in languages),
        default_language=str(default_language),
        forms=forms,
        source=source,
        matching=_parse_matching(data.get("matching", {}), _within(fail, "[matching] ")),
        follow_up=_parse_follow_up(data.get("follow_up", {}), data.get("digest", {}), fail),
        retention_days=_parse_privacy(data.get("privacy", {}), _within(fail, "[privacy] ")),
    )


def _parse_privacy(raw: Any, fail: Fail) -> int:
    if not isinstance(raw, dict):
        raise fail("must be a table of settings")
    unknown = sorted(set(raw) - {"retention_days"})
    if unknown:
        raise fail(f"unknown setting {unknown[0]!r} (known: retention_days)")
    days = raw.get("retention_days", Program.retention_days)
    # At least as long as the last work follow-up (730 days at most) could still be answered.
    if not isinstance(days, int) or isinstance(days, bool) or not 90 <= days <= 3650:
        raise fail("retention_days must be a whole number of days from 90 to 3650")
    return days


# Whole-number settings of [matching]: the smallest and largest value that makes sense.
_MATCHING_NUMBERS: Final = {
    "meeting_minutes": (15, 120),
    "horizon_days": (2, 60),
    "notice_hours": (1, 168),
    "slots_offered": (1, 5),
    "nudge_after_hours": (1, 720),
    "expire_after_hours": (1, 720),
}


def _parse_matching(raw: Any, fail: Fail) -> MatchingRules:
    if not isinstance(raw, dict):
        raise fail("must be a table of settings")
    known = {"auto_approve", "match_mode", "reminder_hours", *_MATCHING_NUMBERS}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise fail(f"unknown setting {unknown[0]!r} (known: {', '.join(sorted(known))})")
    numbers: dict[str, int] = {}
    for name, (low, high) in _MATCHING_NUMBERS.items():
        value = raw.get(name, getattr(MatchingRules, name))
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise fail(f"{name} must be a whole number from {low} to {high}")
        numbers[name] = value
    auto_approve = raw.get("auto_approve", False)
    if not isinstance(auto_approve, bool):
        raise fail("auto_approve must be true or false")
    try:
        mode = MatchMode(raw.get("match_mode", MatchMode.AUTO.value))
    except ValueError:
        raise fail('match_mode must be "auto" or "coordinator"') from None
    reminders = raw.get("reminder_hours", [24, 2])
    if not isinstance(reminders, list) or not all(
        isinstance(hours, int) and not isinstance(hours, bool) and 1 <= hours <= 168 for hours in reminders
    ):
        raise fail("reminder_hours must be a list of whole numbers of hours from 1 to 168")
    return MatchingRules(
        auto_approve=auto_approve,
        match_mode=mode,
        reminder_hours=tuple(sorted(set(reminders), reverse=True)),
        **numbers,
    )


def _parse_follow_up(raw: Any, digest: Any, fail: Fail) -> FollowUpRules:
    if not isinstance(raw, dict) or not isinstance(digest, dict):
        raise fail("[follow_up] and [digest] must be tables of settings")
    unknown = sorted(set(raw) - {"after_meeting_hours", "work_days", "nudge_after_hours"}) or sorted(
        set(digest) - {"time"}
    )
    if unknown:
        raise fail(f"unknown setting {unknown[0]!r} in [follow_up] or [digest]")
    numbers: dict[str, int] = {}
    for name, (low, high) in {"after_meeting_hours": (0, 168), "nudge_after_hours": (1, 720)}.items():
        value = raw.get(name, getattr(FollowUpRules, name))
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise fail(f"[follow_up] {name} must be a whole number from {low} to {high}")
        numbers[name] = value
    work_days = raw.get("work_days", [30, 90])
    if not isinstance(work_days, list) or not all(
        isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= 730 for days in work_days
    ):
        raise fail("[follow_up] work_days must be a list of whole numbers of days from 1 to 730")
    try:
        digest_time = time.fromisoformat(str(digest.get("time", "08:00")))
    except ValueError:
        raise fail('[digest] time must be a time of day like "08:00"') from None
    return FollowUpRules(work_days=tuple(sorted(set(work_days))), digest_time=digest_time, **numbers)


def _within(fail: Fail, where: str) -> Fail:
    return lambda problem: fail(f"{where}{problem}")


def check_buttons(program: Program, channel: Capabilities) -> None:
    """Raise ProgramError if an option's button (its longest data: a tick, t:key:value:1) would be
    longer than `channel` takes back from a press."""
    for role, form in program.forms.items():
        for question in form.questions:
            for option in question.options:
                if len(f"t:{question.key}:{option.value}:1".encode("ascii")) > channel.most_button_data_bytes:
                    raise ProgramError(
                        f"{program.source}: form {role!r}, question {question.key!r}: key and option "
                        f"{option.value!r} are too long for a button"
                    )


def _parse_lists(raw: Any, fail: Fail) -> dict[str, tuple[Option, ...]]:
    if not isinstance(raw, dict):
        raise fail("[lists] must be a table of named option lists")
    lists: dict[str, tuple[Option, ...]] = {}
    for list_name, items in raw.items():
        if not isinstance(items, list) or not items:
            raise fail(f"list {list_name!r} must be a non-empty list")
        lists[list_name] = tuple(_parse_option(item, _within(fail, f"list {list_name!r}: ")) for item in items)
    return lists


def _parse_option(item: Any, fail: Fail) -> Option:
    if isinstance(item, str):
        # A bare name (a community, a town) is shown as written, not translated.
        value = re.sub(r"[^a-z0-9]+", "_", item.lower()).strip("_")[:24]
        return Option(value=value, label=item, translated=False)
    if not isinstance(item, dict) or not isinstance(item.get("value"), str) or not isinstance(item.get("label"), str):
        raise fail("each option needs a value and a label")
    if not VALUE_PATTERN.match(item["value"]):
        raise fail(f"option value {item['value']!r} must be 1-24 lowercase ASCII letters, digits, _ . -")
    return Option(value=item["value"], label=item["label"], translated=bool(item.get("translate", True)))


def _parse_question(raw: Any, lists: dict[str, tuple[Option, ...]], fail: Fail) -> Question:
    if not isinstance(raw, dict):
        raise fail("each question must be a table")
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise fail(f"question {key!r}: key must be 1-24 lowercase ASCII letters, digits or _")

    bad = _within(fail, f"question {key!r}: ")

    try:
        kind = Kind(str(raw.get("kind")))
    except ValueError:
        raise bad(f"unknown kind {raw.get('kind')!r} (one of {', '.join(k.value for k in Kind)})") from None
    text = raw.get("question")
    if not isinstance(text, str) or not text.strip():
        raise bad("needs a question text")
    label = raw.get("label", key)
    options: tuple[Option, ...] = ()
    raw_options = raw.get("options")
    if kind in (Kind.CHOICE, Kind.MULTI):
        if isinstance(raw_options, str) and raw_options.startswith("@"):
            if raw_options[1:] not in lists:
                raise bad(f"options refer to unknown list {raw_options!r}")
            options = lists[raw_options[1:]]
        elif isinstance(raw_options, list) and raw_options:
            options = tuple(_parse_option(item, bad) for item in raw_options)
        else:
            raise bad("a choice question needs options (a list, or '@name' of a [lists] entry)")
        values = [option.value for option in options]
        if len(set(values)) != len(values):
            raise bad("two options share a value")
    elif kind is Kind.AVAILABILITY:
        options = tuple(Option(value=f"{day}-{part}", label=part) for day in WEEKDAYS for part in DAY_PARTS)
    elif raw_options is not None:
        raise bad(f"a {kind.value} question takes no options")
    maximum = raw.get("max")
    this_year_max = maximum == THIS_YEAR
    minimum = raw.get("min")
    if kind in (Kind.YEAR, Kind.NUMBER):
        if not isinstance(minimum, int) or not (this_year_max or isinstance(maximum, int)):
            raise bad(f"a {kind.value} question needs whole-number min and max")
        if isinstance(maximum, int) and minimum > maximum:
            raise bad("min is larger than max")
    max_length = raw.get("max_length", 200)
    if not isinstance(max_length, int) or not 1 <= max_length <= 4000:
        raise bad("max_length must be a whole number from 1 to 4000")
    condition = None
    if "ask_if" in raw:
        ask_if = raw["ask_if"]
        if (
            not isinstance(ask_if, dict)
            or not isinstance(ask_if.get("key"), str)
            or not isinstance(ask_if.get("in"), list)
        ):
            raise bad("ask_if needs a key and a list 'in'")
        condition = Condition(key=ask_if["key"], values=tuple(str(value) for value in ask_if["in"]))
    version = raw.get("version", "")
    if kind is Kind.CONSENT and not (isinstance(version, str) and version):
        raise bad("a consent question needs a version")
    if kind is Kind.CONSENT and not re.fullmatch(r"[A-Za-z0-9._-]{1,24}", version):
        # Room in the store's 32 characters for the ".2" a changed text adds (storage.consents).
        raise bad("a consent version is 1 to 24 letters, digits, dots, dashes or underscores")
    return Question(
        key=key,
        kind=kind,
        text=text,
        label=str(label),
        optional=bool(raw.get("optional", False)),
        options=options,
        other=bool(raw.get("other", False)),
        minimum=minimum if isinstance(minimum, int) else None,
        maximum=maximum if isinstance(maximum, int) else None,
        this_year_max=this_year_max,
        max_length=max_length,
        min_choices=int(raw.get("min_choices", 1)),
        ask_if=condition,
        version=version if isinstance(version, str) else "",
    )


def _check_form(role: str, questions: tuple[Question, ...], fail: Fail) -> None:
    if not questions or questions[0].kind is not Kind.CONSENT:
        raise fail(f'form {role!r}: the first question must be the consent (kind = "consent")')
    seen: dict[str, Question] = {}
    for question in questions:
        if question.key in seen:
            raise fail(f"form {role!r}, question {question.key!r}: the key is used twice")
        if question.kind is Kind.CONSENT and question is not questions[0]:
            raise fail(f"form {role!r}, question {question.key!r}: only the first question may be the consent")
        condition = question.ask_if
        if condition is not None:
            earlier = seen.get(condition.key)
            if earlier is None:
                raise fail(
                    f"form {role!r}, question {question.key!r}: ask_if names {condition.key!r}, "
                    "which is not an earlier question"
                )
            known = {option.value for option in earlier.options}
            unknown = [value for value in condition.values if value not in known]
            if unknown:
                raise fail(f"form {role!r}, question {question.key!r}: ask_if values {unknown} are not options")
        seen[question.key] = question
