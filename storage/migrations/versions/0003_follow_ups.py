"""Follow-ups, referrals, coordinators by invitation, digests sent; meeting outcomes, unreachable people.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def _participant(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.add_column("participants", sa.Column("unreachable_since", WHEN, nullable=True))
    op.add_column("meetings", sa.Column("outcome", sa.String(16), nullable=True))
    op.add_column("meetings", sa.Column("absent_id", sa.Integer, nullable=True))
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
        _participant("participant_id"),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("step", sa.String(24), nullable=True),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("asked_at", WHEN, nullable=False),
        sa.Column("nudged_at", WHEN, nullable=True),
        sa.Column("answered_at", WHEN, nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("meeting_id", "participant_id", "kind", name="ux_follow_ups_meeting_person_kind"),
    )
    op.create_index("ix_follow_ups_participant", "follow_ups", ["participant_id", "status"])
    op.create_index("ix_follow_ups_status", "follow_ups", ["status", "asked_at"])
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("follow_up_id", sa.Integer, sa.ForeignKey("follow_ups.id", ondelete="CASCADE"), nullable=False),
        _participant("connectee_id"),
        _participant("connector_id"),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("role", sa.Text, nullable=True),
        sa.Column("organization", sa.Text, nullable=True),
        sa.Column("invite_code", sa.String(32), nullable=False, unique=True),
        sa.Column("invitee_user_id", sa.BigInteger, nullable=True),
        sa.Column("registered_id", sa.Integer, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_referrals_meeting", "referrals", ["meeting_id"])
    op.create_index("ix_referrals_created", "referrals", ["created_at"])
    op.create_table(
        "coordinator_invites",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("redeemed_at", WHEN, nullable=True),
        sa.Column("redeemed_by", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "coordinators",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("added_at", WHEN, nullable=False),
    )
    op.create_table(
        "digests",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("sent_at", WHEN, nullable=False),
    )


def downgrade() -> None:
    for table in ("digests", "coordinators", "coordinator_invites", "referrals", "follow_ups"):
        op.drop_table(table)
    op.drop_column("meetings", "absent_id")
    op.drop_column("meetings", "outcome")
    op.drop_column("participants", "unreachable_since")
