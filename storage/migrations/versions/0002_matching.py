"""Matching and meetings: proposals, slot holds, meetings, jobs; participants' review and time zone.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
SCHEDULED = sa.text("status = 'scheduled'")


def upgrade() -> None:
    op.add_column("participants", sa.Column("time_zone", sa.String(64), nullable=True))
    op.add_column("participants", sa.Column("reviewed_at", WHEN, nullable=True))
    op.add_column("participants", sa.Column("paused_until", WHEN, nullable=True))
    op.add_column("participants", sa.Column("unmatched_since", WHEN, nullable=True))
    op.create_index("ix_participants_role_status", "participants", ["role", "status"])
    op.create_table(
        "matches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("connectee_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("connector_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("slots", sa.JSON, nullable=False),
        sa.Column("slot", WHEN, nullable=True),
        sa.Column("asked_by", sa.String(16), nullable=True),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("ended_by", sa.String(16), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index("ix_matches_connectee", "matches", ["connectee_id", "status"])
    op.create_index("ix_matches_connector", "matches", ["connector_id", "created_at"])
    op.create_table(
        "slot_holds",
        sa.Column("connector_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("starts_at", WHEN, primary_key=True),
        sa.Column("ends_at", WHEN, nullable=False),
        sa.Column("match_id", sa.Integer, sa.ForeignKey("matches.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_slot_holds_match_id", "slot_holds", ["match_id"])
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("match_id", sa.Integer, sa.ForeignKey("matches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("connectee_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("connector_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("ends_at", WHEN, nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    # The database, not the code, decides who gets a slot when two confirm it at the same moment.
    op.create_index(
        "ux_meetings_connector_start",
        "meetings",
        ["connector_id", "starts_at"],
        unique=True,
        sqlite_where=SCHEDULED,
        postgresql_where=SCHEDULED,
    )
    op.create_index(
        "ux_meetings_match", "meetings", ["match_id"], unique=True, sqlite_where=SCHEDULED, postgresql_where=SCHEDULED
    )
    op.create_index("ix_meetings_start", "meetings", ["starts_at"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(128), nullable=False, unique=True),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("done_at", WHEN, nullable=True),
    )
    op.create_index("ix_jobs_due", "jobs", ["status", "due_at"])


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("meetings")
    op.drop_table("slot_holds")
    op.drop_table("matches")
    op.drop_index("ix_participants_role_status", "participants")
    for column in ("unmatched_since", "paused_until", "reviewed_at", "time_zone"):
        op.drop_column("participants", column)
