"""The monthly report for funders: each figure counted by the database (GROUP BY), never person by person.

Every figure is defined once, in `FIGURES` (docs/export.md, "The monthly report", says the same:
tests/storage/test_report.py checks the two agree). A figure is a set of facts, each a person (or
a proposal, meeting or referral) at a time; the report counts the facts of the month, grouped by
the newcomer's (or the person's own) sector, community, language and how they heard of the
program, and month by month over the twelve months up to it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.translator import N_
from storage.core_tables import ANSWERS, MATCHES, PARTICIPANTS
from storage.tables import FollowUpRow, MeetingRow, ReferralRow

MEETINGS: Final = MeetingRow.__table__
FOLLOW_UPS: Final = FollowUpRow.__table__
REFERRALS: Final = ReferralRow.__table__
# (name, definition): the report's figures, columns after `breakdown` and `group`, in this order.
FIGURES: Final = (
    ("connectees_registered", N_("newcomers who submitted their registration in the month")),
    ("connectors_registered", N_("volunteers who submitted their registration in the month")),
    ("connectees_approved", N_("newcomers a coordinator approved in the month")),
    ("connectors_approved", N_("volunteers a coordinator approved in the month")),
    ("proposed", N_("proposals made in the month between a newcomer and a volunteer")),
    ("met_held", N_("meetings starting in the month that took place")),
    ("met_no_show", N_("meetings starting in the month where someone did not come")),
    ("referrals", N_("contacts volunteers referred newcomers to in the month")),
    ("invited_registered", N_("people who began registering in the month through a personal invitation link")),
    ("jobs_30", N_("newcomers who said in the month, asked 30 days after a meeting, that they work; each once")),
    ("jobs_90", N_("newcomers who said in the month, asked 90 days after a meeting, that they work; each once")),
    (
        "median_days_to_first_meeting",
        N_(
            "for newcomers whose first meeting that took place started in the month: the median of the days from "
            "their registration to it"
        ),
    ),
)
# (name, definition): what the rows of one breakdown are grouped by.
BREAKDOWNS: Final = (
    ("total", N_("the whole month")),
    ("month", N_("each of the twelve months up to the report's, for the trend")),
    ("sector", N_("the newcomer's sector (a volunteer's own registration: not answered)")),
    ("community", N_("the newcomer's community (likewise)")),
    ("language", N_("the language the newcomer (or, for registrations, the person) chose in the chat")),
    ("heard", N_("how the newcomer heard of the program (likewise)")),
    ("invitation_depth", N_("for invited_registered: how far along the chain of invitations (1, 2, 3 …)")),
)
ANSWERED: Final = {"sector": "sector", "community": "community", "heard": "referral_source"}
COUNTED: Final = tuple(name for name, _ in FIGURES[:-1])
MEDIAN: Final = FIGURES[-1][0]
TREND_MONTHS: Final = 12
MOST_DEPTH: Final = 50  # a chain of invitations longer than this is a loop in the data, not people
EMPLOYED: Final = ("employed_in_field", "employed_outside_field")


@dataclass(frozen=True)
class Month:
    """A calendar month in the program's time zone, e.g. Month(2026, 11, "America/Toronto")."""

    year: int
    month: int
    time_zone: str

    @classmethod
    def parse(cls, text: str, time_zone: str) -> Month:
        """YYYY-MM, e.g. 2026-11; ValueError otherwise."""
        if (
            len(text) != len("2026-11")
            or text[4] != "-"
            or not (text[:4] + text[5:]).isascii()
            or not (text[:4] + text[5:]).isdigit()
        ):
            raise ValueError(text)
        month = cls(int(text[:4]), int(text[5:]), time_zone)
        if not 1 <= month.month <= 12 or month.year < 1:
            raise ValueError(text)
        return month

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shifted(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1, self.time_zone)

    @property
    def start(self) -> datetime:
        local = datetime.combine(date(self.year, self.month, 1), time(), tzinfo=ZoneInfo(self.time_zone))
        return local.astimezone(UTC)

    @property
    def end(self) -> datetime:
        return self.shifted(1).start


