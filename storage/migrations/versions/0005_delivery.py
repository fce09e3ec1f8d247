"""Delivery: updates received but not yet handled, the workers that share the work, the webhook secret.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incoming_updates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("update_id", sa.BigInteger, nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("event", sa.JSON, nullable=False),
        sa.Column("answer_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("not_before", WHEN, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("received_at", WHEN, nullable=False),
        sa.UniqueConstraint("channel", "update_id", name="ux_incoming_channel_update"),
    )
    op.create_index("ix_incoming_user", "incoming_updates", ["channel", "user_id", "id"])
    op.create_table(
        "workers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("seen_at", WHEN, nullable=False),
    )
    op.create_table(
        "bot_secrets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.add_column("outbox", sa.Column("claimed_by", sa.String(32), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "claimed_by")
    op.drop_table("bot_secrets")
    op.drop_table("workers")
    op.drop_index("ix_incoming_user", "incoming_updates")
    op.drop_table("incoming_updates")
