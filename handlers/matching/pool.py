"""The connectors a connectee could meet, best first, each with the slots both are free: for one
connectee (`suggestions`) or for a sweep over many (`Pool`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache

from handlers.core.model import Participant
from handlers.core.people import month_start, zone_of
from handlers.core.ports import ConnectorRecord, Office
from handlers.matching.scoring import (
    Candidate,
    Seeker,
    Suggestion,
    at_most_without_sector,
    best_possible,
    eligible,
    suggest,
    waited,
    words,
)
from handlers.matching.slots import common_starts, connectee_free, connector_starts, find_slots


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
    )


def _seeker(connectee: Participant) -> Seeker:
    sector = connectee.answers.get("sector")
    return Seeker(
        id=connectee.id,
        sector=sector if isinstance(sector, str) else None,
        occupation=str(connectee.answers.get("occupation") or ""),
        languages=frozenset(connectee.answers.get("languages") or []),
    )


async def suggestions(
    office: Office, connectee: Participant, *, limit: int | None = 3, pool: Pool | None = None
) -> tuple[list[Suggestion], dict[int, ConnectorRecord], dict[int, list[datetime]]]:
    """The best connectors for this connectee, with their records and common slots by connector id.

    With a `pool` (a sweep over many connectees), the same answer without loading every connector
    again nor finding slots with every one of them.
    """
    if pool is not None and limit is not None:
        return pool.suggestions(office, connectee, limit)
    records = await office.matchmaking.connectors_for(connectee.id, month_start(office), office.now)
    candidates, slots, by_id = [], {}, {}
    for record in records:
        candidate = _candidate(record, office.now, [])
        # Slot finding is the costly part: skip it for whoever cannot be proposed anyway.
        common = [] if not eligible(replace(candidate, slots=(office.now,))) else slots_for(office, connectee, record)
        slots[candidate.id], by_id[candidate.id] = common, record
        candidates.append(replace(candidate, slots=tuple(common)))
    return suggest(_seeker(connectee), candidates, limit=limit), by_id, slots


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

    @classmethod
    async def load(cls, office: Office, connectees: list[Participant]) -> Pool:
        records = await office.matchmaking.connectors(month_start(office), office.now)
        before = await office.matchmaking.proposed_before([person.id for person in connectees])
        pool = cls({record.participant.id: record for record in records}, before, month_start(office), office.now)
        for connector_id in pool.records:
            pool._refresh(connector_id)
        return pool

    def _refresh(self, connector_id: int) -> None:
        """After a change to this connector's record: whether they may be proposed, and their times again."""
        candidate = _candidate(self.records[connector_id], self.now, [])
        self.starts.pop(connector_id, None)
        was_open = connector_id in self.open
        if eligible(replace(candidate, slots=(self.now,))):  # room left and not paused; times come later
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

    def suggestions(
        self, office: Office, connectee: Participant, limit: int
    ) -> tuple[list[Suggestion], dict[int, ConnectorRecord], dict[int, list[datetime]]]:
        seeker = _seeker(connectee)
        seeker_words = words(seeker.occupation)
        met = self.proposed_before.get(connectee.id, set())
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
        evaluated: list[Candidate] = []
        slots: dict[int, list[datetime]] = {}
        best: list[tuple[int, float, int]] = []  # the top `limit` (points, waited, -id) found so far

        def evaluate(ids: list[int]) -> None:
            """Find the times in common with these connectors, best possible first, while they could still rank."""
            bounds = [
                (best_possible(seeker, seeker_words, self.open[i]), waited(self.open[i]), -i)
                for i in ids
                if i not in met and i not in slots
            ]
            for bound in sorted(bounds, reverse=True):
                if len(best) >= limit and bound < best[limit - 1]:
                    return  # neither this one nor any after it can enter the top `limit`
                connector_id = -bound[2]
                common = common_starts(self._free_starts(office, connector_id), theirs(), rules.meeting_minutes)
                slots[connector_id] = common
                candidate = replace(self.open[connector_id], slots=tuple(common))
                evaluated.append(candidate)
                if common:
                    points = suggest(seeker, [candidate], limit=1)[0].score
                    best.append((points, bound[1], bound[2]))
                    best.sort(reverse=True)

        # Whoever shares the connectee's sector outranks whoever does not; the others are looked at
        # only while they could still make the top `limit`.
        evaluate(self.by_sector.get(seeker.sector, []) if seeker.sector else [])
        most_left = max((c.capacity - c.used_this_month for c in self.open.values()), default=0)
        if len(best) < limit or best[limit - 1][0] <= at_most_without_sector(most_left):
            evaluate(list(self.open))
        found = suggest(seeker, evaluated, limit=limit)
        return found, {s.connector_id: self.records[s.connector_id] for s in found}, slots
