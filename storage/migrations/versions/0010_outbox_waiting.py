"""The outbox's messages waiting to be sent, indexed by chat: only those, in the order they were written.

Why: counting a chat's waiting messages (each update, to keep a flooder's queue under
bot.pipeline.CHAT_QUEUE) and finding a chat's oldest waiting one (the sender's claim) went through
`ix_outbox_chat`, which holds every message the chat ever got, sent or not: work that grew with a
chat's history and with its backlog. A partial index holds the waiting ones alone, a few per chat.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

WAITING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_waiting", "outbox", ["channel", "chat_id", "id"], sqlite_where=WAITING, postgresql_where=WAITING
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_waiting", table_name="outbox")
