"""The job runner (DESIGN.md, time-driven work): every job due, each in its own transaction.

`frontdoor run` ticks it every minute (and at once when an update asked for an export);
`frontdoor jobs run --now ISO` runs it by hand at a pretended time.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from bot.runtime import Runtime, queue
from handlers import timers
from handlers.coordinators import commands, digest, review
from handlers.core.events import Document, JobRefused, Outgoing
from handlers.privacy import retention, rights
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

JOB_ATTEMPTS: Final = 5  # a job that fails this often is set aside as failed, with its error
# An export job is kept from other workers this long while its file is made outside any transaction;
# a worker that stops meanwhile leaves it due again then. Longer than any export takes.
EXPORT_HOLD: Final = timedelta(minutes=15)


@dataclass
class JobsRun:
    """What a run of the job runner did: how many jobs, and the chats that have new messages."""

    done: int = 0
    failed: int = 0
    chats: list[int] = field(default_factory=list)
    retention_left: bool = False  # a pretended time: retention waits for the real clock


class JobRunner:
    """The job runner of one `Runtime` (bot.app's Frontdoor, which callers use)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def run(self, channel: str, now: datetime | None = None, *, leave: Collection[str] = ()) -> JobsRun:
        """Run every job due at `now` (default: the clock), each in its own transaction; not those of
        the kinds `leave`, which stay due for another worker.

        The job row stays locked (FOR UPDATE SKIP LOCKED) until its transaction commits, so a second
        worker takes other jobs; a crash rolls back and leaves the job due for the next run.
        Retention, which cannot be undone, runs only on the real clock: a pretended `now` (frontdoor
        jobs run --now) leaves it. It runs first, so that its check of the clock reads the newest
        activity on record before this run's other jobs write theirs at `now`.
        """
        on_the_clock = now is None
        moment = now or self._runtime.clock()
        run = JobsRun(retention_left=not on_the_clock)
        await self._schedule(channel, moment, on_the_clock=on_the_clock)
        if on_the_clock:
            await self._run_due(channel, moment, run, only=(retention.RETENTION,))
        await self._run_due(channel, moment, run, leave=(retention.RETENTION, *leave))
        run.chats = list(dict.fromkeys(run.chats))
        return run

    async def _schedule(self, channel: str, moment: datetime, *, on_the_clock: bool) -> None:
        """The recurring jobs due by `moment`: the daily sweep and the digest; retention and pruning only on
        the real clock."""
        async with UnitOfWork(self._runtime.sessions) as uow:
            office = self._runtime.office(uow, channel, moment)
            await review.schedule_sweeps(office)  # before the digest: it reports what the sweep left waiting
            await digest.schedule(office)
            if on_the_clock:
                await retention.schedule(office)
                await rights.schedule_pruning(office)  # bookkeeping ages, like retention's, on the real clock
            await uow.commit()

    async def _run_due(
        self, channel: str, moment: datetime, run: JobsRun, *, only: Collection[str] = (), leave: Collection[str] = ()
    ) -> None:
        """Claim and run the jobs due at `moment` (of the kinds `only`, or all but `leave`) until none is."""
        while True:
            failed: Exception | None = None
            async with UnitOfWork(self._runtime.sessions) as uow:
                job = await uow.jobs.claim_due(moment, only=only, leave=leave)
                if job is None:
                    return
                job_id, kind, payload, attempts = job.id, job.kind, dict(job.payload), job.attempts
                if kind == commands.EXPORT:
                    await uow.jobs.hold(job_id, moment + EXPORT_HOLD)
                    await uow.commit()
                    await self._export(channel, job_id, payload, moment, run)
                    continue
                try:
                    messages = await timers.run(kind, payload, self._runtime.office(uow, channel, moment))
                except JobRefused as refused:  # nothing done, on purpose: not retried, and people are told
                    log.warning("job %s (%s) refused: %s", job_id, kind, refused.reason)
                    messages = refused.messages
                    await uow.jobs.retry(job_id, refused.reason, moment, give_up=True)
                    run.failed += 1
                except Exception as error:  # one broken job must not stop the others
                    log.exception("job %s (%s) failed", job_id, kind)
                    await uow.rollback()
                    failed = error
                else:
                    await uow.jobs.finish(job_id, moment)
                    run.done += 1
                if failed is None:
                    await self._queue(uow, messages, moment, run)
            if failed is not None:
                await self._retry(job_id, attempts, failed, moment)
                run.failed += 1

    async def _queue(self, uow: UnitOfWork, messages: list[Outgoing], moment: datetime, run: JobsRun) -> None:
        """A job's messages into the outbox, and its transaction committed."""
        # Sent now, even when `moment` is a pretended future (frontdoor jobs run --now).
        run.chats += await queue(uow, messages, min(moment, self._runtime.clock()), self._runtime)
        await uow.commit()

    async def _retry(self, job_id: int, attempts: int, failed: Exception, moment: datetime) -> None:
        """A failed job is due again later (2, 4, 8 … minutes), and set aside after JOB_ATTEMPTS."""
        async with UnitOfWork(self._runtime.sessions) as uow:
            give_up = attempts + 1 >= JOB_ATTEMPTS
            retry_at = moment + timedelta(minutes=2 ** (attempts + 1))
            await uow.jobs.retry(job_id, f"{type(failed).__name__}: {failed}", retry_at, give_up=give_up)
            await uow.commit()

    async def _export(self, channel: str, job_id: int, payload: dict[str, Any], moment: datetime, run: JobsRun) -> None:
        """An export job: its file made with no transaction open (on SQLite one would hold the write
        lock for seconds), in a process of its own; then sent, or the coordinator told it failed."""
        document: Document | None = None
        failed = ""
        try:
            kind = str(payload["kind"])
            if "report" in payload:  # the monthly report (/report) rather than every record
                document = await self._runtime.exports.document(kind, moment, report=payload["report"])
            else:
                document = await self._runtime.exports.document(kind, moment)
        except Exception as error:  # not tried again by itself: the coordinator, told, asks again
            log.exception("job %s (%s) failed", job_id, commands.EXPORT)
            failed = f"{type(error).__name__}: {error}"
        async with UnitOfWork(self._runtime.sessions) as uow:
            office = self._runtime.office(uow, channel, moment)
            if document is not None:
                messages = await commands.on_export(payload, document, office)
                await uow.jobs.finish(job_id, moment)
                run.done += 1
            else:
                messages = await commands.on_export_failed(payload, office)
                await uow.jobs.retry(job_id, failed, moment, give_up=True)
                run.failed += 1
            await self._queue(uow, messages, moment, run)
