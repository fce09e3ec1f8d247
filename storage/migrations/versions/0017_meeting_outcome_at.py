"""When a meeting's outcome was first reported: the digest counts meetings held and missed since the
last one by this, not by the meeting's last change (a new time asked for the day after a no-show
counted that no-show in a second digest).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as table:
        table.add_column(sa.Column("outcome_at", sa.DateTime(timezone=True)))
    # Before this, a meeting's last change is the best time known.
    op.execute("UPDATE meetings SET outcome_at = updated_at WHERE outcome IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("meetings") as table:
        table.drop_column("outcome_at")
