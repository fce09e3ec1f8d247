"""Privacy: the consent texts shown, each person's consents, erasure of a participant.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("participants", sa.Column("consent_language", sa.String(16), nullable=True))
    op.add_column("participants", sa.Column("erased_at", WHEN, nullable=True))
    op.add_column("participants", sa.Column("erased_reason", sa.String(16), nullable=True))
    # Until now the consent was shown in the language the person chose, and nobody changed it since.
    op.execute("UPDATE participants SET consent_language = language")
    op.create_table(
        "consent_texts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("declared_version", sa.String(32), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("role", "version", name="ux_consent_texts_role_version"),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "participant_id", sa.Integer, sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("agreed_at", WHEN, nullable=False),
    )
    op.create_index("ix_consents_participant", "consents", ["participant_id"])
    op.execute(
        "INSERT INTO consents (participant_id, version, language, agreed_at) "
        "SELECT id, consent_version, language, consented_at FROM participants"
    )
    op.create_index("ix_participants_erased", "participants", ["erased_at"])


def downgrade() -> None:
    op.drop_index("ix_participants_erased", "participants")
    op.drop_index("ix_consents_participant", "consents")
    op.drop_table("consents")
    op.drop_table("consent_texts")
    op.drop_column("participants", "erased_reason")
    op.drop_column("participants", "erased_at")
    op.drop_column("participants", "consent_language")