@dataclass(frozen=True)
class Report:
    """The report's rows: (breakdown, group, figures by name); a group is a stored code ("" not answered)."""

    month: Month
    rows: list[tuple[str, str, dict[str, float | int | None]]]


def _fact(figure: str, key: Any, person: Any, at: Any, source: Any, *where: Any) -> Select[Any]:
    return (
        select(literal(figure).label("figure"), key.label("key"), person.label("person"), at.label("at"))
        .select_from(source)
        .where(*where)
    )


def _facts(since: datetime, until: datetime) -> Any:
    """Every counted fact between `since` and `until`: (figure, what is counted, whose, when)."""
    p, m, mt, f, r = PARTICIPANTS.c, MATCHES.c, MEETINGS.c, FOLLOW_UPS.c, REFERRALS.c
    employed = FOLLOW_UPS.c.answers["work"].as_string().in_(EMPLOYED)  # json_extract / ->>
    invited = PARTICIPANTS.join(REFERRALS, r.registered_id == p.id)
    parts = [
        _fact(
            f"{role}s_registered", p.id, p.id, p.submitted_at, PARTICIPANTS, p.role == role, p.status != "in_progress"
        )
        for role in ("connectee", "connector")
    ]
    parts += [
        _fact(f"{role}s_approved", p.id, p.id, p.reviewed_at, PARTICIPANTS, p.role == role, p.status == "approved")
        for role in ("connectee", "connector")
    ]
    parts += [
        _fact("proposed", m.id, m.connectee_id, m.created_at, MATCHES),
        _fact("met_held", mt.id, mt.connectee_id, mt.starts_at, MEETINGS, mt.outcome == "held"),
        _fact("met_no_show", mt.id, mt.connectee_id, mt.starts_at, MEETINGS, mt.outcome == "no_show"),
        _fact("referrals", r.id, r.connectee_id, r.created_at, REFERRALS),
        _fact("invited_registered", p.id, p.id, p.created_at, invited),
    ]
    parts += [
        _fact(
            f"jobs_{days}",
            f.participant_id,
            f.participant_id,
            f.answered_at,
            FOLLOW_UPS,
            f.kind == f"work_{days}",
            employed,
        )
        for days in (30, 90)
    ]
    # Each part bounded by its own time, so that each reads only its period through the index.
    bounded = [part.where(part.selected_columns.at >= since, part.selected_columns.at < until) for part in parts]
    return union_all(*bounded).subquery("facts")


def _month_of(at: Any, months: Sequence[Month]) -> ColumnElement[str]:
    """The month (YYYY-MM) a time falls in, in the program's time zone: bounds computed here, not by
    each database's own time functions (which differ, and know no time zone on SQLite)."""
    return case(*((at < month.end, str(month)) for month in months), else_="")


def _grouped(source: Any, person: Any, at: Any, breakdown: str, months: Sequence[Month]) -> tuple[Any, Any]:
    """What `source`'s rows are grouped by for `breakdown`, and `source` joined to what that needs."""
    if breakdown == "total":
        return literal(""), source
    if breakdown == "month":
        return _month_of(at, months), source
    if breakdown == "language":
        people = PARTICIPANTS.alias("grouping")
        return people.c.language, source.join(people, people.c.id == person)
    answers = ANSWERS.alias("grouping")
    joined = source.outerjoin(
        answers, (answers.c.participant_id == person) & (answers.c.question_key == ANSWERED[breakdown])
    )
    return func.coalesce(cast(answers.c.value, Text), ""), joined


async def _counts(session: AsyncSession, breakdown: str, month: Month, months: Sequence[Month]) -> list[Any]:
    facts = _facts(months[0].start if breakdown == "month" else month.start, month.end)
    group, source = _grouped(facts, facts.c.person, facts.c.at, breakdown, months)
    query = (
        select(group.label("grp"), facts.c.figure, func.count(facts.c.key.distinct()))
        .select_from(source)
        .group_by(group, facts.c.figure)
    )
    return list(await session.execute(query))


