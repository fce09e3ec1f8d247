"""Exports for coordinators and funders: every record, streamed, and the funders' summary.

Each stream yields records (a text, number or None per column of its sheet) in id order, `STREAM_BATCH`
at a time as the database is read, column by column, so memory stays flat however many records there are. The
file formats are in storage/export_formats.py; docs/export.md documents every column.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import ColumnElement, Row, Select, Table, Text, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from handlers.core.program import Program
from handlers.core.translator import Translator
from storage.core_tables import ANSWERS, PARTICIPANTS
from storage.export_cells import IN_UTC, Times, answer_columns, is_time, page_of, readable
from storage.export_formats import Batch, Export, Sheet
from storage.export_labels import Labelling, export_labels, labelled
from storage.participants import answers_by_participant, answers_object, answers_of_each
from storage.tables import FollowUpRow, MeetingRow, ParticipantRow, ProposalRow, ReferralRow

STREAM_BATCH: Final = 1000
PARTICIPANT_COLUMNS: Final = (
    "id",
    "role",
    "status",
    "language",
    "time_zone",
    "consent_version",
    "consented_at",
    "created_at",
    "submitted_at",
    "reviewed_at",
    "paused_until",
    "unreachable_since",
)
MATCH_COLUMNS: Final = (
    "id",
    "connectee_id",
    "connector_id",
    "status",
    "reasons",
    "slot",
    "ended_by",
    "created_at",
    "updated_at",
)
MEETING_COLUMNS: Final = (
    "id",
    "match_id",
    "connectee_id",
    "connector_id",
    "starts_at",
    "ends_at",
    "mode",
    "status",
    "outcome",
    "absent_id",
    "created_at",
)
FOLLOW_UP_FIELDS: Final = (
    "id",
    "meeting_id",
    "participant_id",
    "role",
    "kind",
    "status",
    "asked_at",
    "nudged_at",
    "answered_at",
)
FOLLOW_UP_ANSWERS: Final = ("happened", "useful", "next_step", "referred_count", "again", "work", "helped")
REFERRAL_COLUMNS: Final = (  # never the invite_code: it is a personal link's secret
    "id",
    "meeting_id",
    "connectee_id",
    "connector_id",
    "name",
    "role",
    "organization",
    "registered_id",
    "created_at",
)
WORK_KINDS: Final = ("work_30", "work_90")
EMPLOYED: Final = frozenset({"employed_in_field", "employed_outside_field"})
TIMED: Final = {  # each sheet's time columns (an XLSX header names their time zone)
    name: frozenset(column for column in columns if is_time(table, column))
    for name, table, columns in (
        ("participants", PARTICIPANTS, PARTICIPANT_COLUMNS),
        ("matches", cast(Table, ProposalRow.__table__), MATCH_COLUMNS),
        ("meetings", cast(Table, MeetingRow.__table__), MEETING_COLUMNS),
        ("follow_ups", cast(Table, FollowUpRow.__table__), FOLLOW_UP_FIELDS),
        ("referrals", cast(Table, ReferralRow.__table__), REFERRAL_COLUMNS),
    )
}
NO_ANSWERS: Final[dict[str, Any]] = {}
Reasons = Callable[[list[str]], str]  # a match's reasons as stored ("sector", "times:4") -> one cell in words


@dataclass(frozen=True)
class Period:
    """Which records an export holds, by each kind's own time: `since` inclusive, `until` exclusive.

    Participants and matches by created_at, meetings by starts_at, follow-ups by asked_at, referrals
    by created_at. None is no bound. Times are aware (UTC).
    """

    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if any(moment is not None and moment.tzinfo is None for moment in (self.since, self.until)):
            raise ValueError("a period needs aware times")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError("a period cannot end before it starts")

    def within(self, column: InstrumentedAttribute[datetime]) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.since is not None:
            conditions.append(column >= self.since)
        if self.until is not None:
            conditions.append(column < self.until)
        return conditions


@dataclass(frozen=True)
class Ids:
    """Which participants an export's sheet holds, by id: above `after`, up to `through` (None: no
    bound). Two processes writing one export (bot.exporting.Helper) each take one side of an id."""

    after: int | None = None
    through: int | None = None


async def _batches(session: AsyncSession, query: Select[Any]) -> AsyncIterator[Sequence[Row[Any]]]:
    result = await session.stream(query.execution_options(yield_per=STREAM_BATCH))
    try:
        # A batch at a time: the async driver's round trip per row would cost more than the export.
        async for batch in result.partitions():
            yield batch
    finally:
        await result.close()


async def participant_batches(
    session: AsyncSession, keys: Sequence[str], period: Period, ids: Ids = Ids(), times: Times = IN_UTC
) -> AsyncGenerator[Batch]:
    """Participants with one `answer_<key>` column per key, in id order, a page at a time.

    A page of participants, then their answers in one query: a join would repeat (and read again)
    every participant column for each of their fifteen answers. Plain Core rows cost a fraction
    of what ORM rows do; the page is put together column by column.
    """
    selected, cells = readable(session, PARTICIPANTS, PARTICIPANT_COLUMNS, times)
    people = (
        select(*selected)
        .where(*period.within(PARTICIPANTS.c.created_at))  # type: ignore[arg-type]
        .order_by(PARTICIPANTS.c.id)
        .limit(STREAM_BATCH)
    )
    if ids.through is not None:
        people = people.where(PARTICIPANTS.c.id <= ids.through)
    answers = (
        select(ANSWERS.c.participant_id, answers_object(session.get_bind().dialect.name))
        .where(ANSWERS.c.question_key.in_(list(keys)))
        .group_by(ANSWERS.c.participant_id)
    )
    after = ids.after
    while True:
        page = (await session.execute(people if after is None else people.where(PARTICIPANTS.c.id > after))).all()
        if not page:
            return
        first, after = page[0].id, page[-1].id
        found = await session.execute(answers.where(ANSWERS.c.participant_id.between(first, after)))
        given = answers_by_participant(found.all())
        yield page_of(page, cells) + answer_columns([given.get(row.id, NO_ANSWERS) for row in page], keys)


async def _table_batches(
    session: AsyncSession,
    table: Any,
    names: Sequence[str],
    when: InstrumentedAttribute[datetime],
    period: Period,
    times: Times,
) -> AsyncGenerator[Batch]:
    # The table's own columns, not the ORM class's: plain rows, without the ORM's loading.
    selected, cells = readable(session, table.__table__, names, times)
    query = select(*selected).where(*period.within(when)).order_by(table.__table__.c.id)
    async for batch in _batches(session, query):
        yield page_of(batch, cells)


async def match_batches(
    session: AsyncSession, period: Period, reasons: Reasons | None = None, times: Times = IN_UTC
) -> AsyncGenerator[Batch]:
    """Matches; their reasons in words by `reasons` (None: as stored, joined with "; ")."""
    table = cast(Table, ProposalRow.__table__)
    selected, cells = readable(session, table, MATCH_COLUMNS, times)
    if reasons is not None:
        cells[MATCH_COLUMNS.index("reasons")] = lambda column: [reasons(list(stored or ())) for stored in column]
    query = select(*selected).where(*period.within(ProposalRow.created_at)).order_by(table.c.id)
    async for batch in _batches(session, query):
        yield page_of(batch, cells)


def meeting_batches(session: AsyncSession, period: Period, times: Times = IN_UTC) -> AsyncGenerator[Batch]:
    return _table_batches(session, MeetingRow, MEETING_COLUMNS, MeetingRow.starts_at, period, times)


def referral_batches(session: AsyncSession, period: Period, times: Times = IN_UTC) -> AsyncGenerator[Batch]:
    return _table_batches(session, ReferralRow, REFERRAL_COLUMNS, ReferralRow.created_at, period, times)


async def follow_up_batches(session: AsyncSession, period: Period, times: Times = IN_UTC) -> AsyncGenerator[Batch]:
    """Follow-ups with one column per answer key (handlers.core.model.FollowUp), empty when not answered."""
    table = cast(Table, FollowUpRow.__table__)
    selected, cells = readable(session, table, FOLLOW_UP_FIELDS, times)
    # The answers as the database hands them over (SQLite: the JSON's text), decoded a page at a time.
    stored = type_coerce(table.c.answers, Text)
    query = select(*selected, stored).where(*period.within(FollowUpRow.asked_at)).order_by(table.c.id)
    async for batch in _batches(session, query):
        columns = page_of(batch, [*cells, None])
        answers = [given or NO_ANSWERS for given in answers_of_each(columns.pop())]
        yield columns + answer_columns(answers, FOLLOW_UP_ANSWERS)


@dataclass(frozen=True)
class Shape:
    """How an export writes what it reads: its times (`Times`) and its answers' labels (None: codes alone)."""

    times: Times = IN_UTC
    labelling: Labelling | None = None


