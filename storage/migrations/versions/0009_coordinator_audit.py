"""The coordinators' audit: every /find and export, who, when, what and how many people's records.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coordinator_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=True),
        sa.Column("operator", sa.String(64), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(16), nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
    )
    op.create_index("ix_coordinator_audit_at", "coordinator_audit", ["at"])


def downgrade() -> None:
    op.drop_index("ix_coordinator_audit_at", "coordinator_audit")
    op.drop_table("coordinator_audit")
