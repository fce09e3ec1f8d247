"""When retention runs, and how much of the program one run may anonymize.

Anonymizing is irreversible, and it is decided by the clock alone: a clock years ahead (a pretended
`jobs run --now`, a machine booted with a wrong clock) would otherwise anonymize everyone at once.
So retention runs only on the real clock (the job runner leaves it out of a pretended run), it
checks that clock against the newest activity on record first, and one daily run anonymizes at
most a share of the program; a coordinator lifts that share with `frontdoor retention run --confirm`.
What one run leaves is still due, so the next run takes it: the share delays work, never drops it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from handlers.coordinators.shortlist import tell_coordinators
from handlers.core.events import JobRefused, Outgoing, Reply
from handlers.core.model import Erasure
from handlers.core.ports import Office
from handlers.core.render import format_when
from handlers.core.translator import Translator
from handlers.privacy import rights

log = logging.getLogger(__name__)

RETENTION: Final = "privacy.retention"  # the daily job's kind (the name older job rows carry)
BATCH: Final = 500  # people anonymized in one transaction; a full batch schedules the next at once
# One daily run anonymizes at most this share of the participants not yet anonymized. A program
# keeps about `retention_days` of registrations, so in a steady state 5 % is some 36 days' worth of
# them: retention keeps up easily, while a clock that is wrong in a way the checks below miss costs
# at most one twentieth of the program a day, each day told in the digest, before someone notices.
SHARE: Final = 0.05
# ... but at least this many, so a small pilot (a cohort of a few dozen who registered the same
# week) ages out within days rather than one person a day.
AT_LEAST: Final = 10
# The clock may be this far past the newest activity on record. A running program records activity
# every day (the digest job at least), so only a jump or a long shutdown goes past it; and a jump
# within it anonymizes people at most a week before their time, people who were due within the week.
AHEAD: Final = timedelta(days=7)
# Webhook workers on different machines write with their own clocks: a row this little in the
# future is one worker's clock a little ahead of another's, not a clock that went back.
SKEW: Final = timedelta(minutes=5)


@dataclass(frozen=True)
class ClockCheck:
    """The clock against the newest activity on record; `fault` says what does not fit, if anything."""

    now: datetime
    newest: datetime | None  # None: nothing happened yet, so nothing can be due either

    @property
    def behind(self) -> bool:
        """The clock went back: rows were written after the time it says now."""
        return self.newest is not None and self.now < self.newest - SKEW

    @property
    def ahead(self) -> bool:
        """The clock is further past the newest activity than a running program ever is."""
        return self.newest is not None and self.now > self.newest + AHEAD

    @property
    def fault(self) -> str | None:
        """What does not fit, in one line for the log and the command line; None when the clock fits."""
        if self.behind:
            relation = "is behind"
        elif self.ahead:
            relation = f"is more than {AHEAD.days} days past"
        else:
            return None
        newest = f"{self.newest:%Y-%m-%d %H:%M} UTC"
        return f"the clock ({self.now:%Y-%m-%d %H:%M} UTC) {relation} the newest activity on record ({newest})"


@dataclass(frozen=True)
class Plan:
    """What retention would do now: who is due, and how many one daily run may anonymize."""

    check: ClockCheck
    before: datetime  # inactive since before this moment: due
    due: list[int]  # participant numbers, the longest inactive first
    remaining: int  # participants not anonymized yet
    allowance: int  # at most this many in one daily run


def allowance(remaining: int) -> int:
    """How many one daily run may anonymize, of the participants not anonymized yet."""
    return max(AT_LEAST, math.ceil(remaining * SHARE))


async def check_clock(office: Office) -> ClockCheck:
    return ClockCheck(office.now, await office.retention.newest_activity())


async def plan(office: Office) -> Plan:
    """`frontdoor retention run` without --confirm: what it would anonymize, and why it might not."""
    remaining, before = await office.retention.remaining(), _due_before(office)
    due = await office.personal_data.inactive(before, remaining) if remaining else []
    return Plan(await check_clock(office), before, due, remaining, allowance(remaining))


def _due_before(office: Office) -> datetime:
    """Participants with no activity since this moment are due to be anonymized."""
    return office.now - timedelta(days=office.program.retention_days)


async def schedule(office: Office) -> None:
    """Make sure today's retention job exists (the job runner calls this at every run on the real
    clock; the key dedupes). Its next batches, if any, carry how many they may still anonymize today."""
    day = office.now.date().isoformat()
    await office.jobs.schedule(RETENTION, f"retention:{day}", office.now, {"day": day, "batch": 1})


async def on_retention(payload: dict[str, Any], office: Office) -> list[Outgoing]:
    """The daily run: check the clock (first batch), then anonymize up to today's allowance, a batch
    per transaction. Raises JobRefused, with the coordinators' message, when the clock does not fit."""
    day, batch = str(payload["day"]), int(payload["batch"])
    if batch == 1:
        check = await check_clock(office)
        if check.fault is not None:
            raise JobRefused(f"{check.fault}; nobody anonymized", await _tell_refused(office, check))
        left = allowance(await office.retention.remaining())
    else:
        left = int(payload.get("left", BATCH))  # a batch scheduled before the daily share existed: one batch
    inactive = await office.personal_data.inactive(_due_before(office), min(BATCH, left))
    messages = await anonymize(office, inactive)
    left -= len(inactive)
    if len(inactive) == BATCH and left > 0:
        await office.jobs.schedule(
            RETENTION, f"retention:{day}:{batch + 1}", office.now, {"day": day, "batch": batch + 1, "left": left}
        )
    elif left == 0 and await office.personal_data.inactive(_due_before(office), 1):
        log.warning(
            "retention: today's share of the program is anonymized and more are due; the next run takes "
            "them (or: frontdoor retention run --confirm)"
        )
    return messages


async def anonymize_batch(office: Office) -> tuple[int, list[Outgoing]]:
    """`frontdoor retention run --confirm`: the next BATCH of those due, whatever today's share;
    how many were anonymized, and the messages to anyone they were to meet."""
    inactive = await office.personal_data.inactive(_due_before(office), BATCH)
    return len(inactive), await anonymize(office, inactive)


async def anonymize(office: Office, participant_ids: list[int]) -> list[Outgoing]:
    """Erase each of them as retention does; the messages tell anyone they were to meet."""
    messages = []
    for participant_id in participant_ids:
        person = await office.participants.get(participant_id)
        if person is not None:
            messages += await rights.erase(office, person, Erasure.RETENTION)
    return messages


async def _tell_refused(office: Office, check: ClockCheck) -> list[Outgoing]:
    zone = office.program.time_zone

    def render(t: Translator) -> Reply:
        text = t.gettext(
            "Retention did not run: the server's clock says {now}, but the newest activity on record is "
            "from {newest}. Nobody was anonymized. If the clock is wrong, please have it corrected; "
            "retention will try again tomorrow."
        )
        newest = check.newest or check.now
        return Reply(
            text.format(
                now=format_when(check.now, t, zone, with_year=True),
                newest=format_when(newest, t, zone, with_year=True),
            )
        )

    return await tell_coordinators(office, render)
