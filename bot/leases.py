"""What a lease of outbox messages holds (bot.sender), and the replies leased as they are written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.outbox import ClaimedMessage

# chat -> its messages written by the caller's transaction (outbox id, payload), when they are its
# oldest waiting ones: leased as they are (`Sender.lease`).
Written = dict[int, list[tuple[int, dict[str, Any]]]]


@dataclass(frozen=True)
class Leased:
    """Messages leased to this sender at `at` (outbox id, chat, payload, attempts), and when each of
    their chats last got a message from any worker."""

    at: datetime
    messages: list[tuple[int, int, dict[str, Any], int]]
    last_sent: dict[int, datetime]


def as_written(written: Written, per_chat: int | None, room: int) -> list[ClaimedMessage]:
    """The messages of `written` to lease as they are: a chat's if they are within a chat's share of a
    lease (`per_chat`), while the lease has `room`; this try counted. The others are looked for."""
    messages: list[ClaimedMessage] = []
    for chat_id, its in written.items():
        if (per_chat is None or len(its) <= per_chat) and len(messages) + len(its) <= room:
            messages += [ClaimedMessage(outbox_id, chat_id, payload, 1) for outbox_id, payload in its]
    return messages
