"""A newcomer who missed a meeting is held from matching until they ask to be matched again or a
coordinator matches them (issue 23): `participants.missed_meeting_at`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("participants", sa.Column("missed_meeting_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("participants", "missed_meeting_at")
