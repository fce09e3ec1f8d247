"""Coordinators who joined with a one-time code, the digests they were sent and the audit of what they
looked at (handlers.core.ports.CoordinatorRoster); and the lists `frontdoor coordinators list` and `audit` show."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.model import Status
from storage.database import inserted
from storage.tables import (
    AnswerRow,
    ConversationRow,
    CoordinatorAuditRow,
    CoordinatorInviteRow,
    CoordinatorRow,
    CoordinatorSettingsRow,
    DigestRow,
    ParticipantRow,
)

INVITE_VALID = timedelta(days=7)
CLI = "cli"  # the audit's channel for `frontdoor export`


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


class SqlCoordinatorRoster:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def invite(self, now: datetime) -> tuple[str, datetime]:
        """A new one-time code and when it expires (for `frontdoor coordinators invite`)."""
        return await invite(self._session, now)

    async def record_by_operator(self, operator: str, action: str, detail: str, records: int, now: datetime) -> None:
        """An export from the command line, in the audit under the name of whoever ran it."""
        self._session.add(
            CoordinatorAuditRow(
                at=now, channel=CLI, user_id=None, operator=operator[:64], action=action, detail=detail, records=records
            )
        )
        await self._session.flush()

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

    async def remove(self, channel: str, user_id: int) -> bool:
        """End a coordinator's access (revoked, or their own /delete); False when they had none by code."""
        removed = await self._session.execute(
            delete(CoordinatorRow).where(CoordinatorRow.channel == channel, CoordinatorRow.user_id == user_id)
        )
        for table in (DigestRow, CoordinatorSettingsRow):
            await self._session.execute(delete(table).where(table.channel == channel, table.user_id == user_id))
        # The code they used no longer says who used it: nothing of theirs stays behind.
        await self._session.execute(
            update(CoordinatorInviteRow).where(CoordinatorInviteRow.redeemed_by == user_id).values(redeemed_by=None)
        )
        return getattr(removed, "rowcount", 0) == 1

    async def record(self, channel: str, user_id: int, action: str, detail: str, records: int, now: datetime) -> None:
        self._session.add(
            CoordinatorAuditRow(at=now, channel=channel, user_id=user_id, action=action, detail=detail, records=records)
        )
        await self._session.flush()

    async def last_digest(self, channel: str, user_id: int) -> datetime | None:
        last: datetime | None = await self._session.scalar(
            select(func.max(DigestRow.sent_at)).where(DigestRow.channel == channel, DigestRow.user_id == user_id)
        )
        return last

    async def digest_sent(self, channel: str, user_id: int, day: str, now: datetime) -> bool:
        return await inserted(self._session, DigestRow(channel=channel, user_id=user_id, day=day, sent_at=now))

    async def digest_picture(self, channel: str, user_id: int) -> bool:
        chosen = await self._session.scalar(
            select(CoordinatorSettingsRow.digest_picture).where(
                CoordinatorSettingsRow.channel == channel, CoordinatorSettingsRow.user_id == user_id
            )
        )
        return True if chosen is None else bool(chosen)

    async def choose_digest_picture(self, channel: str, user_id: int, wanted: bool) -> None:
        row = await self._session.get(CoordinatorSettingsRow, (channel, user_id))
        if row is None:
            self._session.add(CoordinatorSettingsRow(channel=channel, user_id=user_id, digest_picture=wanted))
        else:
            row.digest_picture = wanted
        await self._session.flush()


@dataclass(frozen=True)
class Member:
    """A coordinator who joined with a code, as `frontdoor coordinators list` shows them."""

    user_id: int
    joined_at: datetime | None  # None: from the settings, not stored
    last_seen: datetime | None  # their last message to the bot
    name: str  # their first name if they registered as a participant, else ""


async def members(session: AsyncSession, channel: str, configured: frozenset[int]) -> list[Member]:
    """Everyone who coordinates: those who joined with a code and those in the settings, by id."""
    stored = select(CoordinatorRow.user_id, CoordinatorRow.added_at).where(CoordinatorRow.channel == channel)
    joined = dict((await session.execute(stored)).tuples().all())
    ids = sorted(set(joined) | configured)
    last = select(ConversationRow.user_id, ConversationRow.updated_at).where(
        ConversationRow.channel == channel, ConversationRow.user_id.in_(ids)
    )
    seen = dict((await session.execute(last)).tuples().all())
    names = await _names(session, channel, ids)
    return [Member(user_id, joined.get(user_id), seen.get(user_id), names.get(user_id, "")) for user_id in ids]


async def _names(session: AsyncSession, channel: str, ids: list[int]) -> dict[int, str]:
    """The first name of each of them who registered (and was not erased)."""
    rows = await session.execute(
        select(ParticipantRow.user_id, AnswerRow.value)
        .join(AnswerRow, (AnswerRow.participant_id == ParticipantRow.id) & (AnswerRow.question_key == "name"))
        .where(
            ParticipantRow.channel == channel,
            ParticipantRow.user_id.in_(ids),
            ParticipantRow.status != Status.ERASED.value,
        )
        .order_by(ParticipantRow.id)
    )
    return {user_id: (str(value or "").split() or [""])[0] for user_id, value in rows}


async def audit_entries(session: AsyncSession, since: datetime | None) -> list[CoordinatorAuditRow]:
    """The audit, oldest first, from `since` on."""
    query = select(CoordinatorAuditRow).order_by(CoordinatorAuditRow.at, CoordinatorAuditRow.id)
    if since is not None:
        query = query.where(CoordinatorAuditRow.at >= since)
    return list((await session.execute(query)).scalars())
