"""Coordinators who joined with a one-time code, and the digests they were sent (handlers.ports.Coordinators)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import inserted
from storage.tables import CoordinatorInviteRow, CoordinatorRow, DigestRow

INVITE_VALID = timedelta(days=7)


def _hash(code: str) -> str:
    # Only the hash is stored: a leaked database does not hand out coordinator access.
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


async def invite(session: AsyncSession, now: datetime) -> tuple[str, datetime]:
    """A new one-time code and when it expires (for `frontdoor coordinators invite`)."""
    code = secrets.token_urlsafe(9)
    expires_at = now + INVITE_VALID
    session.add(CoordinatorInviteRow(code_hash=_hash(code), created_at=now, expires_at=expires_at))
    await session.flush()
    return code, expires_at


class SqlCoordinators:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def members(self, channel: str) -> frozenset[int]:
        rows = await self._session.execute(select(CoordinatorRow.user_id).where(CoordinatorRow.channel == channel))
        return frozenset(rows.scalars())

    async def redeem(self, channel: str, user_id: int, code: str, now: datetime) -> bool:
        # One UPDATE both checks and uses the code, so two people racing with it cannot both win.
        used = await self._session.execute(
            update(CoordinatorInviteRow)
            .where(
                CoordinatorInviteRow.code_hash == _hash(code),
                CoordinatorInviteRow.redeemed_at.is_(None),
                CoordinatorInviteRow.expires_at > now,
            )
            .values(redeemed_at=now, redeemed_by=user_id)
        )
        if getattr(used, "rowcount", 0) != 1:
            return False
        if await self._session.get(CoordinatorRow, (channel, user_id)) is None:
            self._session.add(CoordinatorRow(channel=channel, user_id=user_id, added_at=now))
            await self._session.flush()
        return True

    async def last_digest(self, channel: str, user_id: int) -> datetime | None:
        last: datetime | None = await self._session.scalar(
            select(func.max(DigestRow.sent_at)).where(DigestRow.channel == channel, DigestRow.user_id == user_id)
        )
        return last

    async def digest_sent(self, channel: str, user_id: int, day: str, now: datetime) -> bool:
        return await inserted(self._session, DigestRow(channel=channel, user_id=user_id, day=day, sent_at=now))
