"""Follow-ups and referrals (implements handlers.core.ports.FollowUps)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.model import FollowUp, FollowUpStatus, Meeting, Participant, Referral, Role
from storage.database import inserted
from storage.tables import FollowUpRow, ReferralRow


class SqlFollowUps:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def start(
        self, meeting: Meeting, person: Participant, kind: str, step: str, now: datetime
    ) -> FollowUp | None:
        row = FollowUpRow(
            meeting_id=meeting.id,
            participant_id=person.id,
            role=person.role.value,
            kind=kind,
            status=FollowUpStatus.ASKED.value,
            step=step,
            answers={},
            asked_at=now,
            updated_at=now,
        )
        # The unique key (meeting, person, kind) makes a second start of the same follow-up a no-op.
        return follow_up_from_row(row) if await inserted(self._session, row) else None

    async def get(self, follow_up_id: int, *, lock: bool = False) -> FollowUp | None:
        query = select(FollowUpRow).where(FollowUpRow.id == follow_up_id)
        row = (await self._session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
        return follow_up_from_row(row) if row else None

    async def save(self, follow_up: FollowUp, now: datetime) -> None:
        await self._session.execute(
            update(FollowUpRow)
            .where(FollowUpRow.id == follow_up.id)
            .values(
                status=follow_up.status.value,
                step=follow_up.step,
                answers=follow_up.answers,
                nudged_at=follow_up.nudged_at,
                answered_at=follow_up.answered_at,
                updated_at=now,
            )
        )

    async def awaiting_text(self, participant_id: int, steps: frozenset[str]) -> FollowUp | None:
        row = (
            await self._session.execute(
                select(FollowUpRow)
                .where(
                    FollowUpRow.participant_id == participant_id,
                    FollowUpRow.status == FollowUpStatus.ASKED.value,
                    FollowUpRow.step.in_(steps),
                )
                .order_by(FollowUpRow.updated_at.desc(), FollowUpRow.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        return follow_up_from_row(row) if row else None

    async def add_referral(
        self,
        follow_up: FollowUp,
        meeting: Meeting,
        name: str | None,
        role: str | None,
        organization: str | None,
        now: datetime,
    ) -> Referral:
        row = ReferralRow(
            meeting_id=meeting.id,
            follow_up_id=follow_up.id,
            connectee_id=meeting.connectee_id,
            connector_id=meeting.connector_id,
            name=name,
            role=role,
            organization=organization,
            # Unguessable: the personal link is the contact's only credential.
            invite_code=secrets.token_urlsafe(12),
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _referral(row)

    async def referral_by_code(self, code: str) -> Referral | None:
        row = (
            await self._session.execute(select(ReferralRow).where(ReferralRow.invite_code == code))
        ).scalar_one_or_none()
        return _referral(row) if row else None

    async def invitee_opened(self, referral_id: int, user_id: int) -> None:
        await self._session.execute(
            update(ReferralRow)
            .where(ReferralRow.id == referral_id, ReferralRow.invitee_user_id.is_(None))
            .values(invitee_user_id=user_id)
        )

    async def invitee_registered(self, user_id: int, participant_id: int) -> None:
        await self._session.execute(
            update(ReferralRow)
            .where(ReferralRow.invitee_user_id == user_id, ReferralRow.registered_id.is_(None))
            .values(registered_id=participant_id)
        )


def follow_up_from_row(row: FollowUpRow) -> FollowUp:
    return FollowUp(
        id=row.id,
        meeting_id=row.meeting_id,
        participant_id=row.participant_id,
        role=Role(row.role),
        kind=row.kind,
        status=FollowUpStatus(row.status),
        step=row.step,
        answers=dict(row.answers or {}),
        asked_at=row.asked_at,
        nudged_at=row.nudged_at,
        answered_at=row.answered_at,
    )


def _referral(row: ReferralRow) -> Referral:
    return Referral(
        id=row.id,
        meeting_id=row.meeting_id,
        connectee_id=row.connectee_id,
        connector_id=row.connector_id,
        name=row.name,
        role=row.role,
        organization=row.organization,
        invite_code=row.invite_code,
    )
