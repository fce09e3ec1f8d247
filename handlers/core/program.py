"""A Connector Program as data: its name, languages, lists, consent text and intake forms.

The default program ships as handlers/core/default_program.toml; FRONTDOOR_PROGRAM_FILE replaces it.
Question and option texts are English msgids, translated when shown, so adding a question means
data plus translations and no code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from handlers.core.matching_rules import MatchingRules as MatchingRules
from handlers.core.matching_rules import MatchMode as MatchMode
from handlers.core.matching_rules import OutsideField as OutsideField
from handlers.core.matching_rules import parse_matching
from handlers.core.own_texts import PROGRAM_NAME, OwnTextError, OwnTexts, take_own_texts
from handlers.core.questions import DAY_PART_HOURS as DAY_PART_HOURS
from handlers.core.questions import DAY_PARTS as DAY_PARTS
from handlers.core.questions import DAYS as DAYS
from handlers.core.questions import WEEKDAYS as WEEKDAYS
from handlers.core.questions import Condition as Condition
from handlers.core.questions import Fail, Lists, parse_lists, parse_question, within
from handlers.core.questions import Kind as Kind
from handlers.core.questions import Option as Option
from handlers.core.questions import ProgramError as ProgramError
from handlers.core.questions import Question as Question
from handlers.core.templates import TEMPLATES
from handlers.core.translator import Translator

DEFAULT_PROGRAM_FILE: Final = Path(__file__).with_name("default_program.toml")
TEMPLATE_NAME: Final = re.compile(r"[a-z0-9_]{1,512}")  # how Meta lets a template be named


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
    own_texts: OwnTexts = field(default_factory=OwnTexts)  # translations the file carries itself
    # [whatsapp.templates]: by language, each kind of template (handlers.core.templates) the program
    # registered with Meta, and the name it has there. Outside a person's 24-hour window only these go.
    whatsapp_templates: dict[str, dict[str, str]] = field(default_factory=dict)

    def name_for(self, t: Translator) -> str:
        """The name in the reader's language when the program file gives one (`name = { en = …, fr = … }`),
        else as written. Messages show it on its own (a heading line, a label before a colon), never
        inside a sentence, where a language would need an article, a gender or a case for it."""
        return self.own_texts.lookup(t.language).get((PROGRAM_NAME, self.name), self.name)


def with_consent_versions(program: Program, versions: dict[str, str]) -> Program:
    """The program with each form's consent version as the store numbered it (see storage.consents)."""
    forms = {
        role: replace(form, questions=(replace(form.consent, version=versions[role]), *form.questions[1:]))
        if role in versions
        else form
        for role, form in program.forms.items()
    }
    return replace(program, forms=forms)


def question_keys(program: Program) -> list[str]:
    """The answer columns: the connectee form's keys, then the connector's own; no consent question."""
    keys: list[str] = []
    for form in (program.forms["connectee"], program.forms["connector"]):
        keys += [q.key for q in form.questions if q.kind is not Kind.CONSENT and q.key not in keys]
    return keys


