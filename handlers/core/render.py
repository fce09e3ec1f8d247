"""How dates, times, zones and answers read in a chat, in the reader's language."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time, get_timezone_name
from babel.lists import format_list

from handlers.core.bidi import for_reader
from handlers.core.events import Reply
from handlers.core.program import DAY_PARTS, DAYS, Kind, Option, Question
from handlers.core.translator import N_, Translator, babel_locale

SKIPPED: Final = N_("(skipped)")  # an optional question left unanswered, shown as its answer

# Short names of the parts of a day, explained in the availability question's hint.
PART_NAMES: Final = {
    "morning": N_("am"),
    "midday": N_("noon"),
    "afternoon": N_("pm"),
    "evening": N_("eve"),
}


# What each part of a day covers (handlers.core.questions.DAY_PART_HOURS), under the availability question.
PART_HOURS: Final = {
    "morning": N_("am = 9:00-12:00"),
    "midday": N_("noon = 12:00-14:00"),
    "afternoon": N_("pm = 14:00-17:00"),
    "evening": N_("eve = 17:00-20:00"),
}


def format_day(moment: datetime, language: str, time_zone: str) -> str:
    """A date as the reader writes it ("23 novembre 2026"), in the program's time zone."""
    return format_date(moment.astimezone(ZoneInfo(time_zone)), format="long", locale=babel_locale(language))


def format_month(month: str, language: str) -> str:
    """A month given as YYYY-MM as the reader writes it ("November 2026", "novembre 2026")."""
    first = date(int(month[:4]), int(month[5:7]), 1)
    return format_skeleton("yMMMM", first, locale=babel_locale(language))


def format_when(moment: datetime, t: Translator, time_zone: str, *, with_year: bool = False) -> str:
    """A meeting time as the reader says it ("Tue, Nov 24, 10:00 AM"; "mar. 24 nov., 10 h 00"); with
    the year where it may not be this one ("Tue, Nov 24, 2026, 10:00 AM")."""
    local = moment.astimezone(ZoneInfo(time_zone))
    locale = babel_locale(t.language)
    return t.gettext("{date}, {time}").format(
        date=format_skeleton("yMMMEd" if with_year else "MMMEd", local, locale=locale),
        time=format_time(local, "short", locale=locale),
    )


def zone_name(zone: str, language: str) -> str:
    """A time zone as the reader calls it ("Eastern Time", "heure de l’Est nord-américain")."""
    return get_timezone_name(zone, width="long", zone_variant="generic", locale=babel_locale(language))


def option_label(t: Translator, option: Option) -> str:
    if not option.translated:
        return option.label
    return t.pgettext(option.context, option.label) if option.context else t.gettext(option.label)


def weekday_names(language: str) -> list[str]:
    """Abbreviated Monday..Sunday in the reader's language (Babel's CLDR data)."""
    days = babel_locale(language).days["format"]["abbreviated"]
    return [days[index] for index in range(len(DAYS))]


def display_answer(t: Translator, question: Question, value: Any) -> str:
    """An answer as the person would say it, for the review screen and /status (isolated for RTL readers)."""
    if value is None:
        return t.gettext(SKIPPED)
    return for_reader(_answer_text(t, question, value), t.language)


def in_own_words(question: Question, value: Any) -> bool:
    """Whether an answer is the person's own words (a text, a link, an "Other" typed), not one of
    the program's options or a number, a phone number or an address checked for its form."""
    return question.kind in (Kind.TEXT, Kind.LINK) or (question.kind is Kind.CHOICE and isinstance(value, dict))


def _answer_text(t: Translator, question: Question, value: Any) -> str:
    if question.kind is Kind.CHOICE:
        if isinstance(value, dict):
            return str(value.get("other", ""))
        return next((option_label(t, o) for o in question.options if o.value == value), str(value))
    if question.kind is Kind.MULTI:
        labels = [option_label(t, o) for o in question.options if o.value in value]
        return format_list(labels, locale=babel_locale(t.language)) if labels else t.gettext("(none)")
    if question.kind is Kind.AVAILABILITY:
        return _display_availability(t, value)
    if question.kind is Kind.PHONE:
        import phonenumbers  # on first use, not at start (as in handlers.intake.answers)

        return phonenumbers.format_number(phonenumbers.parse(value), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return str(value)


def day_and_times(t: Translator, day: str, times: str) -> str:
    """A day's free times as the reader writes them ("Mon: am, pm"; "周一：上午")."""
    return t.gettext("{day}: {times}").format(day=day, times=times)


def _display_availability(t: Translator, value: list[str]) -> str:
    days = weekday_names(t.language)
    lines = []
    for index, day in enumerate(DAYS):
        parts = [t.gettext(PART_NAMES[part]) for part in DAY_PARTS if f"{day}-{part}" in value]
        if parts:
            lines.append(day_and_times(t, days[index], format_list(parts, locale=babel_locale(t.language))))
    return format_list(lines, locale=babel_locale(t.language)) if lines else t.gettext("(none)")


def summary(t: Translator, answers: dict[str, Any], visible: list[Question]) -> str:
    return "\n".join(
        t.pgettext("field", "{label}: {answer}").format(
            label=t.gettext(q.label), answer=display_answer(t, q, answers.get(q.key))
        )
        for q in visible
        if q.key in answers
    )


def chosen(text: str, answer: str, t: Translator) -> Reply:
    """The pressed message, rewritten to show the answer and lose its buttons; the answer alone where
    it was typed (`Reply.answered`)."""
    return Reply(
        t.gettext("{question}\n\n✔ {answer}").format(question=text, answer=answer),
        edit=True,
        answered=t.gettext("✔ {answer}").format(answer=answer),
    )
