"""The tables. Alembic migrations in storage/migrations create them; this is their Python face."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

# Re-exported: `from storage.tables import X` names every table, and importing this module registers
# them all on Base.metadata (which Alembic and the tests compare with the migrations).
from storage.coordinator_tables import CoordinatorAuditRow as CoordinatorAuditRow
from storage.coordinator_tables import CoordinatorInviteRow as CoordinatorInviteRow
from storage.coordinator_tables import CoordinatorRow as CoordinatorRow
from storage.coordinator_tables import CoordinatorSettingsRow as CoordinatorSettingsRow
from storage.coordinator_tables import DigestRow as DigestRow
from storage.coordinator_tables import TeamMessageRow as TeamMessageRow
from storage.coordinator_tables import WaitingDayRow as WaitingDayRow
from storage.link_tables import LinkCodeRow as LinkCodeRow
from storage.link_tables import LinkTryRow as LinkTryRow
from storage.table_types import Base as Base
from storage.table_types import UtcDateTime as UtcDateTime


class ParticipantRow(Base):
    """A registration (connectee or connector)."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int]  # 0 once erased: no Telegram account is kept
    chat_id: Mapped[int]  # 0 once erased
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    consent_version: Mapped[str] = mapped_column(String(32))
    consented_at: Mapped[datetime]
    consent_language: Mapped[str | None] = mapped_column(String(16))
    submitted_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    time_zone: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None]
    paused_until: Mapped[datetime | None]
    unmatched_since: Mapped[datetime | None]
    unreachable_since: Mapped[datetime | None]  # Telegram said the person blocked the bot
    missed_meeting_at: Mapped[datetime | None]  # a connectee held from matching after a no-show (migration 0011)
    # Erased (status "erased"): what is left is anonymous, kept for the program's counts.
    erased_at: Mapped[datetime | None]
    erased_reason: Mapped[str | None] = mapped_column(String(16))  # request | coordinator | retention

    __table_args__ = (
        Index("ix_participants_user", "channel", "user_id"),
        Index("ix_participants_updated", "updated_at"),
        Index("ix_participants_role_status", "role", "status"),
        Index("ix_participants_erased", "erased_at"),
    )


class ConsentTextRow(Base):
    """A consent text as shown, by role and version: what a person agreed to, word for word.

    A changed text gets a new version even when the program file kept the old one.
    """

    __tablename__ = "consent_texts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    role: Mapped[str] = mapped_column(String(16))
    version: Mapped[str] = mapped_column(String(32))
    declared_version: Mapped[str] = mapped_column(String(32))  # the program file's
    text_sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("role", "version", name="ux_consent_texts_role_version"),)


class ConsentRow(Base):
    """One agreement: the version and language of the text shown, and when."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[int] = mapped_column(Integer, ForeignKey("participants.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16))
    agreed_at: Mapped[datetime]

    __table_args__ = (Index("ix_consents_participant", "participant_id"),)


class AnswerRow(Base):
    """One answer, by question key; `value` is JSON (text, number, list of option values, or null = skipped)."""

    __tablename__ = "answers"

    participant_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    question_key: Mapped[str] = mapped_column(String(24), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON(none_as_null=False), nullable=True)
    updated_at: Mapped[datetime]

    # On SQLite, stored in key order so that a participant's answers are read together, without a
    # lookup per answer (migration 0006); other databases ignore the option.
    __table_args__ = {"sqlite_with_rowid": False}


class ConversationRow(Base):
    """Where a person stands in the conversation; `state` holds the open question, /back history, ticks."""

    __tablename__ = "conversations"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int]
    language: Mapped[str | None] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(16))
    role: Mapped[str | None] = mapped_column(String(16))
    participant_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("participants.id", ondelete="SET NULL"))
    state: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class ProcessedUpdateRow(Base):
    """Update ids already handled, so that a re-delivered update has no second effect."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[int] = mapped_column(primary_key=True)
    processed_at: Mapped[datetime]


class IncomingUpdateRow(Base):
    """An update received and stored, not yet handled: one person's are handled in `id` order.

    Stored before the channel confirms it (the polling offset, the webhook's 200), so a crash
    between receiving and handling loses nothing.
    """

    __tablename__ = "incoming_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[int]
    user_id: Mapped[int]
    event: Mapped[dict[str, Any]]  # handlers.core.events.event_to_payload
    answer_id: Mapped[str | None] = mapped_column(String(64))  # a pressed button's query, answered after
    status: Mapped[str] = mapped_column(String(8))  # pending | failed
    attempts: Mapped[int] = mapped_column(Integer)
    not_before: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("channel", "update_id", name="ux_incoming_channel_update"),
        Index("ix_incoming_user", "channel", "user_id", "id"),
    )


class WorkerRow(Base):
    """A running `frontdoor run`, seen every second: the live ones share the sending rate."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    # Whose sending rate it shares (migration 0016): each channel's limit is the bot's own.
    channel: Mapped[str] = mapped_column(String(16), server_default=text("'telegram'"))


class BotSecretRow(Base):
    """A secret every worker must share, such as the webhook's, generated once by the first."""

    __tablename__ = "bot_secrets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime]


WAITING = text("status = 'pending'")
HELD = text("status = 'held'")


