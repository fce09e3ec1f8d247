"""Concrete meeting slots from two weekly availability grids: pure functions, all times aware.

A grid is a list of cells such as "tue-morning" (handlers.core.program.DAYS × DAY_PARTS), read in
its owner's time zone. A slot starts on the connector's grid (part start + whole meeting lengths),
lies wholly inside both people's free time, starts at least `notice` ahead and at most `horizon`
ahead, and overlaps nothing already booked or on hold for that connector.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.core.program import DAY_PART_HOURS, DAYS

Interval = tuple[datetime, datetime]


def free_intervals(grid: Iterable[str], zone: str, first: date, last: date) -> list[Interval]:
    """The grid's cells as aware intervals on the calendar days first..last (in `zone`), merged."""
    cells = set(grid)
    tz = ZoneInfo(zone)
    intervals: list[Interval] = []
    day = first
    while day <= last:
        for part, (start_hour, end_hour) in DAY_PART_HOURS.items():
            if f"{DAYS[day.weekday()]}-{part}" in cells:
                start = datetime.combine(day, time(start_hour), tz)
                end = datetime.combine(day, time(end_hour), tz)
                if intervals and intervals[-1][1] == start:
                    intervals[-1] = (intervals[-1][0], end)  # morning + midday is one stretch
                else:
                    intervals.append((start, end))
        day += timedelta(days=1)
    return intervals


def _inside(start: datetime, end: datetime, intervals: Sequence[Interval], lows: Sequence[datetime]) -> bool:
    """Within one of `intervals` (sorted, apart: as free_intervals makes them; `lows` their starts)."""
    index = bisect_right(lows, start) - 1
    return index >= 0 and end <= intervals[index][1]


def _overlaps(start: datetime, end: datetime, busy: Sequence[Interval]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in busy)


def _window(now: datetime, notice: timedelta, horizon: timedelta) -> tuple[datetime, datetime, date, date]:
    earliest, latest = now + notice, now + horizon
    # One day of margin each side: the two zones may put the same moment on different dates.
    return earliest, latest, (earliest - timedelta(days=1)).date(), (latest + timedelta(days=1)).date()


def connector_starts(
    *,
    connector_grid: Iterable[str],
    connector_zone: str,
    now: datetime,
    minutes: int,
    notice: timedelta,
    horizon: timedelta,
    busy: Sequence[Interval] = (),
) -> list[datetime]:
    """Every start on the connector's grid in the window and clear of `busy`, earliest first: the
    connector's half of find_slots, the same for every connectee (a sweep works it out once)."""
    earliest, latest, first, last = _window(now, notice, horizon)
    length = timedelta(minutes=minutes)
    starts: list[datetime] = []
    for low, high in free_intervals(connector_grid, connector_zone, first, last):
        start = low
        while start + length <= high:
            end = start + length
            if earliest <= start <= latest and not _overlaps(start, end, busy):
                starts.append(start)
            start = end
    return sorted(starts)


def connectee_free(
    *, connectee_grid: Iterable[str], connectee_zone: str, now: datetime, notice: timedelta, horizon: timedelta
) -> list[Interval]:
    """The connectee's free intervals around the window: worked out once for all the connectors compared."""
    _, _, first, last = _window(now, notice, horizon)
    return free_intervals(connectee_grid, connectee_zone, first, last)


def common_starts(starts: Sequence[datetime], theirs: Sequence[Interval], minutes: int) -> list[datetime]:
    """Of a connector's `starts` (connector_starts), those inside the connectee's free `theirs`, earliest first."""
    if not theirs:
        return []
    lows = [low for low, _ in theirs]
    length = timedelta(minutes=minutes)
    return [start for start in starts if _inside(start, start + length, theirs, lows)]


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
    theirs = connectee_free(
        connectee_grid=connectee_grid, connectee_zone=connectee_zone, now=now, notice=notice, horizon=horizon
    )
    if not theirs:
        return []
    mine = connector_starts(
        connector_grid=connector_grid,
        connector_zone=connector_zone,
        now=now,
        minutes=minutes,
        notice=notice,
        horizon=horizon,
        busy=busy,
    )
    return common_starts(mine, theirs, minutes)


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
