"""An in-memory Matchmaking port (handlers.core.ports), so matching and meetings run as unit tests.

It keeps what storage/matchmaking.py and its tables promise the flows: each read is a copy, so a
change counts only once saved; a slot is held by one proposal at a time (the key on connector and
start); a connector's time and a proposal are booked once (the unique indexes on scheduled
meetings); erased people are never loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from handlers.core.model import Meeting, MeetingStatus, Participant, Proposal, ProposalStatus, Role, Status
from handlers.core.ports import ConnectorRecord
from tests.support.memory import MemoryParticipants

TAKEN = frozenset({ProposalStatus.OFFERED, ProposalStatus.PROPOSED, ProposalStatus.CONFIRMED})  # against capacity


def _copy(proposal: Proposal) -> Proposal:
    return replace(proposal, slots=list(proposal.slots), reasons=list(proposal.reasons))


class MemoryMatchmaking:
    def __init__(self, participants: MemoryParticipants, language_of: Callable[[int], str | None]) -> None:
        self._participants = participants
        self._language_of = language_of  # a chat's chosen language, by user id
        self.proposals: dict[int, Proposal] = {}
        self.holds: dict[tuple[int, datetime], tuple[int, datetime]] = {}  # (connector, start): (proposal, end)
        self.meetings: dict[int, Meeting] = {}

    def _people(self, role: Role, status: Status) -> list[Participant]:
        return [p for p in self._participants.rows.values() if p.role is role and p.status is status]

    async def applications(self, limit: int) -> tuple[list[Participant], int]:
        submitted = [p for p in self._participants.rows.values() if p.status is Status.SUBMITTED]
        submitted.sort(key=lambda p: (p.submitted_at or p.created_at, p.id))
        return submitted[:limit], len(submitted)

    async def waiting_connectees(
        self, limit: int, now: datetime, *, after: tuple[datetime, int] | None = None
    ) -> list[Participant]:
        busy = {p.connectee_id for p in self.proposals.values() if p.status in TAKEN}
        waiting = [
            person
            for person in self._people(Role.CONNECTEE, Status.APPROVED)
            if person.id not in busy
            and person.unreachable_since is None
            and person.missed_meeting_at is None
            and (person.paused_until is None or person.paused_until <= now)
            and (after is None or (person.reviewed_at or person.created_at, person.id) > after)
        ]
        waiting.sort(key=lambda p: (p.reviewed_at or p.created_at, p.id))
        return waiting[:limit]

    async def connectors_for(
        self, connectee_id: int, month_start: datetime, now: datetime, *, only: int | None = None
    ) -> list[ConnectorRecord]:
        met = {p.connector_id for p in self.proposals.values() if p.connectee_id == connectee_id}
        records = self._connectors(month_start, now, only)
        return [replace(record, met_before=record.participant.id in met) for record in records]

    async def connectors(self, month_start: datetime, now: datetime) -> list[ConnectorRecord]:
        return self._connectors(month_start, now, None)

    def _connectors(self, month_start: datetime, now: datetime, only: int | None) -> list[ConnectorRecord]:
        approved = sorted(
            (p for p in self._people(Role.CONNECTOR, Status.APPROVED) if p.unreachable_since is None),
            key=lambda p: p.id,
        )
        records = []
        for person in approved if only is None else [p for p in approved if p.id == only]:
            theirs = [p for p in self.proposals.values() if p.connector_id == person.id]
            holds = [(start, end) for (whose, start), (_, end) in self.holds.items() if whose == person.id]
            meetings = [
                (m.starts_at, m.ends_at)
                for m in self.meetings.values()
                if m.connector_id == person.id and m.status is MeetingStatus.SCHEDULED
            ]
            records.append(
                ConnectorRecord(
                    participant=person,
                    used_this_month=sum(p.status in TAKEN and p.created_at >= month_start for p in theirs),
                    last_matched_at=max((p.created_at for p in theirs), default=None),
                    met_before=False,
                    busy=[(start, end) for start, end in holds + meetings if end > now],
                )
            )
        return records

    async def proposed_before(self, connectee_ids: list[int]) -> dict[int, set[int]]:
        proposed: dict[int, set[int]] = {}
        for proposal in self.proposals.values():
            if proposal.connectee_id in connectee_ids:
                proposed.setdefault(proposal.connectee_id, set()).add(proposal.connector_id)
        return proposed

    async def create_proposal(
        self, connectee_id: int, connector_id: int, reasons: list[str], now: datetime
    ) -> Proposal:
        proposal = Proposal(
            id=len(self.proposals) + 1,
            connectee_id=connectee_id,
            connector_id=connector_id,
            status=ProposalStatus.OFFERED,
            slots=[],
            created_at=now,
            updated_at=now,
            reasons=list(reasons),
        )
        self.proposals[proposal.id] = _copy(proposal)
        return proposal

    async def proposal(self, match_id: int, *, lock: bool = False) -> Proposal | None:
        stored = self.proposals.get(match_id)
        return _copy(stored) if stored else None

    async def save_proposal(self, proposal: Proposal, now: datetime) -> None:
        proposal.updated_at = now
        self.proposals[proposal.id] = _copy(proposal)

    async def current_proposals(self, participant_id: int, role: Role) -> list[Proposal]:
        mine = [
            _copy(p)
            for p in self.proposals.values()
            if (p.connectee_id if role is Role.CONNECTEE else p.connector_id) == participant_id and p.status in TAKEN
        ]
        return sorted(mine, key=lambda p: -p.id)

    async def hold(self, proposal: Proposal, starts: list[datetime], minutes: int) -> list[datetime]:
        held = []
        for start in starts:
            if (proposal.connector_id, start) not in self.holds:  # another proposal's slot stays theirs
                self.holds[proposal.connector_id, start] = (proposal.id, start + timedelta(minutes=minutes))
                held.append(start)
        return held

    async def release(self, match_id: int) -> None:
        self.holds = {key: hold for key, hold in self.holds.items() if hold[0] != match_id}

    async def book(
        self, proposal: Proposal, start: datetime, end: datetime, mode: str, now: datetime
    ) -> Meeting | None:
        for meeting in self.meetings.values():
            if meeting.status is MeetingStatus.SCHEDULED and (
                (meeting.connector_id, meeting.starts_at) == (proposal.connector_id, start)
                or meeting.match_id == proposal.id
            ):
                return None  # the unique indexes refuse a double booking
        meeting = Meeting(
            len(self.meetings) + 1,
            proposal.id,
            proposal.connectee_id,
            proposal.connector_id,
            start,
            end,
            mode,
            MeetingStatus.SCHEDULED,
        )
        self.meetings[meeting.id] = replace(meeting)
        return meeting

    async def meeting(self, meeting_id: int, *, lock: bool = False) -> Meeting | None:
        stored = self.meetings.get(meeting_id)
        return replace(stored) if stored else None

    async def scheduled_meeting(self, match_id: int) -> Meeting | None:
        return next(
            (
                replace(m)
                for m in self.meetings.values()
                if m.match_id == match_id and m.status is MeetingStatus.SCHEDULED
            ),
            None,
        )

    async def save_meeting(self, meeting: Meeting, now: datetime) -> None:
        stored = self.meetings[meeting.id]  # only what storage writes back: its status and outcome
        self.meetings[meeting.id] = replace(
            stored, status=meeting.status, outcome=meeting.outcome, absent_id=meeting.absent_id
        )

    async def language_of(self, channel: str, user_id: int) -> str | None:
        return self._language_of(user_id)

    async def time_zone_of(self, channel: str, user_id: int) -> str | None:
        return next((p.time_zone for p in self._participants.rows.values() if p.user_id == user_id), None)
