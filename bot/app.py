"""The composition root: the one module that knows the channels, the conversation and the storage.

`Frontdoor.handle` is the one-transaction-per-update pipeline of DESIGN.md: lock the person's
conversation, skip an update already seen, run the flow, store the conversation, the answers
and every reply (the outbox) together, commit. The caller sends the replies after the commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import i18n
from bot.channels import TELEGRAM, telegram_capabilities, terminal
from bot.config import Settings
from bot.exporting import ExportProcess
from bot.flood import Allowance
from bot.sender import Leased
from handlers import coordination, desk, digest, frontdesk, privacy, retention, timers
from handlers.bidi import lay_out
from handlers.channel import Capabilities
from handlers.events import (
    Document,
    Event,
    EventKind,
    JobRefused,
    Outgoing,
    Reply,
    event_to_payload,
    payload_to_event,
    reply_to_payload,
)
from handlers.ports import Context, Office
from handlers.program import DEFAULT_PROGRAM_FILE, Program, ProgramError, check_buttons, load_program
from handlers.quoting import settled, unmarked
from storage.consents import numbered_consents
from storage.coordinators import invite as coordinator_invite
from storage.database import open_engine, session_factory, upgrade
from storage.export import SqlExports, question_keys
from storage.incoming import Arrived
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


JOB_ATTEMPTS = 5  # a job that fails this often is set aside as failed, with its error
# An export job is kept from other workers this long while its file is made outside any transaction;
# a worker that stops meanwhile leaves it due again then. Longer than any export takes.
EXPORT_HOLD = timedelta(minutes=15)
UPDATE_ATTEMPTS = 5  # an update that fails this often is set aside, and the person told (about 15 s)
# Replies to a person's own updates wait in the outbox at most this many at a time: at one message a
# second to a chat, more would reach them minutes late, answering what they no longer look at. Their
# answers are stored all the same, and their next message shows where they stand. Messages to
# others (a coordinator's notice, digest or export, a proposal, a reminder) are never held back:
# nobody's typing makes them, and nobody could ask for them again.
CHAT_QUEUE = 50


@dataclass
class Handled:
    """What one event produced, committed: the replies, their outbox ids, a toast for a button.

    `chats` are the chats with new messages, the person's own and others' (a proposal, a coordinator).
    """

    replies: list[Reply] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    notice: str | None = None
    duplicate: bool = False
    chats: list[int] = field(default_factory=list)


@dataclass
class Received:
    """A stored update, handled: what it produced, and the pressed button's query to answer (if any)."""

    event: Event
    handled: Handled
    answer_id: str | None


@dataclass
class Batch:
    """Updates handled together and committed; the messages `lease` leased for them, if it was given."""

    received: list[Received] = field(default_factory=list)
    leased: Leased | None = None

    @property
    def chats(self) -> list[int]:
        """The chats with new messages, each once."""
        return list(dict.fromkeys(chat for received in self.received for chat in received.handled.chats))


Lease = Callable[[UnitOfWork, list[int]], Awaitable[Leased]]  # Sender.lease


@dataclass
class JobsRun:
    """What a run of the job runner did: how many jobs, and the chats that have new messages."""

    done: int = 0
    failed: int = 0
    chats: list[int] = field(default_factory=list)
    retention_left: bool = False  # a pretended time: retention waits for the real clock


def declared_capabilities() -> dict[str, Capabilities]:
    """Each channel's capabilities as it declares them; Telegram's deep links wait for the bot's name
    (bot.serve sets them once getMe told it)."""
    return {TELEGRAM: telegram_capabilities.capabilities(bot_username=None), terminal.CHANNEL: terminal.CAPABILITIES}


