"""Stored values as an export's cells, a whole column at a time: most of what an export costs is here.

A time is ISO 8601 (UTC for JSON, the program's local time for CSV) or a spreadsheet's date and time
(XLSX); a list is joined with "; ", an answer object is JSON, anything else is itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
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
        zone = ZoneInfo(self.zone)
        local = _local_moments if self.as_datetimes else _local_texts
        return lambda column: local(column, zone)


IN_UTC: Final = Times()


def _moments(column: list[Any]) -> list[datetime | None]:
    return [
        None if value is None else value if isinstance(value, datetime) else datetime.fromisoformat(value)
        for value in column
    ]


def _hours(column: list[Any], zone: ZoneInfo) -> dict[str, datetime] | None:
    """Each hour of SQLite's texts of UTC times ('2026-11-23 15'), as that hour's start in `zone`; None
    when some value is not such a text, or the zone's offset is not whole hours (Newfoundland, India):
    then each time is converted on its own. A zone moves whole hours by the hour, so the minutes and
    seconds of a time are its local time's too: a conversion per hour, not per time (a fifth of the cost
    for CSV's texts)."""
    given = list(filter(None, column))
    if not (
        set(map(type, given)) <= {str} and set(map(len, given)) <= {STORED_TIME_LENGTH} and all(map(_SPACED, given))
    ):
        return None
    keys = {text[:13] for text in given}
    hours = {key: datetime.fromisoformat(key + ":00").replace(tzinfo=UTC).astimezone(zone) for key in keys}
    return None if any(moment.minute or moment.second for moment in hours.values()) else hours


def _local_texts(column: list[Any], zone: ZoneInfo) -> list[Value]:
    hours = _hours(column, zone)
    if hours is None:
        return [
            None
            if moment is None
            else moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(zone).isoformat("T", "seconds")
            for moment in _moments(column)
        ]
    # '2026-11-23T10' and '-05:00' of each hour, the time's own minutes and seconds between them
    parts = {
        key: (moment.isoformat("T", "seconds")[:13], moment.isoformat("T", "seconds")[19:])
        for key, moment in hours.items()
    }
    cells: list[Value] = []
    for text in column:
        if text is None:
            cells.append(None)
        else:
            hour, offset = parts[text[:13]]
            cells.append(f"{hour}{text[13:19]}{offset}")
    return cells


def _local_moments(column: list[Any], zone: ZoneInfo) -> list[Any]:
    """Naive local times to the second, which the XLSX writer keeps as date-time cells."""
    hours = _hours(column, zone)
    if hours is None:
        return [
            None
            if moment is None
            else moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(zone).replace(tzinfo=None, microsecond=0)
            for moment in _moments(column)
        ]
    naive = {key: moment.replace(tzinfo=None) for key, moment in hours.items()}
    return [
        None if text is None else naive[text[:13]].replace(minute=int(text[14:16]), second=int(text[17:19]))
        for text in column
    ]


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
