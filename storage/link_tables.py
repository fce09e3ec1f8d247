"""The tables of account linking: one person's two doors (a Telegram account, a WhatsApp number)
made one participant with a one-time code (migration 0014)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.table_types import Base


class LinkCodeRow(Base):
    """A code a person asked for on one door (`channel`, `user_id`), to type on their other door.

    Only its SHA-256 is kept (a leaked database hands out no live code), it expires in minutes, and
    it is deleted once used: whoever types it joins that person's record.
    """

    __tablename__ = "link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]

    __table_args__ = (Index("ix_link_codes_user", "channel", "user_id"), Index("ix_link_codes_expires", "expires_at"))


class LinkTryRow(Base):
    """A wrong code typed, by whom and when: counted per door and overall, so that nobody can guess a
    live code (handlers.intake.linking's limits). Kept an hour, then pruned."""

    __tablename__ = "link_tries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int]
    tried_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_link_tries_user", "channel", "user_id", "tried_at"),
        Index("ix_link_tries_at", "tried_at"),
    )
