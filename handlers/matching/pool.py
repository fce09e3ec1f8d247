"""The connectors a connectee could meet, best first, each with the slots both are free: for one
connectee (`suggestions`) or for a sweep over many (`Pool`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache

from handlers.core.model import Participant
from handlers.core.people import month_start, zone_of
from handlers.core.ports import ConnectorRecord, Office
from handlers.matching.scoring import (
    NOBODYS,
    RELATED_POINTS,
    Candidate,
    Seeker,
    Suggestion,
    Unmet,
    at_most_outside_field,
    best_possible,
    open_to_proposals,
    points,
    rank,
    unmet_before_times,
    waited,
    words,
)
from handlers.matching.slots import common_starts, connectee_free, connector_starts, find_slots
from handlers.matching.ways import agreed_way, open_ways


@dataclass
class Suggested:
    """The best connectors for a connectee, with their records and the slots both are free by
    connector id, and the connectors left out, by the first hard requirement they fail (counted only
    when every connector was looked at: not in a sweep's `Pool`)."""

    found: list[Suggestion]
    records: dict[int, ConnectorRecord]
    slots: dict[int, list[datetime]]
    left_out: Counter[Unmet] = field(default_factory=Counter)


def slots_for(office: Office, connectee: Participant, record: ConnectorRecord) -> list[datetime]:
    rules = office.program.matching
    connector = record.participant
    return find_slots(
        connector_grid=connector.answers.get("availability") or [],
        connector_zone=zone_of(office, connector),
        connectee_grid=connectee.answers.get("availability") or [],
        connectee_zone=zone_of(office, connectee),
        now=office.now,
        minutes=rules.meeting_minutes,
        notice=timedelta(hours=rules.notice_hours),
        horizon=timedelta(days=rules.horizon_days),
        busy=record.busy,
    )


def _candidate(record: ConnectorRecord, now: datetime, slots: list[datetime]) -> Candidate:
    connector = record.participant
    capacity = connector.answers.get("capacity")
    return Candidate(
        id=connector.id,
        sectors=frozenset(connector.answers.get("sectors") or []),
        job_title=str(connector.answers.get("job_title") or ""),
        languages=frozenset(connector.answers.get("languages") or []),
        capacity=capacity if isinstance(capacity, int) else 1,
        used_this_month=record.used_this_month,
        last_matched_at=record.last_matched_at,
        slots=tuple(slots),
        paused=connector.paused_until is not None and connector.paused_until > now,
        met_before=record.met_before,
        mode=_mode(connector),
        communities=_communities(connector),
    )


def _mode(person: Participant) -> str | None:
    mode = person.answers.get("meeting_mode")
    return mode if isinstance(mode, str) else None


def _communities(connector: Participant) -> frozenset[str]:
    """Where a connector can meet in person; none when they were not asked (registered before the
    question was), so in person is not offered with them."""
    return frozenset(str(value) for value in connector.answers.get("meeting_communities") or [])


def seeker_of(office: Office, connectee: Participant) -> Seeker:
    rules = office.program.matching
    sector = connectee.answers.get("sector")
    community = connectee.answers.get("community")  # an option's value, or {"other": typed} for somewhere else
    return Seeker(
        id=connectee.id,
        sector=sector if isinstance(sector, str) else None,
        occupation=str(connectee.answers.get("occupation") or ""),
        languages=frozenset(connectee.answers.get("languages") or []),
        mode=_mode(connectee),
        reach=rules.reachable(community) if isinstance(community, str) else frozenset(),
        related=rules.related(sector) if isinstance(sector, str) else frozenset(),
    )


def way_to_meet(office: Office, connectee: Participant, connector: Participant) -> str | None:
    """The way this pair meets (handlers.matching.ways); None when they have none in common."""
    seeker = seeker_of(office, connectee)
    nearby = bool(seeker.reach & _communities(connector))
    return agreed_way(seeker.mode, _mode(connector), open_ways(seeker.mode, _mode(connector), in_person_nearby=nearby))


async def suggestions(
    office: Office, connectee: Participant, *, limit: int | None = 3, pool: Pool | None = None
) -> Suggested:
    """The best connectors for this connectee, and why the others were left out.

    With a `pool` (a sweep over many connectees), the same suggestions without loading every
    connector again nor finding slots with every one of them (and nothing counted as left out).
    """
    if pool is not None and limit is not None:
        return pool.suggestions(office, connectee, limit)
    records = await office.matchmaking.connectors_for(connectee.id, month_start(office), office.now)
    return _ranked(office, connectee, records, limit)


async def suggestions_for_each(office: Office, connectees: list[Participant]) -> dict[int, Suggested]:
    """`suggestions` for each of these connectees (the digest's longest waiting), every connector loaded once."""
    records = await office.matchmaking.connectors(month_start(office), office.now)
    before = await office.matchmaking.proposed_before([person.id for person in connectees])
    return {
        person.id: _ranked(
            office, person, [replace(r, met_before=r.participant.id in before.get(person.id, ())) for r in records], 3
        )
        for person in connectees
    }


def _ranked(office: Office, connectee: Participant, records: list[ConnectorRecord], limit: int | None) -> Suggested:
    seeker = seeker_of(office, connectee)
    candidates, slots, by_id = [], {}, {}
    for record in records:
        candidate = _candidate(record, office.now, [])
        # Slot finding is the costly part: skip it for whoever fails another requirement anyway.
        common = [] if unmet_before_times(seeker, candidate) else slots_for(office, connectee, record)
        slots[candidate.id], by_id[candidate.id] = common, record
        candidates.append(replace(candidate, slots=tuple(common)))
    ranking = rank(seeker, candidates, limit=limit)
    return Suggested(ranking.found, by_id, slots, ranking.left_out)


@dataclass
class Pool:
    """Every approved connector, loaded once for a sweep over many connectees and kept up to date by it.

    What it suggests to a connectee is what `suggestions` would find in the database at that
    moment: during a sweep only the sweep's own proposals change a connector's month, last match,
    busy times and who they were proposed to, and `proposed` records each as it is made. Each
    connector's free times on their own grid are worked out once, and only the connectors that can
    still make the best `limit` have their times compared with the connectee's: the others are
    left out by the most points they could have (matching.best_possible).
    """

    records: dict[int, ConnectorRecord]
    proposed_before: dict[int, set[int]]  # connectee -> connectors proposed to them before
    month_start: datetime
    now: datetime
    open: dict[int, Candidate] = field(default_factory=dict)  # connectors who may be proposed: room, not paused
    by_sector: dict[str, list[int]] = field(default_factory=dict)
    starts: dict[int, list[datetime]] = field(default_factory=dict)  # connector -> free starts, once worked out
    # Whether the sweep may bring someone new (a connector approved, a month begun): then coordinators
    # are shown again the suggestions for newcomers they have seen before (handlers.matching.proposals).
    news: bool = True
    room: int | None = None  # _most_left, until a proposal changes it

    @classmethod
    async def load(cls, office: Office, connectees: list[Participant], *, news: bool = True) -> Pool:
        records = await office.matchmaking.connectors(month_start(office), office.now)
        before = await office.matchmaking.proposed_before([person.id for person in connectees])
        pool = cls(
            {record.participant.id: record for record in records}, before, month_start(office), office.now, news=news
        )
        for connector_id in pool.records:
            pool._refresh(connector_id)
        return pool

    def _most_left(self) -> int:
        """The most room any connector who may be proposed has left this month (worked out once a change)."""
        if self.room is None:
            self.room = max((c.capacity - c.used_this_month for c in self.open.values()), default=0)
        return self.room

    def _refresh(self, connector_id: int) -> None:
        """After a change to this connector's record: whether they may be proposed, and their times again."""
        self.room = None
        candidate = _candidate(self.records[connector_id], self.now, [])
        self.starts.pop(connector_id, None)
        was_open = connector_id in self.open
        if open_to_proposals(candidate):  # room left and not paused; the rest is for each connectee
            self.open[connector_id] = candidate
            if not was_open:
                for sector in candidate.sectors:
                    self.by_sector.setdefault(sector, []).append(connector_id)
        elif was_open:
            del self.open[connector_id]
            for sector in candidate.sectors:
                self.by_sector[sector].remove(connector_id)

    def proposed(self, connectee_id: int, connector_id: int, held: list[datetime], minutes: int) -> None:
        """A proposal was made (held: the slots it holds; none: it ended at once and does not count)."""
        record = self.records.get(connector_id)
        self.proposed_before.setdefault(connectee_id, set()).add(connector_id)
        if record is None:
            return
        if held:
            record.used_this_month += 1
            record.busy = [*record.busy, *((start, start + timedelta(minutes=minutes)) for start in held)]
        record.last_matched_at = self.now
        self._refresh(connector_id)

    def _free_starts(self, office: Office, connector_id: int) -> list[datetime]:
        if connector_id not in self.starts:
            rules = office.program.matching
            connector = self.records[connector_id].participant
            self.starts[connector_id] = connector_starts(
                connector_grid=connector.answers.get("availability") or [],
                connector_zone=zone_of(office, connector),
                now=self.now,
                minutes=rules.meeting_minutes,
                notice=timedelta(hours=rules.notice_hours),
                horizon=timedelta(days=rules.horizon_days),
                busy=self.records[connector_id].busy,
            )
        return self.starts[connector_id]

    def suggestions(self, office: Office, connectee: Participant, limit: int) -> Suggested:
        """What `suggestions` finds for this connectee, but from the pool, comparing times only with
        connectors that could still make the best `limit` (nothing is counted as left out)."""
        rules = office.program.matching
        # The connectee's free times: once for every connector compared with them, and only if one is
        # (once the sweep has filled every connector, nobody is).
        theirs = cache(
            lambda: connectee_free(
                connectee_grid=connectee.answers.get("availability") or [],
                connectee_zone=zone_of(office, connectee),
                now=self.now,
                notice=timedelta(hours=rules.notice_hours),
                horizon=timedelta(days=rules.horizon_days),
            )
        )
        search = _Search(self, seeker_of(office, connectee), self.proposed_before.get(connectee.id, set()), limit)

        def compare(connector_id: int) -> list[datetime]:
            return common_starts(self._free_starts(office, connector_id), theirs(), rules.meeting_minutes)

        # The connectee's sector outranks a related one, which outranks any other (scoring.RELATED_POINTS):
        # the connectors of each are looked at only while they could still make the top `limit`.
        seeker = search.seeker
        own = seeker.sector if seeker.sector not in NOBODYS else None
        search.evaluate(self.by_sector.get(own, []) if own is not None else [], compare)
        rest = at_most_outside_field(self._most_left())
        if search.could_rank(RELATED_POINTS + rest):
            related = [i for sector in sorted(seeker.related) for i in self.by_sector.get(sector, [])]
            search.evaluate(related, compare)
        if search.could_rank(rest):
            search.evaluate(list(self.open), compare)
        found = rank(seeker, search.evaluated, limit=limit).found if search.evaluated else []
        return Suggested(found, {s.connector_id: self.records[s.connector_id] for s in found}, search.slots)


@dataclass
class _Search:
    """One connectee's search of a pool: who was compared, and the best `limit` found so far."""

    pool: Pool
    seeker: Seeker
    met: set[int]
    limit: int
    evaluated: list[Candidate] = field(default_factory=list)
    slots: dict[int, list[datetime]] = field(default_factory=dict)
    best: list[tuple[int, float, int]] = field(default_factory=list)  # the top `limit` (points, waited, -id)

    def could_rank(self, most: int) -> bool:
        """Whether a connector with at most `most` points could still enter the top `limit`."""
        return len(self.best) < self.limit or self.best[self.limit - 1][0] <= most

    def evaluate(self, ids: list[int], compare: Callable[[int], list[datetime]]) -> None:
        """Find the times in common with these connectors, best possible first, while they could still rank."""
        if not ids:
            return
        seeker, candidates = self.seeker, self.pool.open
        seeker_words = words(seeker.occupation)
        bounds = [
            (best_possible(seeker, seeker_words, candidates[i]), waited(candidates[i]), -i)
            for i in ids
            if i not in self.met and i not in self.slots and unmet_before_times(seeker, candidates[i]) is None
        ]
        for bound in sorted(bounds, reverse=True):
            if len(self.best) >= self.limit and bound < self.best[self.limit - 1]:
                return  # neither this one nor any after it can enter the top `limit`
            connector_id = -bound[2]
            common = self.slots[connector_id] = compare(connector_id)
            candidate = replace(candidates[connector_id], slots=tuple(common))
            self.evaluated.append(candidate)
            if common:
                self.best.append((points(seeker, seeker_words, candidate, len(common)), bound[1], bound[2]))
                self.best.sort(reverse=True)