AS_STORED: Final = Shape()  # times in UTC, codes without labels


def shape_for(kind: str, program: Program, t: Translator, keys: Sequence[str]) -> Shape:
    """How an export of `kind` is shaped: JSON's times in UTC, CSV's in the program's zone as text,
    XLSX's as date-time cells there; in every format, the answers' labels in `t`'s language."""
    times = Times(None if kind == "json" else program.time_zone, as_datetimes=kind == "xlsx")
    return Shape(times, export_labels(program, t, keys))


def sheets(
    session: AsyncSession,
    keys: Sequence[str],
    period: Period,
    ids: Ids = Ids(),
    reasons: Reasons | None = None,
    shape: Shape = AS_STORED,
) -> list[Sheet]:
    """The five kinds of record, in the order every format writes them; the participants within `ids`;
    the matches' reasons in words by `reasons` (handlers.matching.reasons.stored_in_words)."""
    times = shape.times
    made = [
        Sheet(
            "participants",
            (*PARTICIPANT_COLUMNS, *(f"answer_{key}" for key in keys)),
            lambda: participant_batches(session, keys, period, ids, times),
        ),
        Sheet("matches", MATCH_COLUMNS, lambda: match_batches(session, period, reasons, times)),
        Sheet("meetings", MEETING_COLUMNS, lambda: meeting_batches(session, period, times)),
        Sheet("follow_ups", (*FOLLOW_UP_FIELDS, *FOLLOW_UP_ANSWERS), lambda: follow_up_batches(session, period, times)),
        Sheet("referrals", REFERRAL_COLUMNS, lambda: referral_batches(session, period, times)),
    ]
    return [replace(labelled(sheet, shape.labelling), timed=TIMED[sheet.name]) for sheet in made]


