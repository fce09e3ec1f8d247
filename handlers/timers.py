"""What each kind of job does when its time comes; the runtime's job runner calls `run`."""

from __future__ import annotations

from typing import Any

from handlers.coordinators import digest, review
from handlers.core.events import Outgoing
from handlers.core.ports import Office
from handlers.matching import proposals
from handlers.meetings import booking, changes, follow_ups
from handlers.privacy import retention, rights


class UnknownJob(ValueError):
    """A job kind this version does not know (written by a newer version?): kept for a later run."""


async def run(kind: str, payload: dict[str, Any], office: Office) -> list[Outgoing]:
    if kind in (proposals.NUDGE, proposals.EXPIRE):
        return await proposals.on_timer(kind, int(payload["match"]), int(payload["version"]), office)
    if kind == booking.REMIND:
        return await changes.on_reminder(int(payload["meeting"]), int(payload["hours"]), office)
    if kind == review.SWEEP:
        return await review.sweep(office)
    if kind == booking.FOLLOW_UP:
        return await follow_ups.on_ask(int(payload["meeting"]), office)
    if kind == follow_ups.WORK:
        return await follow_ups.on_work(int(payload["meeting"]), int(payload["days"]), office)
    if kind == follow_ups.NUDGE:
        return await follow_ups.on_nudge(int(payload["follow_up"]), office)
    if kind == digest.DAILY:
        return await digest.daily(str(payload["day"]), office)
    if kind == retention.RETENTION:
        return await retention.on_retention(payload, office)
    if kind == rights.PRUNING:
        return await rights.on_pruning(office)
    raise UnknownJob(kind)
