"""An in-memory FollowUps port (handlers.core.ports), as storage/follow_ups.py behaves for the flows:
one follow-up of a kind per person and meeting (a second start is None), reads are copies, and the
open question typed answers go to is the person's most recently changed one."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime
from itertools import count

from handlers.core.model import FollowUp, FollowUpStatus, Meeting, Participant, Referral


def _copy(follow_up: FollowUp) -> FollowUp:
    return replace(follow_up, answers=dict(follow_up.answers))


class MemoryFollowUps:
    def __init__(self) -> None:
        self.rows: dict[int, FollowUp] = {}
        self.referrals: list[Referral] = []
        self._changed: dict[int, tuple[datetime, int]] = {}  # when each was last saved, in order
        self._saves = count()

    async def start(
        self, meeting: Meeting, person: Participant, kind: str, step: str, now: datetime
    ) -> FollowUp | None:
        if any((f.meeting_id, f.participant_id, f.kind) == (meeting.id, person.id, kind) for f in self.rows.values()):
            return None
        follow_up = FollowUp(
            len(self.rows) + 1, meeting.id, person.id, person.role, kind, FollowUpStatus.ASKED, step, {}, now
        )
        await self.save(follow_up, now)
        return follow_up

    async def get(self, follow_up_id: int, *, lock: bool = False) -> FollowUp | None:
        stored = self.rows.get(follow_up_id)
        return _copy(stored) if stored else None

    async def save(self, follow_up: FollowUp, now: datetime) -> None:
        self.rows[follow_up.id] = _copy(follow_up)
        self._changed[follow_up.id] = (now, next(self._saves))

    async def awaiting_text(self, participant_id: int, steps: frozenset[str]) -> FollowUp | None:
        open_ones = [
            f
            for f in self.rows.values()
            if f.participant_id == participant_id and f.status is FollowUpStatus.ASKED and f.step in steps
        ]
        newest = max(open_ones, key=lambda f: (self._changed[f.id], f.id), default=None)
        return _copy(newest) if newest else None

    async def add_referral(
        self,
        follow_up: FollowUp,
        meeting: Meeting,
        name: str | None,
        role: str | None,
        organization: str | None,
        now: datetime,
    ) -> Referral:
        referral = Referral(
            len(self.referrals) + 1,
            meeting.id,
            meeting.connectee_id,
            meeting.connector_id,
            name,
            role,
            organization,
            secrets.token_urlsafe(12),
        )
        self.referrals.append(referral)
        return referral

    async def referral_by_code(self, code: str) -> Referral | None:
        return next((referral for referral in self.referrals if referral.invite_code == code), None)

    async def invitee_registered(self, user_id: int, participant_id: int) -> None:
        """Nobody opens a personal link in memory yet: nothing to record (a registration calls it)."""
