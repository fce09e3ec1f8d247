"""The digest's picture as words and numbers in the coordinator's language (bot.digest_picture draws it).

The week's funnel follows a newcomer from registration to work, each step counting the newcomers
who took it in the last seven days; the trend is the waiting list as each day's digest found it.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from babel.dates import format_skeleton
from babel.numbers import format_decimal

from handlers.core.ports import Chart, Funnel
from handlers.core.translator import N_, Translator, babel_locale

STEPS: Final = (
    ("registered", N_("Registered")),
    ("approved", N_("Approved")),
    ("proposed", N_("Offered a meeting")),
    ("met", N_("Met a volunteer")),
    ("referred", N_("Referred to a contact")),
    ("found_work", N_("Found work")),
)


def chart(t: Translator, week: Funnel, trend: list[tuple[str, int]]) -> Chart:
    locale = babel_locale(t.language)

    def written(count: int) -> str:
        return format_decimal(count, locale=locale)

    steps = []
    for field, label in STEPS:
        count = int(getattr(week, field))
        steps.append((t.gettext(label), count, written(count)))
    days = [
        (format_skeleton("MMMd", date.fromisoformat(day), locale=locale), count, written(count)) for day, count in trend
    ]
    return Chart(
        language=t.language,
        title=t.gettext("Newcomers over the past week"),
        steps=tuple(steps),
        trend_title=t.gettext("Newcomers waiting for a volunteer, day by day"),
        trend=tuple(days),
    )