async def record_counts(session: AsyncSession, period: Period) -> dict[str, int]:
    """How many records of each kind the period holds (for a progress bar's total)."""
    kinds: dict[str, tuple[Any, InstrumentedAttribute[datetime]]] = {
        "participants": (ParticipantRow, ParticipantRow.created_at),
        "matches": (ProposalRow, ProposalRow.created_at),
        "meetings": (MeetingRow, MeetingRow.starts_at),
        "follow_ups": (FollowUpRow, FollowUpRow.asked_at),
        "referrals": (ReferralRow, ReferralRow.created_at),
    }
    return {kind: await _count(session, table, period.within(when)) for kind, (table, when) in kinds.items()}


async def participant_at(session: AsyncSession, period: Period, share: float) -> int | None:
    """The id that `share` of the period's participants (at least one) have or stay below; None if it has none."""
    within = period.within(ParticipantRow.created_at)
    count = await _count(session, ParticipantRow, within)
    ids = select(ParticipantRow.id).where(*within).order_by(ParticipantRow.id)
    return None if count == 0 else await session.scalar(ids.offset(max(0, round(count * share) - 1)).limit(1))


async def _count(session: AsyncSession, table: Any, where: list[ColumnElement[bool]]) -> int:
    return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def summary(session: AsyncSession, period: Period) -> dict[str, int]:
    """The funders' counts for a period (docs/export.md says exactly what each counts)."""
    roles = await session.execute(
        select(ParticipantRow.role, func.count())
        # Submitted: a half-done registration erased (/delete, retention) is "erased", never submitted.
        .where(
            ParticipantRow.status != "in_progress",
            ParticipantRow.submitted_at.is_not(None),
            *period.within(ParticipantRow.created_at),
        )
        .group_by(ParticipantRow.role)
    )
    outcomes = await session.execute(
        select(MeetingRow.outcome, func.count())
        .where(MeetingRow.outcome.in_(["held", "no_show"]), *period.within(MeetingRow.starts_at))
        .group_by(MeetingRow.outcome)
    )
    by_role: dict[str, int] = {role: count for role, count in roles}
    by_outcome: dict[str | None, int] = {outcome: count for outcome, count in outcomes}
    # Work follow-ups are few (two per meeting held, months later): read them rather than rely on
    # each database's own JSON operators.
    employed: set[int] = set()
    work = select(FollowUpRow.participant_id, FollowUpRow.answers).where(
        FollowUpRow.kind.in_(WORK_KINDS), *period.within(FollowUpRow.asked_at)
    )
    async for batch in _batches(session, work):
        for row in batch:
            if (row.answers or {}).get("work") in EMPLOYED:
                employed.add(row.participant_id)
    return {
        "connectees": by_role.get("connectee", 0),
        "connectors": by_role.get("connector", 0),
        "meetings_held": by_outcome.get("held", 0),
        "no_shows": by_outcome.get("no_show", 0),
        "referrals": await _count(session, ReferralRow, period.within(ReferralRow.created_at)),
        "jobs_reported": len(employed),
    }


async def export_of(
    session: AsyncSession,
    keys: Sequence[str],
    period: Period,
    now: datetime,
    progress: Callable[[int], object] | None = None,
    reasons: Reasons | None = None,
    shape: Shape = AS_STORED,
) -> Export:
    """The summary (counted now) and the record streams (opened as each is written) for one period."""
    figures = await summary(session, period)
    made = sheets(session, keys, period, reasons=reasons, shape=shape)
    return Export(now, period.since, period.until, figures, made, progress, shape.times.zone)