def _days(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


async def _medians(session: AsyncSession, breakdown: str, month: Month, months: Sequence[Month]) -> list[Any]:
    """The median days from registration to the first meeting that took place, by group: ranked by
    the database (ROW_NUMBER over each group), the middle one or two averaged."""
    mt = MEETINGS.c
    firsts = (
        select(mt.connectee_id.label("person"), func.min(mt.starts_at).label("at"))
        .where(mt.outcome == "held")
        .group_by(mt.connectee_id)
        .subquery("firsts")
    )
    since = months[0].start if breakdown == "month" else month.start
    people = PARTICIPANTS.alias("registered")
    source = firsts.join(people, people.c.id == firsts.c.person)
    group, source = _grouped(source, firsts.c.person, firsts.c.at, breakdown, months)
    days = _days(firsts.c.at, people.c.created_at, session.get_bind().dialect.name)
    durations = (
        select(group.label("grp"), days.label("days"))
        .select_from(source)
        .where(firsts.c.at >= since, firsts.c.at < month.end)
        .subquery("durations")
    )
    d = durations.c
    ranked = select(
        d.grp,
        d.days,
        func.row_number().over(partition_by=d.grp, order_by=d.days).label("rank"),
        func.count().over(partition_by=d.grp).label("n"),
    ).subquery("ranked")
    k = ranked.c
    middle = or_(k.rank == (k.n + 1) // 2, k.rank == (k.n + 2) // 2)
    return list(await session.execute(select(k.grp, func.avg(k.days)).where(middle).group_by(k.grp)))


async def _depths(session: AsyncSession, month: Month) -> list[Any]:
    """People invited in the month by how far along a chain of invitations they came: a volunteer
    who was not invited starts one (their invitees are 1), an invitee's invitees are 2, and so on."""
    r, p = REFERRALS.c, PARTICIPANTS.c
    invited = select(r.registered_id).where(r.registered_id.is_not(None))
    chain = (
        select(r.registered_id.label("person"), literal(1).label("depth"))
        .where(r.registered_id.is_not(None), r.connector_id.not_in(invited))
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select(r.registered_id, chain.c.depth + 1)
        .select_from(REFERRALS.join(chain, r.connector_id == chain.c.person))
        .where(r.registered_id.is_not(None), chain.c.depth < MOST_DEPTH)
    )
    query = (
        select(chain.c.depth, func.count(chain.c.person.distinct()))
        .select_from(chain.join(PARTICIPANTS, p.id == chain.c.person))
        .where(p.created_at >= month.start, p.created_at < month.end)
        .group_by(chain.c.depth)
    )
    return list(await session.execute(query))


def _code(group: Any) -> str:
    """A group as a code: an answer's stored JSON decoded (a choice's value; "other: …" typed)."""
    if group is None or group == "":
        return ""
    if isinstance(group, str) and group[:1] in ('"', "{", "["):
        value = json.loads(group)
        if isinstance(value, dict):
            return f"other: {value.get('other', '')}"
        return "; ".join(map(str, value)) if isinstance(value, list) else str(value)
    return str(group)


async def monthly_report(session: AsyncSession, month: Month) -> Report:
    """The month's figures, in total and by each breakdown (`BREAKDOWNS`), a few queries each."""
    months = [month.shifted(back) for back in range(1 - TREND_MONTHS, 1)]
    rows: list[tuple[str, str, dict[str, float | int | None]]] = []
    for breakdown, _ in BREAKDOWNS[:-1]:
        figures: dict[str, dict[str, float | int | None]] = {}
        for group, figure, count in await _counts(session, breakdown, month, months):
            figures.setdefault(_code(group), {})[figure] = int(count)
        for group, median in await _medians(session, breakdown, month, months):
            figures.setdefault(_code(group), {})[MEDIAN] = round(float(median), 1)
        if breakdown == "total":
            figures.setdefault("", {})
        if breakdown == "month":  # every month of the trend, those with nothing too
            for each in months:
                figures.setdefault(str(each), {})
        for group in sorted(figures):
            counted = {name: figures[group].get(name, 0) for name in COUNTED}
            rows.append((breakdown, group, counted | {MEDIAN: figures[group].get(MEDIAN)}))
    for depth, count in await _depths(session, month):
        rows.append(
            (
                "invitation_depth",
                str(depth),
                {name: 0 for name in COUNTED} | {"invited_registered": int(count), MEDIAN: None},
            )
        )
    return Report(month, rows)
