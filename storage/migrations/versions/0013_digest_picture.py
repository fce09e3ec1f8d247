"""The digest's picture (issue 26): whether each coordinator wants it (`coordinator_settings`), and
the waiting list's length day by day for its trend (`waiting_days`).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coordinator_settings",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), primary_key=True),
        sa.Column("digest_picture", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "waiting_days",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("waiting", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("waiting_days")
    op.drop_table("coordinator_settings")
