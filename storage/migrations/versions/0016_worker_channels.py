"""Each worker's row says which channel's sender it is: a Telegram worker and a WhatsApp worker on
one database divide no rate between them (Telegram's 30 a second and the Cloud API's 80 are each
the bot's own), while two workers of one channel still share theirs.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows written before this were Telegram's senders: the only channel that beat.
    with op.batch_alter_table("workers") as table:
        table.add_column(sa.Column("channel", sa.String(16), nullable=False, server_default="telegram"))


def downgrade() -> None:
    with op.batch_alter_table("workers") as table:
        table.drop_column("channel")
