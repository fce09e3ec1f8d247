"""A job's kind is stored with it, days or months before it runs: a name, once stored, never changes.

A restructure that renamed a module once reached into the retention job's name: the daily job's
rows, already in the database, would have run no code. These are the names job rows carry.
"""

from __future__ import annotations

from handlers import timers
from handlers.coordinators import commands

STORED_NAMES = {
    "proposal.nudge",
    "proposal.expire",
    "meeting.reminder",
    "matching.sweep",
    "follow_up.ask",
    "follow_up.work",
    "follow_up.nudge",
    "digest.daily",
    "privacy.retention",
    "privacy.prune",
}


def test_every_kind_of_job_keeps_the_name_its_stored_rows_carry() -> None:
    assert set(timers.JOBS) == STORED_NAMES
    assert commands.EXPORT == "export"  # run by the job runner itself, in a process of its own
