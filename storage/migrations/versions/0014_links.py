"""Account linking (issue 29): the one-time codes that make a person's Telegram account and WhatsApp
number one participant (`link_codes`, hashed), and the wrong codes typed (`link_tries`), counted to
stop guessing.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_link_codes_user", "link_codes", ["channel", "user_id"])
    op.create_index("ix_link_codes_expires", "link_codes", ["expires_at"])
    op.create_table(
        "link_tries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("tried_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_link_tries_user", "link_tries", ["channel", "user_id", "tried_at"])
    op.create_index("ix_link_tries_at", "link_tries", ["tried_at"])


def downgrade() -> None:
    op.drop_index("ix_link_tries_at", "link_tries")
    op.drop_index("ix_link_tries_user", "link_tries")
    op.drop_table("link_tries")
    op.drop_index("ix_link_codes_expires", "link_codes")
    op.drop_index("ix_link_codes_user", "link_codes")
    op.drop_table("link_codes")
