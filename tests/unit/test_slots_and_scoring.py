"""Slot finding and scoring are pure functions: what they promise holds for any input (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.core.program import DAY_PART_HOURS, DAY_PARTS, DAYS
from handlers.matching.scoring import Candidate, Seeker, Why, suggest, unmet, words
from handlers.matching.slots import find_slots, free_intervals, spread
from tests.support.clock import NOW  # Monday 10:00 in Toronto

CELLS = [f"{day}-{part}" for day in DAYS for part in DAY_PARTS]  # weekends too, where a program asks
ZONES = ["America/Toronto", "America/Vancouver", "America/Halifax", "America/St_Johns", "Asia/Kolkata"]
grids = st.lists(st.sampled_from(CELLS), unique=True, max_size=len(CELLS))
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)  # spans both daylight-saving changes


def inside_grid(start: datetime, end: datetime, grid: list[str], zone: str) -> bool:
    local_start, local_end = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))
    intervals = free_intervals(grid, zone, local_start.date(), local_end.date())
    return any(low <= start and end <= high for low, high in intervals)


@settings(max_examples=150, deadline=None)
@given(
    connector_grid=grids,
    connectee_grid=grids,
    connector_zone=st.sampled_from(ZONES),
    connectee_zone=st.sampled_from(ZONES),
    now=moments,
    minutes=st.sampled_from([15, 30, 45, 60]),
    busy_starts=st.lists(st.integers(min_value=0, max_value=14 * 24 * 4), max_size=8),
)
def test_every_slot_fits_both_grids_starts_a_day_ahead_and_avoids_what_is_booked(
    connector_grid: list[str],
    connectee_grid: list[str],
    connector_zone: str,
    connectee_zone: str,
    now: datetime,
    minutes: int,
    busy_starts: list[int],
) -> None:
    busy = [(now + timedelta(minutes=15 * q), now + timedelta(minutes=15 * q + 30)) for q in busy_starts]
    notice, horizon = timedelta(hours=24), timedelta(days=14)
    slots = find_slots(
        connector_grid=connector_grid,
        connector_zone=connector_zone,
        connectee_grid=connectee_grid,
        connectee_zone=connectee_zone,
        now=now,
        minutes=minutes,
        notice=notice,
        horizon=horizon,
        busy=busy,
    )
    length = timedelta(minutes=minutes)
    assert slots == sorted(set(slots))
    for start in slots:
        end = start + length
        assert now + notice <= start <= now + horizon
        assert inside_grid(start, end, connector_grid, connector_zone)
        assert inside_grid(start, end, connectee_grid, connectee_zone)
        assert not any(start < b_end and b_start < end for b_start, b_end in busy)
    offered = spread(slots, 3, connector_zone)
    assert len(offered) == min(3, len(slots)) and set(offered) <= set(slots)


def test_two_people_free_on_tuesday_mornings_get_tuesday_morning_slots_in_toronto_time() -> None:
    slots = find_slots(
        connector_grid=["tue-morning"],
        connector_zone="America/Toronto",
        connectee_grid=["tue-morning", "tue-midday"],
        connectee_zone="America/Toronto",
        now=NOW,
        minutes=30,
        notice=timedelta(hours=24),
        horizon=timedelta(days=7),
    )
    local = [slot.astimezone(ZoneInfo("America/Toronto")).strftime("%a %d %H:%M") for slot in slots]
    # Tuesday 9:00 and 9:30 are less than 24 hours away; the morning ends at noon.
    assert local == ["Tue 24 10:00", "Tue 24 10:30", "Tue 24 11:00", "Tue 24 11:30"]
    assert DAY_PART_HOURS["morning"] == (9, 12)


def test_a_vancouver_connectee_and_a_toronto_connector_meet_when_both_are_free() -> None:
    # Toronto afternoon 14-17 is 11-14 in Vancouver: it overlaps Vancouver's morning 9-12 at 11-12.
    slots = find_slots(
        connector_grid=["wed-afternoon"],
        connector_zone="America/Toronto",
        connectee_grid=["wed-morning"],
        connectee_zone="America/Vancouver",
        now=NOW,
        minutes=30,
        notice=timedelta(hours=24),
        horizon=timedelta(days=3),
    )
    assert [slot.astimezone(ZoneInfo("America/Vancouver")).strftime("%H:%M") for slot in slots] == ["11:00", "11:30"]


def test_spread_prefers_different_days() -> None:
    day = datetime(2026, 11, 24, 15, tzinfo=UTC)
    starts = [day, day + timedelta(minutes=30), day + timedelta(days=1), day + timedelta(days=2)]
    assert spread(starts, 3, "America/Toronto") == [day, day + timedelta(days=1), day + timedelta(days=2)]


candidates = st.builds(
    Candidate,
    id=st.integers(min_value=1, max_value=10_000),
    sectors=st.frozensets(st.sampled_from(["it", "health", "legal", "arts"]), max_size=3),
    job_title=st.sampled_from(["Software engineer", "Nurse", "Lawyer", "Data analyst", ""]),
    languages=st.frozensets(st.sampled_from(["en", "fr", "ar", "pa", "uk"]), min_size=1, max_size=3),
    capacity=st.integers(min_value=1, max_value=4),
    used_this_month=st.integers(min_value=0, max_value=6),
    last_matched_at=st.none() | moments,
    slots=st.lists(moments, max_size=4).map(tuple),
    paused=st.booleans(),
    met_before=st.booleans(),
    mode=st.sampled_from(["video", "any"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(candidates, max_size=12, unique_by=lambda c: c.id))
def test_a_suggestion_is_never_paused_at_capacity_met_before_or_without_a_common_time(pool: list[Candidate]) -> None:
    seeker = Seeker(id=1, sector="it", occupation="software developer", languages=frozenset({"ar", "en"}), mode="any")
    found = suggest(seeker, pool)
    by_id = {candidate.id: candidate for candidate in pool}
    assert len(found) <= 3
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    for suggestion in found:
        candidate = by_id[suggestion.connector_id]
        assert unmet(seeker, candidate) is None
        assert candidate.used_this_month < candidate.capacity, "never over capacity"
    assert len(found) == min(3, sum(unmet(seeker, c) is None for c in pool))


def test_same_sector_outranks_everything_then_a_related_sector_then_words_then_a_shared_language() -> None:
    now = NOW
    base = Candidate(1, frozenset(), "", frozenset({"en"}), 4, 0, None, (now,))
    pool = [
        base,
        Candidate(2, frozenset({"it"}), "", frozenset({"en"}), 1, 0, now, (now,)),
        Candidate(3, frozenset(), "Senior software engineer", frozenset({"en"}), 4, 0, None, (now,) * 10),
        Candidate(4, frozenset(), "", frozenset({"ar"}), 4, 0, None, (now,)),
        Candidate(5, frozenset({"engineering"}), "", frozenset({"en"}), 1, 0, now, (now,)),
    ]
    seeker = Seeker(
        id=9,
        sector="it",
        occupation="Software developer",
        languages=frozenset({"ar", "en"}),
        related=frozenset({"engineering"}),
    )
    found = suggest(seeker, pool, limit=5)
    assert [s.connector_id for s in found] == [2, 5, 3, 4, 1]
    assert found[0].reasons[0].why is Why.SAME_SECTOR
    assert found[1].reasons[0].why is Why.RELATED_SECTOR
    assert [s.in_field for s in found] == [True, True, False, False, False]
    assert found[2].reasons[-1].why is Why.OUTSIDE_FIELD
    assert words("Ingénieure logicielle, Software Engineers") == {"ingenieure", "logicielle", "software", "engineer"}


def test_ties_go_to_whoever_was_matched_least_recently() -> None:
    now = NOW
    recent = Candidate(1, frozenset(), "", frozenset({"en"}), 2, 0, now, (now,))
    longer_ago = Candidate(2, frozenset(), "", frozenset({"en"}), 2, 0, now - timedelta(days=30), (now,))
    never = Candidate(3, frozenset(), "", frozenset({"en"}), 2, 0, None, (now,))
    seeker = Seeker(id=9, sector=None, occupation="", languages=frozenset({"en"}))
    assert [s.connector_id for s in suggest(seeker, [recent, longer_ago, never])] == [3, 2, 1]
