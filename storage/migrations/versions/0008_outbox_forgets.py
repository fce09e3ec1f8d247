"""The outbox forgets what it delivered.

A message delivered or given up keeps only what delivery needs (its chat, status, times, error):
the text of every message ever sent (a coordinator's notice of a new application, a meeting's
contact lines, a /pending list) stayed in the outbox for good, beyond erasure and retention. The
texts of messages sent before are dropped here. `farewell` marks the goodbye to someone erased,
whose chat is not kept once it is delivered.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("farewell", sa.Boolean, nullable=False, server_default=sa.text("false")))
    op.execute("UPDATE outbox SET payload = '{}' WHERE status <> 'pending'")


def downgrade() -> None:
    # The texts dropped stay gone.
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("farewell")
