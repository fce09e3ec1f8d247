"""The coordinators' tables: invite codes, who joined with one, the digests sent, their settings, the
waiting list day by day, the audit of /find and exports, and the messages people write to the team."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.table_types import Base


class CoordinatorInviteRow(Base):
    """A one-time code from `frontdoor coordinators invite`; only its SHA-256 is kept."""

    __tablename__ = "coordinator_invites"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]
    redeemed_by: Mapped[int | None]


class CoordinatorRow(Base):
    """A coordinator who joined with an invite code (those in FRONTDOOR_COORDINATORS are not stored)."""

    __tablename__ = "coordinators"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    added_at: Mapped[datetime]


class DigestRow(Base):
    """A daily digest sent: the key lets each coordinator have at most one a day, whatever runs it."""

    __tablename__ = "digests"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # the program's local date, ISO
    sent_at: Mapped[datetime]


class CoordinatorSettingsRow(Base):
    """How a coordinator wants the digest (migration 0013); no row: as everyone gets it."""

    __tablename__ = "coordinator_settings"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    digest_picture: Mapped[bool] = mapped_column(Boolean)


class WaitingDayRow(Base):
    """How many newcomers waited for a connector on a day, as the day's digest found it: the picture's
    trend (today's records keep no history of who waited when). Anonymous: a count (migration 0013)."""

    __tablename__ = "waiting_days"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # the program's local date, ISO
    waiting: Mapped[int] = mapped_column(Integer)


class CoordinatorAuditRow(Base):
    """A coordinator's /find or export: who, when, what, how many people's records it showed.

    Never the search words (a name or a phone number typed into /find is a participant's data, and
    would outlive their erasure here) and never a participant's id: the audit keeps no participant data.
    """

    __tablename__ = "coordinator_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))  # telegram, or cli for `frontdoor export`
    user_id: Mapped[int | None]  # the coordinator's id in the channel; None from the command line
    operator: Mapped[str | None] = mapped_column(String(64))  # the command line's user
    action: Mapped[str] = mapped_column(String(16))  # find | export
    detail: Mapped[str] = mapped_column(String(16))  # find: number | words; export: csv | xlsx | json
    records: Mapped[int] = mapped_column(Integer)  # participants shown or exported

    __table_args__ = (Index("ix_coordinator_audit_at", "at"),)


class TeamMessageRow(Base):
    """A message a person wrote to the team with /contact, or the team's answer to one (`answers`).

    Personal data, kept by the person's account (`channel`, `user_id`), registered or not: /mydata
    shows it, /delete and `frontdoor erase` remove it, pruning removes it once old.
    """

    __tablename__ = "team_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int]
    chat_id: Mapped[int]
    participant_id: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16))
    from_team: Mapped[bool] = mapped_column(Boolean)
    answers: Mapped[int | None] = mapped_column(Integer)  # the person's message the team's answer answers
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_team_messages_user", "channel", "user_id"),
        Index("ix_team_messages_created", "created_at"),
    )