def load_program(path: Path | None = None) -> Program:
    """Read and check a program file; any problem raises ProgramError naming file and question."""
    path = path or DEFAULT_PROGRAM_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProgramError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ProgramError(f"{path}: a folder; name the program file itself (a .toml file)") from None
    except OSError as error:  # not readable by this account, among others
        raise ProgramError(f"{path}: cannot be read: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProgramError(f"{path}: not valid TOML: {error}") from None
    return parse_program(data, str(path))


def parse_program(data: dict[str, Any], source: str) -> Program:
    def fail(problem: str) -> ProgramError:
        return ProgramError(f"{source}: {problem}")

    section = data.get("program")
    if not isinstance(section, dict):
        raise fail("missing [program] section")
    try:
        own_texts = take_own_texts(data)
    except OwnTextError as error:
        raise fail(str(error)) from None
    name = section.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("[program] needs a name")
    time_zone = _parse_time_zone(section, fail)
    languages = _parse_languages(section, fail)
    default_language = section.get("default_language", languages[0])
    if default_language not in languages:
        raise fail(f"[program] default_language {default_language!r} is not among languages")
    forms = _parse_forms(data.get("forms"), parse_lists(data.get("lists", {}), fail), fail)
    return Program(
        name=name.strip(),
        time_zone=time_zone,
        languages=tuple(str(language) for language in languages),
        default_language=str(default_language),
        forms=forms,
        source=source,
        matching=_parse_matching(data.get("matching", {}), forms, fail),
        follow_up=_parse_follow_up(data.get("follow_up", {}), data.get("digest", {}), fail),
        retention_days=_parse_privacy(data.get("privacy", {}), within(fail, "[privacy] ")),
        own_texts=own_texts,
        whatsapp_templates=_parse_whatsapp(data.get("whatsapp", {}), languages, fail),
    )


def _parse_whatsapp(raw: Any, languages: list[Any], fail: Fail) -> dict[str, dict[str, str]]:
    """[whatsapp.templates]: `fr = { reminder = "frontdoor_reminder", … }` for each language registered."""
    templates = raw.get("templates", {}) if isinstance(raw, dict) else None
    if not isinstance(templates, dict) or set(raw) - {"templates"}:
        raise fail("[whatsapp] holds one table, [whatsapp.templates]")
    found: dict[str, dict[str, str]] = {}
    for language, named in templates.items():
        if language not in languages or not isinstance(named, dict):
            raise fail(f"[whatsapp.templates] {language!r} is not one of the program's languages, with a table")
        for kind, name in named.items():
            if kind not in TEMPLATES:
                raise fail(
                    f"[whatsapp.templates] {language}: unknown template {kind!r} (known: {', '.join(TEMPLATES)})"
                )
            if not isinstance(name, str) or not TEMPLATE_NAME.fullmatch(name):
                raise fail(f"[whatsapp.templates] {language}: {kind} must be a name as Meta writes it (a-z, 0-9, _)")
        found[language] = {str(kind): str(name) for kind, name in named.items()}
    return found


def _parse_time_zone(section: dict[str, Any], fail: Fail) -> str:
    time_zone = section.get("time_zone", "America/Toronto")
    try:
        ZoneInfo(str(time_zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(f"[program] time_zone {time_zone!r} is not an IANA time zone") from None
    return str(time_zone)


def _parse_languages(section: dict[str, Any], fail: Fail) -> list[Any]:
    languages = section.get("languages", ["en"])
    if not isinstance(languages, list) or not languages:
        raise fail("[program] languages must be a non-empty list of language codes")
    for language in languages:
        try:
            # Parsed only: a language's CLDR data is loaded when a text is first written in it (babel_locale).
            Locale.parse(str(language), sep="-")
        except (UnknownLocaleError, ValueError):
            raise fail(f"[program] language {language!r} is not a known language code") from None
    return languages


def _parse_forms(forms_data: Any, lists: Lists, fail: Fail) -> dict[str, Form]:
    if not isinstance(forms_data, dict):
        raise fail("missing [forms] section")
    forms: dict[str, Form] = {}
    for role in ("connectee", "connector"):
        form_data = forms_data.get(role)
        if not isinstance(form_data, dict) or not isinstance(form_data.get("questions"), list):
            raise fail(f"form {role!r} needs a list of [[forms.{role}.questions]]")
        questions = tuple(
            parse_question(raw, lists, within(fail, f"form {role!r}, ")) for raw in form_data["questions"]
        )
        _check_form(role, questions, fail)
        forms[role] = Form(role=role, questions=questions)
    return forms


def _parse_matching(raw: Any, forms: dict[str, Form], fail: Fail) -> MatchingRules:
    """[matching], its tables checked against the newcomers' form: communities and sectors it offers."""
    asked = {question.key: question.options for question in forms["connectee"].questions}
    return parse_matching(
        raw,
        within(fail, "[matching] "),
        communities=asked.get("community", ()),
        sectors=asked.get("sector", ()),
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
