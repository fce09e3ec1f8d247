"""What `/healthz` reports: can the worker reach its database, and is its sender keeping up."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any, Final

from bot.app import Frontdoor
from bot.sender import Sender
from storage.unit_of_work import UnitOfWork

DATABASE_TIMEOUT: Final = 3.0  # seconds; a load balancer asks often and must get an answer
STALLED_AFTER: Final = 15.0  # seconds without a completed sweep: the sender is stuck


async def report(app: Frontdoor, sender: Sender, channel: str) -> tuple[bool, dict[str, Any]]:
    """(healthy, details). Unhealthy: the database does not answer, or the sender stopped sweeping.

    A long queue or old messages alone are not unhealthy (Telegram may be slowing us down on
    purpose); they are reported for the operator to see.
    """
    details: dict[str, Any] = {}
    healthy = True
    try:
        details["database"] = await asyncio.wait_for(_database(app, channel), DATABASE_TIMEOUT)
    except Exception as error:  # any failure to answer is the report itself
        details["database"] = {"ok": False, "error": type(error).__name__}
        healthy = False
    since_sweep = time.monotonic() - sender.health.last_sweep if sender.health.last_sweep else None
    sweeping = since_sweep is not None and since_sweep < STALLED_AFTER
    details["sender"] = {
        "ok": sweeping,
        "seconds_since_sweep": None if since_sweep is None else round(since_sweep, 1),
        "seconds_since_delivery": round(time.monotonic() - sender.health.last_delivery, 1)
        if sender.health.last_delivery
        else None,
        "workers": sender.health.workers,
    }
    healthy = healthy and sweeping
    details["status"] = "ok" if healthy else "failing"
    return healthy, details


async def _database(app: Frontdoor, channel: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    async with UnitOfWork(app.sessions) as uow:
        await uow.reachable()
        pending, oldest = await uow.outbox.pending(channel, now)
        waiting = await uow.incoming.waiting(channel)
    return {
        "ok": True,
        "outbox_pending": pending,
        "oldest_pending_seconds": round((now - oldest).total_seconds(), 1) if oldest else None,
        "updates_waiting": waiting,
    }