class OutboxRow(Base):
    """An outgoing message, written in the update's transaction and sent after the commit.

    Once delivered or given up, only what delivery needs stays (chat, status, times, error): the
    payload is emptied, and a farewell's chat set to 0 (migration 0008).
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int]
    payload: Mapped[dict[str, Any]]
    # pending | sent | dead | held (outside the person's 24-hour window, until they write: storage.windows)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(32))  # the worker sending it now (WorkerRow.id)
    # A document's file, beside the JSON rather than in it as base64, and only until the message is
    # sent or given up (migration 0007): an export in chat holds every record of everyone.
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The goodbye to someone just erased: once delivered, not even its chat is kept.
    farewell: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))

    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat", "chat_id", "id"),
        # A chat's waiting messages alone (migration 0010): counted each update, and a chat's oldest
        # found by the sender, without walking the chat's history or its backlog.
        Index("ix_outbox_waiting", "channel", "chat_id", "id", sqlite_where=WAITING, postgresql_where=WAITING),
        # A chat's held messages, released when the person writes (migration 0015).
        Index("ix_outbox_held", "channel", "chat_id", "id", sqlite_where=HELD, postgresql_where=HELD),
    )


class ChatWindowRow(Base):
    """When a person last wrote to us on a channel that may answer freely only for a while after
    that (WhatsApp's 24-hour window); written as their message is stored (storage.windows)."""

    __tablename__ = "chat_windows"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_in_at: Mapped[datetime]


class ProposalRow(Base):
    """A proposal between a connectee and a connector (handlers.core.model.Match)."""

    __tablename__ = "matches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connectee_id: Mapped[int] = mapped_column(Integer, ForeignKey("participants.id", ondelete="CASCADE"))
    connector_id: Mapped[int] = mapped_column(Integer, ForeignKey("participants.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    slots: Mapped[Any] = mapped_column(JSON)  # ISO 8601 UTC starts offered
    slot: Mapped[datetime | None]
    asked_by: Mapped[str | None] = mapped_column(String(16))
    reasons: Mapped[Any] = mapped_column(JSON)
    ended_by: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_matches_connectee", "connectee_id", "status"),
        Index("ix_matches_connector", "connector_id", "created_at"),
    )


class SlotHoldRow(Base):
    """A connector's slot on hold for one proposal; the key lets no second proposal hold it."""

    __tablename__ = "slot_holds"

    connector_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    starts_at: Mapped[datetime] = mapped_column(primary_key=True)
    ends_at: Mapped[datetime]
    match_id: Mapped[int] = mapped_column(Integer, ForeignKey("matches.id", ondelete="CASCADE"), index=True)


SCHEDULED = text("status = 'scheduled'")


class MeetingRow(Base):
    """A confirmed meeting. At most one scheduled meeting per connector and start, and per proposal."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    match_id: Mapped[int] = mapped_column(Integer, ForeignKey("matches.id", ondelete="CASCADE"))
    connectee_id: Mapped[int] = mapped_column(Integer, ForeignKey("participants.id", ondelete="CASCADE"))
    connector_id: Mapped[int] = mapped_column(Integer, ForeignKey("participants.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    outcome: Mapped[str | None] = mapped_column(String(16))  # held | no_show, from the first follow-up answer
    absent_id: Mapped[int | None] = mapped_column(Integer)  # who did not come, for a no-show
    outcome_at: Mapped[datetime | None]  # when the outcome was first reported (the digest counts by it)

    __table_args__ = (
        Index(
            "ux_meetings_connector_start",
            "connector_id",
            "starts_at",
            unique=True,
            sqlite_where=SCHEDULED,
            postgresql_where=SCHEDULED,
        ),
        Index("ux_meetings_match", "match_id", unique=True, sqlite_where=SCHEDULED, postgresql_where=SCHEDULED),
        Index("ix_meetings_start", "starts_at"),
    )


class JobRow(Base):
    """Work with a due time; `key` makes scheduling the same work twice a no-op."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128), unique=True)
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(8))  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_jobs_due", "status", "due_at"),)


class FollowUpRow(Base):
    """Questions after a meeting (kind "meeting") or about work later ("work_30", "work_90") to one person."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(Integer, ForeignKey("meetings.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(Integer, ForeignKey("participants.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # asked | done
    step: Mapped[str | None] = mapped_column(String(24))  # the open question
    answers: Mapped[dict[str, Any]]
    asked_at: Mapped[datetime]
    nudged_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("meeting_id", "participant_id", "kind", name="ux_follow_ups_meeting_person_kind"),
        Index("ix_follow_ups_participant", "participant_id", "status"),
        Index("ix_follow_ups_status", "status", "asked_at"),
    )


class ReferralRow(Base):
    """A contact the connector referred the connectee to: the "one connects you to three" chain.

    `invite_code` makes the personal link that invites the contact to volunteer too;
    `registered_id` is who registered through it.
    """

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(Integer, ForeignKey("meetings.id", ondelete="CASCADE"))
    follow_up_id: Mapped[int] = mapped_column(Integer, ForeignKey("follow_ups.id", ondelete="CASCADE"))
    connectee_id: Mapped[int] = mapped_column(Integer, ForeignKey("participants.id", ondelete="CASCADE"))
    connector_id: Mapped[int] = mapped_column(Integer, ForeignKey("participants.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(Text)
    organization: Mapped[str | None] = mapped_column(Text)
    invite_code: Mapped[str] = mapped_column(String(32), unique=True)
    invitee_user_id: Mapped[int | None]
    registered_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_referrals_meeting", "meeting_id"), Index("ix_referrals_created", "created_at"))
