"""The outbox keeps a document's file as bytes beside the message, and only until it is sent.

Before, a document (a coordinator's export, a person's /mydata) sat inside the message's JSON as
base64, and stayed there once sent: every export ever asked for in chat, every record of everyone
in it, kept in the outbox for good, beyond the reach of erasure and retention. Base64 inside JSON
also cost the bot's event loop about half a second per 20 MB file, writing it and again reading it.
Now the file is in `attachment` (a BLOB, a third smaller) and is dropped when the message is sent
or given up; the files of messages sent before are dropped here. One still pending keeps its base64
form, which the sender still reads.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import base64

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_SENT_FILES = {
    "sqlite": (
        "UPDATE outbox SET payload = json_remove(payload, '$.document.content') "
        "WHERE status <> 'pending' AND json_extract(payload, '$.document.content') IS NOT NULL"
    ),
    "postgresql": (
        "UPDATE outbox SET payload = (payload::jsonb #- '{document,content}')::json "
        "WHERE status <> 'pending' AND payload->'document'->>'content' IS NOT NULL"
    ),
}


def upgrade() -> None:
    op.add_column("outbox", sa.Column("attachment", sa.LargeBinary, nullable=True))
    op.execute(_SENT_FILES[op.get_bind().dialect.name])


def downgrade() -> None:
    # A pending message's file goes back into its JSON as base64; the files dropped stay gone.
    bind = op.get_bind()
    outbox = sa.table("outbox", sa.column("id"), sa.column("payload", sa.JSON), sa.column("attachment", sa.LargeBinary))
    waiting = bind.execute(
        sa.select(outbox.c.id, outbox.c.payload, outbox.c.attachment).where(outbox.c.attachment.is_not(None))
    ).all()
    for outbox_id, payload, attachment in waiting:
        document = dict(payload["document"]) | {"content": base64.b64encode(attachment).decode("ascii")}
        bind.execute(outbox.update().where(outbox.c.id == outbox_id).values(payload=dict(payload) | {"document": document}))
    with op.batch_alter_table("outbox") as table:
        table.drop_column("attachment")
