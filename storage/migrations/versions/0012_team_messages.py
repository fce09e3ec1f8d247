"""Messages people write to the program's team with /contact, and the team's answers (issue 24).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("participant_id", sa.Integer, nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("from_team", sa.Boolean, nullable=False),
        sa.Column("answers", sa.Integer, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_team_messages_user", "team_messages", ["channel", "user_id"])
    op.create_index("ix_team_messages_created", "team_messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_team_messages_created", "team_messages")
    op.drop_index("ix_team_messages_user", "team_messages")
    op.drop_table("team_messages")