class Frontdoor:
    def __init__(
        self,
        program: Program,
        engine: AsyncEngine,
        *,
        catalogs: i18n.Catalogs = i18n.PROJECT_CATALOGS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        coordinators: frozenset[int] = frozenset(),
        exports: ExportProcess | None = None,
        allowance: Allowance | None = None,
    ) -> None:
        self.program = program
        self.engine = engine
        self.catalogs = catalogs
        self.sessions = session_factory(engine)
        self.clock = clock
        self.coordinators = coordinators
        url = engine.url.render_as_string(hide_password=False)
        self.exports = exports or ExportProcess(url, question_keys(program))
        # Set when an update asked for an export: the running job runner wakes for it, instead of
        # the coordinator waiting for its next round (a minute).
        self.jobs_due = asyncio.Event()
        # How fast one person's updates are taken in: weighed by the channel's Incoming as they arrive.
        self.allowance = allowance or Allowance()
        self.capabilities = declared_capabilities()

    def _capabilities(self, channel: str) -> Capabilities:
        """What `channel` carries; with no channel (a dry run, shown to whoever runs it), Telegram's."""
        return self.capabilities.get(channel) or self.capabilities[TELEGRAM]

    def _office(self, uow: UnitOfWork, channel: str, now: datetime) -> Office:
        return Office(
            participants=uow.participants,
            matchmaking=uow.matchmaking,
            jobs=uow.jobs,
            program=self.program,
            translations=self.catalogs.translator,
            now=now,
            coordinators=self.coordinators,
            channel=channel,
            follow_ups=uow.follow_ups,
            reports=uow.reports,
            staff=uow.coordinators,
            exports=SqlExports(uow.session),
            personal_data=uow.personal_data,
            retention=uow.retention,
            capabilities=self._capabilities(channel),
        )

    @staticmethod
    async def _queue(uow: UnitOfWork, messages: list[Outgoing], now: datetime) -> list[int]:
        """Messages to other people, into the outbox of the same transaction; returns their chats."""
        for message in messages:
            reply = settled(lay_out(message.reply, message.language))
            await uow.outbox.add(message.channel, message.chat_id, [reply_to_payload(reply)], now)
        return list(dict.fromkeys(message.chat_id for message in messages))

    async def handle(self, channel: str, event: Event) -> Handled:
        """Handle an event at once (the terminal, the tests), in its own transaction."""
        async with UnitOfWork(self.sessions) as uow:
            handled = await self._handle(uow, channel, event, self.clock())
            await self._commit(uow)
        return handled

    async def _commit(self, uow: UnitOfWork) -> None:
        """Commit a transaction that handled updates, and wake the job runner if one asked for an export."""
        await uow.commit()
        if desk.EXPORT in uow.scheduled:
            self.jobs_due.set()

    async def receive(self, channel: str, event: Event, answer_id: str | None = None) -> bool:
        """Store an update as it arrives, before the channel confirms it; `handle_waiting` handles it.

        `answer_id` is the pressed button's query, answered with the toast once handled.
        False: this update was here already (Telegram sent it again).
        """
        stored, _ = await self.receive_all(channel, [(event, answer_id)])
        return stored == 1

    async def receive_all(
        self, channel: str, updates: list[tuple[Event, str | None]], *, handle: int = 0, lease: Lease | None = None
    ) -> tuple[int, Batch]:
        """Store updates that arrived together (a long poll's), in one transaction; how many were new.

        With `handle`, up to that many people's oldest waiting updates (these, or older ones) are
        handled in the same transaction too, and their replies leased to the sender with `lease`:
        one transaction from an update's arrival to its reply's sending, where there were three.
        If handling fails, it alone is undone (a savepoint): the updates stay stored, for
        `handle_waiting`.
        """
        now = self.clock()
        arrived = [
            Arrived(event.update_id, event.user_id, event_to_payload(event), answer_id) for event, answer_id in updates
        ]
        batch = Batch()
        async with UnitOfWork(self.sessions) as uow:
            stored = await uow.incoming.store(channel, arrived, now)
            if handle:
                try:
                    async with uow.session.begin_nested():
                        rows = await uow.incoming.claim(channel, now, handle)
                        batch = await self._handle_together(uow, channel, rows, now, lease)
                except Exception as error:
                    log.warning("handling updates as they arrived failed, they wait stored: %r", error)
            await self._commit(uow)
        return stored, batch

    async def handle_waiting(self, channel: str, limit: int, lease: Lease | None = None) -> Batch:
        """Handle stored updates: up to `limit` people's oldest, in one transaction; an empty batch when none is due.

        Under load this shares a transaction's cost (BEGIN, the claim, the removal, COMMIT) between
        several people's updates, each handled as in a transaction of its own (`next_update`); the
        replies are leased to the sender with `lease` in it too. If one of them fails, all are
        rolled back and handled again one at a time (`handle_next`): only the failing one is
        retried, and nobody else's update waits for it.
        """
        now = self.clock()
        async with UnitOfWork(self.sessions) as uow:
            rows = await uow.incoming.claim(channel, now, limit)
            if not rows:
                return Batch()
            try:
                batch = await self._handle_together(uow, channel, rows, now, lease)
                await self._commit(uow)
                return batch
            except Exception as error:
                log.warning("%s updates handled together failed, now one at a time: %r", len(rows), error)
        one_by_one = Batch()
        for _ in rows:
            received = await self.handle_next(channel)
            if received is None:
                break
            one_by_one.received.append(received)
        return one_by_one

    async def _handle_together(
        self, uow: UnitOfWork, channel: str, rows: list[Row[Any]], now: datetime, lease: Lease | None
    ) -> Batch:
        """Claimed updates handled one after another in the caller's transaction, and removed."""
        batch = Batch()
        events = [payload_to_event(row.event) for row in rows]
        fresh = await uow.processed_updates.first_times(channel, [event.update_id for event in events], now)
        for row, event in zip(rows, events, strict=True):
            handled = await self._handle(uow, channel, event, now, fresh=event.update_id in fresh)
            batch.received.append(Received(event, handled, row.answer_id))
            await uow.next_update()
        if rows:
            await uow.incoming.done([row.id for row in rows])
        if lease is not None and batch.chats:
            batch.leased = await lease(uow, batch.chats)
        return batch

    async def handle_next(self, channel: str) -> Received | None:
        """Handle one stored update, a person's oldest, in one transaction with its removal; None: none due.

        A failure rolls the handling back and the update is tried again with backoff; after
        UPDATE_ATTEMPTS the person is told, and their later updates go on.
        """
        now = self.clock()
        async with UnitOfWork(self.sessions) as uow:
            row = await uow.incoming.claim_next(channel, now)
            if row is None:
                return None
            event = payload_to_event(row.event)
            incoming_id, attempts, answer_id = row.id, row.attempts, row.answer_id
            try:
                # A savepoint: a failure undoes the handling, not the claim, so no other consumer
                # takes the update before its failure is recorded.
                async with uow.session.begin_nested():
                    handled = await self._handle(uow, channel, event, now)
            except Exception as error:  # the person's later updates must not wait forever behind this one
                log.exception("update %s of user %s failed", event.update_id, event.user_id)
                give_up = attempts + 1 >= UPDATE_ATTEMPTS
                retry_at = now + timedelta(seconds=2**attempts)
                await uow.incoming.retry(incoming_id, f"{type(error).__name__}: {error}", retry_at, give_up=give_up)
                handled = Handled()
                if give_up:
                    conversation = await uow.conversations.lock(channel, event.user_id, event.chat_id, now)
                    t = self.catalogs.translator(conversation.language or self.program.default_language)
                    apology = Outgoing(channel, event.chat_id, frontdesk.apology(t), t.language)
                    handled.chats = await self._queue(uow, [apology], now)
                await uow.commit()
                return Received(event, handled, answer_id if give_up else None)
            await uow.incoming.done([incoming_id])
            await self._commit(uow)
        return Received(event, handled, answer_id)

    async def _handle(
        self, uow: UnitOfWork, channel: str, event: Event, now: datetime, *, fresh: bool | None = None
    ) -> Handled:
        """The pipeline of one event inside the caller's transaction; the caller commits.

        `fresh`: whether the update was seen for the first time, when the caller remembered it already
        (`first_times`, for several updates in one statement).
        """
        conversation = await uow.conversations.lock(channel, event.user_id, event.chat_id, now)
        # Remembered at once, in this transaction: one statement where a look and a write were two.
        if fresh is None:
            fresh = await uow.processed_updates.first_time(channel, event.update_id, now)
        if not fresh:
            log.info("update %s of user %s already handled", event.update_id, event.user_id)
            return Handled(duplicate=True)
        context = Context(
            conversation=conversation,
            participants=uow.participants,
            program=self.program,
            translations=self.catalogs.translator,
            now=now,
            capabilities=self._capabilities(channel),
        )
        outcome = await frontdesk.handle(event, context, self._office(uow, channel, now))
        await uow.conversations.save(conversation, now)
        reader = conversation.language or self.program.default_language  # as the flow left it: a button may set it
        replies = [settled(lay_out(reply, reader)) for reply in outcome.replies]
        payloads = [reply_to_payload(reply, edit_message_id=event.message_id) for reply in replies]
        if payloads and event.kind is not EventKind.TOO_FAST and not await self._room(uow, channel, event, payloads):
            payloads = []
        ids = await uow.outbox.add(channel, event.chat_id, payloads, now) if payloads else []
        others = await self._queue(uow, outcome.messages, now)
        chats = list(dict.fromkeys(([event.chat_id] if ids else []) + others))
        return Handled(replies=replies, outbox_ids=ids, notice=outcome.notice, chats=chats)

    @staticmethod
    async def _room(uow: UnitOfWork, channel: str, event: Event, payloads: list[dict[str, Any]]) -> bool:
        """Whether the person's chat has room for these replies in the outbox (CHAT_QUEUE)."""
        waiting = await uow.outbox.waiting(channel, event.chat_id, CHAT_QUEUE)
        if waiting + len(payloads) <= CHAT_QUEUE:
            return True
        log.info("chat %s has %s messages waiting: no reply to update %s", event.chat_id, waiting, event.update_id)
        return False

    async def run_jobs(self, channel: str, now: datetime | None = None) -> JobsRun:
        """Run every job due at `now` (default: the clock), each in its own transaction.

        The job row stays locked (FOR UPDATE SKIP LOCKED) until its transaction commits, so a second
        worker takes other jobs; a crash rolls back and leaves the job due for the next run.
        Retention, which cannot be undone, runs only on the real clock: a pretended `now` (frontdoor
        jobs run --now) leaves it. It runs first, so that its check of the clock reads the newest
        activity on record before this run's other jobs write theirs at `now`.
        """
        on_the_clock = now is None
        moment = now or self.clock()
        run = JobsRun(retention_left=not on_the_clock)
        async with UnitOfWork(self.sessions) as uow:
            office = self._office(uow, channel, moment)
            await digest.schedule(office)
            if on_the_clock:
                await retention.schedule(office)
                await privacy.schedule_pruning(office)  # bookkeeping ages, like retention's, on the real clock
            await uow.commit()
        if on_the_clock:
            await self._run_due(channel, moment, run, only=(retention.RETENTION,))
        await self._run_due(channel, moment, run, leave=(retention.RETENTION,))
        run.chats = list(dict.fromkeys(run.chats))
        return run

    async def _run_due(
        self, channel: str, moment: datetime, run: JobsRun, *, only: Collection[str] = (), leave: Collection[str] = ()
    ) -> None:
        """Claim and run the jobs due at `moment` (of the kinds `only`, or all but `leave`) until none is."""
        while True:
            failed: Exception | None = None
            async with UnitOfWork(self.sessions) as uow:
                job = await uow.jobs.claim_due(moment, only=only, leave=leave)
                if job is None:
                    return
                job_id, kind, payload, attempts = job.id, job.kind, dict(job.payload), job.attempts
                if kind == desk.EXPORT:
                    await uow.jobs.hold(job_id, moment + EXPORT_HOLD)
                    await uow.commit()
                    await self._export(channel, job_id, payload, moment, run)
                    continue
                try:
                    messages = await timers.run(kind, payload, self._office(uow, channel, moment))
                except JobRefused as refused:  # nothing done, on purpose: not retried, and people are told
                    log.warning("job %s (%s) refused: %s", job_id, kind, refused.reason)
                    messages = refused.messages
                    await uow.jobs.retry(job_id, refused.reason, moment, give_up=True)
                    run.failed += 1
                except Exception as error:  # one broken job must not stop the others
                    log.exception("job %s (%s) failed", job_id, kind)
                    await uow.session.rollback()
                    failed = error
                else:
                    await uow.jobs.finish(job_id, moment)
                    run.done += 1
                if failed is None:
                    # Sent now, even when `moment` is a pretended future (frontdoor jobs run --now).
                    run.chats += await self._queue(uow, messages, min(moment, self.clock()))
                    await uow.commit()
            if failed is not None:
                await self._retry(job_id, attempts, failed, moment)
                run.failed += 1

    async def _retry(self, job_id: int, attempts: int, failed: Exception, moment: datetime) -> None:
        """A failed job is due again later (2, 4, 8 … minutes), and set aside after JOB_ATTEMPTS."""
        async with UnitOfWork(self.sessions) as uow:
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
            document = await self.exports.document(str(payload["kind"]), moment)
        except Exception as error:  # not tried again by itself: the coordinator, told, asks again
            log.exception("job %s (%s) failed", job_id, desk.EXPORT)
            failed = f"{type(error).__name__}: {error}"
        async with UnitOfWork(self.sessions) as uow:
            office = self._office(uow, channel, moment)
            if document is not None:
                messages = await desk.on_export(payload, document, office)
                await uow.jobs.finish(job_id, moment)
                run.done += 1
            else:
                messages = await desk.on_export_failed(payload, office)
                await uow.jobs.retry(job_id, failed, moment, give_up=True)
                run.failed += 1
            run.chats += await self._queue(uow, messages, min(moment, self.clock()))
            await uow.commit()

    async def dry_run(self) -> list[str]:
        """`frontdoor match --dry-run`: the suggestions for everyone waiting, then roll back."""
        async with UnitOfWork(self.sessions) as uow:
            office = self._office(uow, "", self.clock())
            blocks = await coordination.dry_run(office, self.catalogs.translator(self.program.default_language))
            return [unmarked(block) for block in blocks]

    async def digest_preview(self, channel: str) -> str:
        """`frontdoor digest --print`: the digest of the last 24 hours, in the program's language."""
        async with UnitOfWork(self.sessions) as uow:
            office = self._office(uow, channel, self.clock())
            t = self.catalogs.translator(self.program.default_language)
            return unmarked(await digest.render(office, t, since=office.now - timedelta(days=1)))

    async def invite_coordinator(self) -> tuple[str, datetime]:
        """`frontdoor coordinators invite`: a one-time code, and when it expires."""
        async with UnitOfWork(self.sessions) as uow:
            code, expires_at = await coordinator_invite(uow.session, self.clock())
            await uow.commit()
        return code, expires_at

    async def erase(self, channel: str, participant_id: int) -> bool:
        """`frontdoor erase --participant ID`; False when there is no such participant (or erased already)."""
        async with UnitOfWork(self.sessions) as uow:
            messages = await privacy.erase_on_behalf(self._office(uow, channel, self.clock()), participant_id)
            if messages is None:
                return False
            await self._queue(uow, messages, self.clock())
            await uow.commit()
        return True

    async def retention_plan(self, channel: str, moment: datetime) -> retention.Plan:
        """`frontdoor retention run`: who is due to be anonymized at `moment`, and the clock's check."""
        async with UnitOfWork(self.sessions) as uow:
            return await retention.plan(self._office(uow, channel, moment))

    async def anonymize_due(self, channel: str, moment: datetime) -> int:
        """`frontdoor retention run --confirm`: everyone due at `moment`, a batch per transaction
        (the people they were to meet are told); how many."""
        total = 0
        while True:
            async with UnitOfWork(self.sessions) as uow:
                count, messages = await retention.anonymize_batch(self._office(uow, channel, moment))
                await self._queue(uow, messages, moment)
                await uow.commit()
            total += count
            if count < retention.BATCH:
                return total

    async def revoke_coordinator(self, channel: str, user_id: int) -> bool:
        """`frontdoor coordinators revoke ID`: access ended and the person told; False: no coordinator by code."""
        async with UnitOfWork(self.sessions) as uow:
            messages = await desk.revoke(self._office(uow, channel, self.clock()), user_id)
            if messages is None:
                return False
            await self._queue(uow, messages, self.clock())
            await uow.commit()
        return True

    async def shared_secret(self, name: str, candidate: str) -> str:
        """A secret all workers share (the webhook's): the first to start stores its `candidate`."""
        async with UnitOfWork(self.sessions) as uow:
            secret = await uow.workers.secret(name, candidate, self.clock())
            await uow.commit()
        return secret

    async def mark_sent(self, outbox_ids: list[int]) -> None:
        """For channels that show replies themselves (the terminal): nothing is left to send."""
        if not outbox_ids:
            return
        async with UnitOfWork(self.sessions) as uow:
            await uow.outbox.mark_all_sent(outbox_ids, self.clock())
            await uow.commit()

    async def close(self) -> None:
        await self.engine.dispose()


async def build(settings: Settings) -> Frontdoor:
    """Load the program (a broken file, or a language without a catalog, raises ProgramError), open and
    upgrade the database."""
    program = load_program(settings.program_file)
    for capabilities in declared_capabilities().values():
        check_buttons(program, capabilities)
    catalogs = i18n.Catalogs(settings.locales_dir) if settings.locales_dir else i18n.PROJECT_CATALOGS
    missing = catalogs.without_catalog(program.languages)
    if missing:
        raise ProgramError(
            f"{settings.program_file or DEFAULT_PROGRAM_FILE}: [program] languages: no catalog for "
            f"{', '.join(missing)} in {catalogs.locales} (README, Translating: add one, or leave the language out)"
        )
    engine = open_engine(settings.database_url)
    await upgrade(engine)
    program = await numbered_consents(session_factory(engine), program, datetime.now(UTC))
    allowance = Allowance(settings.person_burst, settings.person_rate)
    return Frontdoor(program, engine, catalogs=catalogs, coordinators=settings.coordinators, allowance=allowance)
