"""Concrete meeting slots from two weekly availability grids: pure functions, all times aware.

A grid is a list of cells such as "tue-morning" (handlers.program.WEEKDAYS × DAY_PARTS), read in
its owner's time zone. A slot starts on the connector's grid (part start + whole meeting lengths),
lies wholly inside both people's free time, starts at least `notice` ahead and at most `horizon`
ahead, and overlaps nothing already booked or on hold for that connector.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.program import DAY_PART_HOURS, WEEKDAYS

Interval = tuple[datetime, datetime]


def free_intervals(grid: Iterable[str], zone: str, first: date, last: date) -> list[Interval]:
    """The grid's cells as aware intervals on the calendar days first..last (in `zone`), merged."""
    cells = set(grid)
    tz = ZoneInfo(zone)
    intervals: list[Interval] = []
    day = first
    while day <= last:
        weekday = day.weekday()
        if weekday < len(WEEKDAYS):
            for part, (start_hour, end_hour) in DAY_PART_HOURS.items():
                if f"{WEEKDAYS[weekday]}-{part}" in cells:
                    start = datetime.combine(day, time(start_hour), tz)
                    end = datetime.combine(day, time(end_hour), tz)
                    if intervals and intervals[-1][1] == start:
                        intervals[-1] = (intervals[-1][0], end)  # morning + midday is one stretch
                    else:
                        intervals.append((start, end))
        day += timedelta(days=1)
    return intervals


def _inside(start: datetime, end: datetime, intervals: Sequence[Interval]) -> bool:
    return any(low <= start and end <= high for low, high in intervals)


def _overlaps(start: datetime, end: datetime, busy: Sequence[Interval]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in busy)


def find_slots(
    *,
    connector_grid: Iterable[str],
    connector_zone: str,
    connectee_grid: Iterable[str],
    connectee_zone: str,
    now: datetime,
    minutes: int,
    notice: timedelta,
    horizon: timedelta,
    busy: Sequence[Interval] = (),
) -> list[datetime]:
    """Every possible start, earliest first."""
    earliest, latest = now + notice, now + horizon
    length = timedelta(minutes=minutes)
    # One day of margin each side: the two zones may put the same moment on different dates.
    first, last = (earliest - timedelta(days=1)).date(), (latest + timedelta(days=1)).date()
    theirs = free_intervals(connectee_grid, connectee_zone, first, last)
    if not theirs:
        return []
    starts: list[datetime] = []
    for low, high in free_intervals(connector_grid, connector_zone, first, last):
        start = low
        while start + length <= high:
            end = start + length
            if earliest <= start <= latest and _inside(start, end, theirs) and not _overlaps(start, end, busy):
                starts.append(start)
            start = end
    return sorted(starts)


def spread(starts: Sequence[datetime], count: int, zone: str) -> list[datetime]:
    """Up to `count` slots on different days where possible (more choice than three on one morning)."""
    chosen: list[datetime] = []
    days: set[date] = set()
    for start in starts:
        day = start.astimezone(ZoneInfo(zone)).date()
        if day not in days:
            chosen.append(start)
            days.add(day)
        if len(chosen) == count:
            return sorted(chosen)
    for start in starts:
        if len(chosen) == count:
            break
        if start not in chosen:
            chosen.append(start)
    return sorted(chosen)
