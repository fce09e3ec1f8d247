"""What a channel reports after trying to deliver one outbox message (shared by channels and sender)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Delivery:
    """Sent; retry (after `retry_after` seconds if the platform said so); blocked by the person; rejected."""

    outcome: str  # "sent" | "retry" | "blocked" | "rejected"
    detail: str = ""
    retry_after: float | None = None


Deliver = Callable[[int, dict[str, Any]], Awaitable[Delivery]]
