"""WhatsApp's 24-hour window (issue 29): when each person last wrote (`chat_windows`), and the
outbox's messages held until they write again (status 'held', found by `ix_outbox_held`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

HELD = sa.text("status = 'held'")


def upgrade() -> None:
    op.create_table(
        "chat_windows",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("last_in_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_outbox_held", "outbox", ["channel", "chat_id", "id"], sqlite_where=HELD, postgresql_where=HELD)


def downgrade() -> None:
    op.drop_index("ix_outbox_held", table_name="outbox")
    op.drop_table("chat_windows")
