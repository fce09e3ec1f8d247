"""What each kind of job does when its time comes; the runtime's job runner calls `run`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from handlers.coordinators import digest, review
from handlers.core.events import Outgoing
from handlers.core.ports import Office
from handlers.matching import proposals
from handlers.meetings import booking, changes, follow_ups
from handlers.privacy import retention, rights


class UnknownJob(ValueError):
    """A job kind this version does not know (written by a newer version?): kept for a later run."""


Job = Callable[[dict[str, Any], Office], Awaitable[list[Outgoing]]]

# Every kind of job, by the name its rows carry in the database: a name, once stored, is kept for good.
JOBS: Final[dict[str, Job]] = {
    proposals.NUDGE: lambda payload, office: proposals.on_timer(
        proposals.NUDGE, int(payload["match"]), int(payload["version"]), office
    ),
    proposals.EXPIRE: lambda payload, office: proposals.on_timer(
        proposals.EXPIRE, int(payload["match"]), int(payload["version"]), office
    ),
    booking.REMIND: lambda payload, office: changes.on_reminder(int(payload["meeting"]), int(payload["hours"]), office),
    review.SWEEP: lambda payload, office: review.sweep(office, payload),
    booking.FOLLOW_UP: lambda payload, office: follow_ups.on_ask(int(payload["meeting"]), office),
    follow_ups.WORK: lambda payload, office: follow_ups.on_work(int(payload["meeting"]), int(payload["days"]), office),
    follow_ups.NUDGE: lambda payload, office: follow_ups.on_nudge(int(payload["follow_up"]), office),
    digest.DAILY: lambda payload, office: digest.daily(str(payload["day"]), office),
    retention.RETENTION: retention.on_retention,
    rights.PRUNING: lambda payload, office: rights.on_pruning(office),
}


async def run(kind: str, payload: dict[str, Any], office: Office) -> list[Outgoing]:
    job = JOBS.get(kind)
    if job is None:
        raise UnknownJob(kind)
    return await job(payload, office)
