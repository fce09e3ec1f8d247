"""Stored values as an export's cells, a whole column at a time: most of what an export costs is here.

A time is ISO 8601 (UTC for JSON, the program's local time for CSV) or a spreadsheet's date and time
(XLSX); a list is joined with "; ", an answer object is JSON, anything else is itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter, methodcaller
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, Table, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from storage.export_formats import Value, iso
from storage.table_types import UtcDateTime

PLAIN: Final = frozenset({str, int, type(None)})  # the types whose cell is the value itself
PLAIN_OR_LIST: Final = PLAIN | {list}
JOIN: Final = "; ".join  # a list's cell
STORED_TIME_LENGTH: Final = len("2026-11-23 15:00:00.000000")  # a time as SQLAlchemy writes it on SQLite
_SPACED: Final = methodcaller("startswith", " ", 10)  # the space between its day and time
KNOWN_DAYS: Final = 4_000  # days' offsets kept from batch to batch of a column (ten years)
ToCells = Callable[[list[Any]], list[Any]]  # a column of values read, as a column of cells


def cell(value: Any) -> Value:
    """A stored value as one cell: a time as ISO 8601 UTC, a list joined with "; ", anything else as it is."""
    kind = type(value)
    if kind is str or kind is int or value is None:  # most values even where a column holds a list or a time
        return cast(Value, value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, list):
        return "; ".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return cast(Value, value)  # text, number or None from the database


def stored_time(text: str | None) -> Value:
    """A time cell straight from SQLite's text of it, as `cell` would write the time.

    SQLite keeps a UtcDateTime as 'YYYY-MM-DD HH:MM:SS.ffffff', in UTC: rearranging the text gives
    the ISO 8601 cell without parsing a datetime and formatting it again, which is most of the cost
    of exporting a time (an export has hundreds of thousands of them).
    """
    if text is None:
        return None
    if len(text) >= 19 and text[10] == " " and text[19:20] in ("", "."):
        return f"{text[:10]}T{text[11:19]}+00:00"
    return iso(datetime.fromisoformat(text).replace(tzinfo=UTC))  # any other form: the long way


def time_cells(texts: list[str | None]) -> list[Value]:
    """A column of SQLite's texts of times as cells (`stored_time`); when every text has the form
    SQLAlchemy writes (told in C), each is rearranged without the checks."""
    given = list(filter(None, texts))
    if set(map(len, given)) <= {STORED_TIME_LENGTH} and all(map(_SPACED, given)):
        return [None if text is None else f"{text[:10]}T{text[11:19]}+00:00" for text in texts]
    return list(map(stored_time, texts))


@dataclass(frozen=True)
class Times:
    """How an export writes its times: `zone` None, ISO 8601 in UTC (JSON: data for machines); else in
    that time zone, as ISO 8601 with its offset (CSV), or with `as_datetimes` as the spreadsheet's own
    dates and times, the zone left to the header (XLSX: Excel has no time zones)."""

    zone: str | None = None
    as_datetimes: bool = False

    def cells(self, on_sqlite: bool) -> ToCells:
        """How a column of times as read becomes cells: SQLite's texts, or PostgreSQL's aware times."""
        if self.zone is None:
            return time_cells if on_sqlite else cells_of
        local = _LOCALS.setdefault(self.zone, _Local(ZoneInfo(self.zone)))
        return local.moments if self.as_datetimes else local.texts


IN_UTC: Final = Times()


def _moments(column: list[Any]) -> list[datetime | None]:
    return [
        None if value is None else value if isinstance(value, datetime) else datetime.fromisoformat(value)
        for value in column
    ]


@dataclass(frozen=True)
class _Day:
    """A UTC day in a zone: for each of its 24 UTC hours, the whole hours to add and the offset's text;
    the days before, of and after it, where a local time may fall, as text and as numbers."""

    shifts: tuple[int, ...]
    offsets: tuple[str, ...]
    dates: tuple[str, str, str]
    numbers: tuple[tuple[int, int, int], ...]


class _Local:
    """One column's times in a zone, from SQLite's texts of UTC times, with the zone's offsets worked
    out once per day of them (an export's hundreds of thousands of times fall in a few hundred days):
    a fifth of the cost of converting each time. A value of another form, or a zone whose offset is
    not whole hours (Newfoundland, India), takes the long way: each time converted on its own."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.days: dict[str, _Day | None] = {}  # '2026-11-23' -> its offsets (None: not whole hours)

    def _day(self, key: str) -> _Day | None:
        start = datetime.fromisoformat(key).replace(tzinfo=UTC)
        first, last = start.astimezone(self.zone), (start + timedelta(hours=23)).astimezone(self.zone)
        if first.utcoffset() == last.utcoffset():  # most days: no change of clocks
            moments = [first] * 24
        else:
            moments = [(start + timedelta(hours=hour)).astimezone(self.zone) for hour in range(24)]
        offsets = [moment.utcoffset() or timedelta() for moment in moments]
        if any(offset % timedelta(hours=1) for offset in offsets):
            return None
        dates = [(start + timedelta(days=shift)).date() for shift in (-1, 0, 1)]
        return _Day(
            tuple(offset // timedelta(hours=1) for offset in offsets),
            tuple(moment.isoformat()[19:] for moment in moments),
            (dates[0].isoformat(), dates[1].isoformat(), dates[2].isoformat()),
            tuple((day.year, day.month, day.day) for day in dates),
        )

    def _known(self, column: list[Any]) -> dict[str, _Day] | None:
        given = list(filter(None, column))
        if not (set(map(type, given)) <= {str} and set(map(len, given)) <= {STORED_TIME_LENGTH}):
            return None
        if not all(map(_SPACED, given)):
            return None
        if len(self.days) > KNOWN_DAYS:  # memory stays flat however long the program has run
            self.days.clear()
        for key in {text[:10] for text in given} - self.days.keys():
            self.days[key] = self._day(key)
        days = self.days
        return None if any(days[text[:10]] is None for text in given) else cast(dict[str, _Day], days)

    def texts(self, column: list[Any]) -> list[Value]:
        days = self._known(column)
        if days is None:
            return [None if moment is None else moment.isoformat("T", "seconds") for moment in self._long_way(column)]
        cells: list[Value] = []
        for text in column:
            if text is None:
                cells.append(None)
                continue
            day, hour = days[text[:10]], int(text[11:13])
            local = hour + day.shifts[hour]
            which = (local >= 0) + (local >= 24)  # the day before, the same day, or the day after
            cells.append(f"{day.dates[which]}T{local % 24:02d}{text[13:19]}{day.offsets[hour]}")
        return cells

    def moments(self, column: list[Any]) -> list[Any]:
        """Naive local times to the second, which the XLSX writer keeps as date-time cells."""
        days = self._known(column)
        if days is None:
            return [None if moment is None else moment.replace(tzinfo=None) for moment in self._long_way(column)]
        cells: list[Any] = []
        for text in column:
            if text is None:
                cells.append(None)
                continue
            day, hour = days[text[:10]], int(text[11:13])
            local = hour + day.shifts[hour]
            year, month, date = day.numbers[(local >= 0) + (local >= 24)]
            cells.append(datetime(year, month, date, local % 24, int(text[14:16]), int(text[17:19])))
        return cells

    def _long_way(self, column: list[Any]) -> list[datetime | None]:
        return [
            None if moment is None else moment.replace(tzinfo=moment.tzinfo or UTC, microsecond=0).astimezone(self.zone)
            for moment in _moments(column)
        ]


_LOCALS: Final[dict[str, _Local]] = {}  # one per zone: its days' offsets shared by every column


def is_time(table: Table, name: str) -> bool:
    return isinstance(table.c[name].type, UtcDateTime)


def readable(
    session: AsyncSession, table: Table, names: Sequence[str], times: Times = IN_UTC
) -> tuple[list[Any], list[ToCells | None]]:
    """The columns to select for `names`, and how each column of values becomes cells (None: they
    are already).

    The cell of an integer or a text is the value itself, so those columns skip `cell` (millions of
    calls per export); times are read as text on SQLite and rearranged (`time_cells`) or converted
    (`Times`).
    """
    on_sqlite = session.get_bind().dialect.name == "sqlite"
    columns: list[Any] = []
    cells: list[ToCells | None] = []
    for name in names:
        column = table.c[name]
        timed = is_time(table, name)
        columns.append(type_coerce(column, String) if timed and on_sqlite else column)
        cells.append(
            None if isinstance(column.type, Integer | String) else times.cells(on_sqlite) if timed else cells_of
        )
    return columns, cells


def page_of(rows: Sequence[Sequence[Any]], cells: Sequence[ToCells | None]) -> list[list[Any]]:
    """The columns of a page of rows, each turned into cells: whole columns at a time, which costs
    a fraction of converting row by row."""
    columns = zip(cells, map(list, zip(*rows, strict=True)), strict=True)
    return [column if to_cells is None else to_cells(column) for to_cells, column in columns]


def cells_of(values: list[Any]) -> list[Value]:
    """`values` as cells: the list itself when every one is a text, an integer or None (checked in
    C); lists of texts (a multiple choice's answers) joined without a call of `cell` each."""
    kinds = set(map(type, values))
    if kinds <= PLAIN:
        return values
    if kinds <= PLAIN_OR_LIST:
        try:
            return [JOIN(value) if type(value) is list else value for value in values]
        except TypeError:  # a list holding something other than texts
            pass
    return list(map(cell, values))


def answer_columns(answers: list[dict[str, Any]], keys: Sequence[str]) -> list[list[Value]]:
    """One column of cells per key from each record's answers (None where a key is missing).

    Each record's answers are laid over all keys unanswered and read in one C call (`itemgetter`):
    a fraction of the cost of a `get` per key and record.
    """
    if not answers:
        return [[] for _ in keys]
    unanswered = dict.fromkeys(keys)
    values = map(itemgetter(*keys), [unanswered | given for given in answers])
    if len(keys) == 1:  # itemgetter of one key gives the value, not a tuple of one
        return [cells_of(list(values))]
    return [cells_of(list(column)) for column in zip(*values, strict=True)]
