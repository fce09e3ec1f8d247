"""What account linking needs from the store (handlers.intake.linking), apart from the other ports:
a person's two doors (a channel and their id there) made one participant with a one-time code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.core.model import Conversation, Participant


@dataclass(frozen=True)
class Tries:
    """Wrong codes typed since a moment: by this door, and by everyone."""

    mine: int
    everyone: int


class Links(Protocol):
    """Link codes, the wrong ones typed, and the other door's conversation. Never commits."""

    async def keep_code(self, channel: str, user_id: int, code: str, now: datetime, expires_at: datetime) -> None:
        """`code` becomes this door's one live code (only its hash is kept); an earlier one is dropped."""

    async def wrong_tries(self, channel: str, user_id: int, since: datetime) -> Tries: ...

    async def wrong_try(self, channel: str, user_id: int, now: datetime) -> None: ...

    async def owner(self, code: str, now: datetime) -> tuple[str, int] | None:
        """The door (channel, user id) that asked for `code`, if it is live (not used, not expired);
        locked until the transaction ends, so that two people typing it cannot both use it."""

    async def use(self, code: str) -> None:
        """The code is spent: it is deleted."""

    async def conversation(self, channel: str, user_id: int, now: datetime) -> Conversation | None:
        """That door's conversation, locked; None when it has none (erased meanwhile)."""

    async def save(self, conversation: Conversation, now: datetime) -> None:
        """Store a conversation other than the acting person's (the pipeline stores theirs)."""

    async def move(self, participant: Participant, conversation: Conversation, now: datetime) -> None:
        """The program's messages to `participant` go to this conversation's door from now on."""
