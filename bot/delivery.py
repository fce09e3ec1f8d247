"""What a channel reports after trying to deliver one outbox message (shared by channels and sender)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True)
class Delivery:
    """Sent; retry (after `retry_after` seconds if the platform said so); blocked by the person; rejected;
    held until the person writes (outside their reply window, no template to carry it); or outside
    the window, the platform says, though we thought it open (tried again as a template or held)."""

    outcome: str  # "sent" | "retry" | "blocked" | "rejected" | "held" | "outside"
    detail: str = ""
    retry_after: float | None = None


Deliver = Callable[[int, dict[str, Any]], Awaitable[Delivery]]

# Set by the sender on a payload it hands the channel when the chat's reply window has closed: the
# channel sends the message's template instead, or answers "held".
OUTSIDE_WINDOW: Final = "outside_window"
