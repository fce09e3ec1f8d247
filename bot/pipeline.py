"""One update, one transaction (DESIGN.md): the five ways an update comes into the conversation.

Each way ends in `Pipeline._handle`: lock the person's conversation, skip an update already seen,
run the front desk, store the conversation, the answers and every reply (the outbox) together.
The caller commits once, and sends the replies after the commit.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Row

from bot.leases import Leased, Written
from bot.runtime import Runtime, fitted_to, queue
from handlers import front_desk
from handlers.coordinators import commands
from handlers.core.bidi import lay_out
from handlers.core.events import Event, EventKind, Outgoing, Reply, event_to_payload, payload_to_event, reply_to_payload
from handlers.core.ports import Context
from handlers.core.quoting import settled
from storage.incoming import Arrived
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

UPDATE_ATTEMPTS: Final = 5  # an update that fails this often is set aside, and the person told (about 15 s)
# Replies to a person's own updates wait in the outbox at most this many at a time: at one message a
# second to a chat, more would reach them minutes late, answering what they no longer look at. Their
# answers are stored all the same, and their next message shows where they stand. Messages to
# others (a coordinator's notice, digest or export, a proposal, a reminder) are never held back:
# nobody's typing makes them, and nobody could ask for them again.
CHAT_QUEUE: Final = 50


@dataclass
class Handled:
    """What one event produced, committed: the replies, their outbox ids, a toast for a button.

    `chats` are the chats with new messages, the person's own and others' (a proposal, a coordinator).
    `written`: the replies as stored (outbox id, payload) when the person's chat had nothing else
    waiting, so that they are its oldest messages, which no other sender can see before the commit:
    leased as they are (`Batch.written`), without looking for them.
    """

    replies: list[Reply] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    notice: str | None = None
    duplicate: bool = False
    chats: list[int] = field(default_factory=list)
    written: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


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

    @property
    def written(self) -> Written:
        """Each person's replies leasable as written (`Handled.written`), for the chats no other
        update of the batch wrote to (a proposal to someone also writing): those are looked for."""
        writers = Counter(chat for received in self.received for chat in received.handled.chats)
        return {
            received.event.chat_id: received.handled.written
            for received in self.received
            if received.handled.written and writers[received.event.chat_id] == 1
        }


Lease = Callable[[UnitOfWork, list[int], Written], Awaitable[Leased]]  # Sender.lease


class Pipeline:
    """The update pipeline of one `Runtime` (bot.app's Frontdoor, which callers use)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def handle(self, channel: str, event: Event) -> Handled:
        """Handle an event at once (the terminal, the tests), in its own transaction."""
        async with UnitOfWork(self._runtime.sessions) as uow:
            handled = await self._handle(uow, channel, event, self._runtime.clock())
            await self._commit(uow)
        return handled

    async def _commit(self, uow: UnitOfWork) -> None:
        """Commit a transaction that handled updates, and wake the job runner if one asked for an export."""
        await uow.commit()
        if commands.EXPORT in uow.scheduled:
            self._runtime.jobs_due.set()

    async def receive_all(
        self, channel: str, updates: list[tuple[Event, str | None]], *, handle: int = 0, lease: Lease | None = None
    ) -> tuple[int, Batch]:
        """Store updates that arrived together (a long poll's), in one transaction; how many were new.

        With `handle`, up to that many people's oldest waiting updates (these, or older ones) are
        handled in the same transaction too, and their replies leased to the sender with `lease`:
        one transaction from an update's arrival to its reply's sending, where there were three.
        If handling fails, the transaction is rolled back and the updates stored again, for
        `handle_waiting`. (Not a savepoint around the handling: two round trips more on every poll,
        on PostgreSQL, for what almost never happens.)
        """
        now = self._runtime.clock()
        batch = Batch()
        async with UnitOfWork(self._runtime.sessions) as uow:
            if self._runtime.capabilities_of(channel).reply_window_hours:  # their window opens as it arrives
                released = await uow.windows.opened(channel, [event.chat_id for event, _ in updates], now)
                updates = _marked_released(updates, released)
            arrived = [
                Arrived(event.update_id, event.user_id, event_to_payload(event), answer_id)
                for event, answer_id in updates
            ]
            stored = await uow.incoming.store(channel, arrived, now)
            if handle:
                try:
                    taken = await uow.incoming.take(channel, now, handle)
                    batch = await self._handle_together(uow, channel, taken, now, lease)
                except Exception as error:
                    log.warning("handling updates as they arrived failed, they wait stored: %r", error)
                    await uow.rollback()
                    await uow.next_update()  # nothing of the handling's is kept, in the session either
                    stored = await uow.incoming.store(channel, arrived, now)
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
        now = self._runtime.clock()
        async with UnitOfWork(self._runtime.sessions) as uow:
            taken = await uow.incoming.take(channel, now, limit)
            if not taken:
                return Batch()
            try:
                batch = await self._handle_together(uow, channel, taken, now, lease)
                await self._commit(uow)
                return batch
            except Exception as error:
                log.warning("%s updates handled together failed, now one at a time: %r", len(taken), error)
        one_by_one = Batch()
        for _ in taken:
            received = await self.handle_next(channel)
            if received is None:
                break
            one_by_one.received.append(received)
        return one_by_one

    async def _handle_together(
        self, uow: UnitOfWork, channel: str, taken: list[tuple[Row[Any], bool]], now: datetime, lease: Lease | None
    ) -> Batch:
        """Updates taken (claimed, removed, remembered as handled: `SqlIncoming.take`) handled one
        after another in the caller's transaction."""
        batch = Batch()
        for row, fresh in taken:
            event = payload_to_event(row.event)
            handled = await self._handle(uow, channel, event, now, fresh=fresh)
            batch.received.append(Received(event, handled, row.answer_id))
            await uow.next_update()
        if lease is not None and batch.chats:
            batch.leased = await lease(uow, batch.chats, batch.written)
        return batch

    async def handle_next(self, channel: str) -> Received | None:
        """Handle one stored update, a person's oldest, in one transaction with its removal; None: none due.

        A failure rolls the handling back and the update is tried again with backoff; after
        UPDATE_ATTEMPTS the person is told, and their later updates go on.
        """
        now = self._runtime.clock()
        async with UnitOfWork(self._runtime.sessions) as uow:
            row = await uow.incoming.claim_next(channel, now)
            if row is None:
                return None
            event = payload_to_event(row.event)
            try:
                # A savepoint: a failure undoes the handling, not the claim, so no other consumer
                # takes the update before its failure is recorded.
                async with uow.savepoint():
                    handled = await self._handle(uow, channel, event, now)
            except Exception as error:  # the person's later updates must not wait forever behind this one
                return await self._failed(uow, channel, event, row, error, now)
            await uow.incoming.done([row.id])
            await self._commit(uow)
        return Received(event, handled, row.answer_id)

    async def _failed(
        self, uow: UnitOfWork, channel: str, event: Event, row: Row[Any], error: Exception, now: datetime
    ) -> Received:
        """A stored update whose handling failed: due again with backoff, or set aside and the person told."""
        log.exception("update %s of user %s failed", event.update_id, event.user_id)
        give_up = row.attempts + 1 >= UPDATE_ATTEMPTS
        retry_at = now + timedelta(seconds=2**row.attempts)
        await uow.incoming.retry(row.id, f"{type(error).__name__}: {error}", retry_at, give_up=give_up)
        handled = Handled()
        if give_up:
            conversation = await uow.conversations.lock(channel, event.user_id, event.chat_id, now)
            program, catalogs = self._runtime.program, self._runtime.catalogs
            t = catalogs.translator(conversation.language or program.default_language)
            handled.chats = await queue(
                uow, [Outgoing(channel, event.chat_id, front_desk.apology(t), t.language)], now, self._runtime
            )
        await uow.commit()
        return Received(event, handled, row.answer_id if give_up else None)

    async def _handle(
        self, uow: UnitOfWork, channel: str, event: Event, now: datetime, *, fresh: bool | None = None
    ) -> Handled:
        """The pipeline of one event inside the caller's transaction; the caller commits.

        `fresh`: whether the update was seen for the first time, when the caller remembered it already
        (`SqlIncoming.take`, for several updates in one statement).
        """
        # The lock brings the chat's waiting messages counted (CHAT_QUEUE) and, on PostgreSQL, the
        # person's participant: one round trip where there were three.
        locked = await uow.conversations.lock_counting(channel, event.user_id, event.chat_id, now, CHAT_QUEUE)
        conversation = locked.conversation
        if locked.participant is not None:
            uow.participants.remember(locked.participant)
        # Remembered at once, in this transaction: one statement where a look and a write were two.
        if fresh is None:
            fresh = await uow.processed_updates.first_time(channel, event.update_id, now)
        if not fresh:
            log.info("update %s of user %s already handled", event.update_id, event.user_id)
            return Handled(duplicate=True)
        runtime = self._runtime
        context = Context(
            conversation=conversation,
            participants=uow.participants,
            program=runtime.program,
            translations=runtime.catalogs.translator,
            now=now,
            capabilities=runtime.capabilities_of(channel),
        )
        outcome = await front_desk.handle(event, context, runtime.office(uow, channel, now))
        reader = conversation.language or runtime.program.default_language  # as the flow left it: a button may set it
        said = outcome.replies
        if outcome.notice and not context.capabilities.answers_presses:
            said = [*said, Reply(outcome.notice)]  # no toast to show it in: a message, or no answer at all
        fitted = fitted_to(context.capabilities, runtime.catalogs.translator(reader), said)
        replies = [settled(lay_out(reply, reader)) for reply in fitted]
        # The reader's language goes with each message, for what a channel adds to it (a list's button).
        payloads = [
            reply_to_payload(reply, edit_message_id=event.message_id) | {"language": reader}
            for reply in next_first(replies)
        ]
        if (
            payloads
            and event.kind is not EventKind.TOO_FAST
            and not await _room(uow, channel, locked.waiting, event, payloads)
        ):
            payloads = []
        # The conversation stored with the replies: on PostgreSQL in the same round trip.
        saving = uow.conversations.saving(conversation, now)
        ids = await uow.outbox.add(channel, event.chat_id, payloads, now, first=saving)
        others = await queue(uow, outcome.messages, now, runtime)
        chats = list(dict.fromkeys(([event.chat_id] if ids else []) + others))
        # Counted under the conversation's lock: nothing of the chat's was waiting, so these are its oldest.
        alone = locked.waiting == 0 and event.chat_id not in others
        written = list(zip(ids, payloads, strict=True)) if alone else []
        return Handled(replies=replies, outbox_ids=ids, notice=outcome.notice, chats=chats, written=written)


def next_first(replies: list[Reply]) -> list[Reply]:
    """The order a chat receives one update's replies in: new messages (the next question) first,
    then the edits of the pressed message (its ✔). A chat gets about one message a second, edits
    included, so the edit first would hold the next question back a second after every tap; after
    it, the person reads the question at once and the ✔ follows at the chat's next turn."""
    return [reply for reply in replies if not reply.edit] + [reply for reply in replies if reply.edit]


async def _room(uow: UnitOfWork, channel: str, waiting: int, event: Event, payloads: list[dict[str, Any]]) -> bool:
    """Whether the person's chat has room for these replies in the outbox (CHAT_QUEUE).

    `waiting` was counted with the lock, before the update was handled: when it leaves no room, the
    chat is counted again, since handling may have removed its messages (/cancel forgets them)."""
    if waiting + len(payloads) <= CHAT_QUEUE:  # nearly always: no second look
        return True
    waiting = await uow.outbox.waiting(channel, event.chat_id, CHAT_QUEUE)
    if waiting + len(payloads) <= CHAT_QUEUE:
        return True
    log.info("chat %s has %s messages waiting: no reply to update %s", event.chat_id, waiting, event.update_id)
    return False


def _marked_released(updates: list[tuple[Event, str | None]], released: set[int]) -> list[tuple[Event, str | None]]:
    """Each chat's first update marked when it brought them what was held for them (its reply window)."""
    marked = []
    for event, answer_id in updates:
        if event.chat_id in released:
            released = released - {event.chat_id}
            event = replace(event, released=True)
        marked.append((event, answer_id))
    return marked
