"""What each kind of job does when its time comes; the runtime's job runner calls `run`."""

from __future__ import annotations

from typing import Any

from handlers import coordination, meeting_changes, meetings, proposals
from handlers.events import Outgoing
from handlers.ports import Office


class UnknownJob(ValueError):
    """A job kind this version does not know (written by a newer version?): kept for a later run."""


async def run(kind: str, payload: dict[str, Any], office: Office) -> list[Outgoing]:
    if kind in (proposals.NUDGE, proposals.EXPIRE):
        return await proposals.on_timer(kind, int(payload["match"]), int(payload["version"]), office)
    if kind == meetings.REMIND:
        return await meeting_changes.on_reminder(int(payload["meeting"]), int(payload["hours"]), office)
    if kind == coordination.SWEEP:
        return await coordination.sweep(office)
    raise UnknownJob(kind)
