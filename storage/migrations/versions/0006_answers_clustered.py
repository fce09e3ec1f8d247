"""Answers: on SQLite, kept in the order of their key (participant, question), WITHOUT ROWID.

An ordinary SQLite table is stored by rowid, in the order the answers were given, and its primary
key is a separate index: reading a participant's answers (every update, every export, the sweep)
looked each one up in the table from that index. A WITHOUT ROWID table is stored by its primary
key, so a participant's answers sit together and are read in one pass: the export reads all
1.3 million answers of 100,000 participants in about two thirds of the time, and in a database
filled over months (answers interleaved) the saving is larger. PostgreSQL has no such option; its
table is left as it is.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _rebuild_answers(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # SQLite cannot change this in place: batch mode copies the table into a new one and renames it.
    with op.batch_alter_table("answers", recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}):
        pass


def upgrade() -> None:
    _rebuild_answers(with_rowid=False)


def downgrade() -> None:
    _rebuild_answers(with_rowid=True)
