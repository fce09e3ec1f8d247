"""The outbox sender: delivers messages written by committed updates, and retries what failed.

Right after an update commits, `send(chats)` delivers its messages at once; `run()` sweeps every
second for anything still pending (a crash, an outage, a retry_after). Delivery itself is the
channel's business: it returns a Delivery saying what happened.

Telegram's limits are kept here, not discovered through 429s: at most `per_second` messages
overall (shared between the live workers) and one per `chat_interval` seconds to any one chat.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Deliver, Delivery
from bot.leases import Leased, Written, as_written
from bot.pacing import ChatPace, RateLimiter, Turn
from bot.repeat import repeat as repeat  # where bot.serve has long found it
from bot.reply_window import claimed_of, record
from bot.under_way import UnderWay
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# A claimed message is sent within WINDOW or handed back, and the lease outlasts WINDOW by more
# than one Bot API call may take (bot.channels.telegram_library.REQUEST_TIMEOUT): a message is taken over
# by another sender only when this one surely stopped (or, sooner, when its worker is seen dead).
LEASE: Final = timedelta(seconds=60)
WINDOW: Final = 30.0
HEARTBEAT_SECONDS: Final = 1.0  # storage.workers.SILENCE is ten of them
BATCH_SECONDS: Final = 10.0  # a batch is what this worker's share of the rate sends in this long
MAX_BACKOFF_SECONDS: Final = 300.0
# Messages delivered within this long (at most a chat's interval, which a chat's next message waits
# anyway) are recorded as sent in one transaction: at a steady rate, one commit for dozens of them.
MARKS_GATHER_SECONDS: Final = 0.1
# Messages leased and not yet delivered (nor handed back) before the consumers wait to handle more
# updates (bot.under_way); a hundred keep python-telegram-bot's 8 and aiogram's 100 connections busy.
UNDER_WAY: Final = 100
ByChat = dict[int, list[tuple[int, dict[str, Any], int]]]  # chat -> its messages (outbox id, payload, attempts)


@dataclass
class _Marks:
    """Messages delivered, waiting to be recorded as sent in one transaction; `done` once committed."""

    done: asyncio.Future[None]
    ids: list[int] = field(default_factory=list)


@dataclass
class Health:
    """What /healthz reports of the sender."""

    last_sweep: float = 0.0  # time.monotonic() the sweep last began or finished a batch
    last_delivery: float = 0.0
    workers: int = 1


class Sender:
    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        channel: str,
        deliver: Deliver,
        *,
        per_second: float = 30.0,
        chat_interval: float = 1.0,
        chat_burst: int = 1,
        worker: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        under_way: int = UNDER_WAY,
        reply_window: timedelta | None = None,
    ) -> None:
        self._factory = factory
        self._channel = channel
        self._deliver = deliver
        self._per_second = per_second
        self._limiter = RateLimiter(per_second)
        self._chat_interval = chat_interval
        self._chat_burst = chat_burst
        self._chats = ChatPace(chat_interval, chat_burst)
        self._noticed: dict[int, datetime] = {}  # chat -> the newest message another worker sent it, counted
        self._worker = worker  # set when this sender beats in the workers table (frontdoor run)
        self._clock = clock
        self._reply_window = reply_window  # a channel's (WhatsApp's 24 hours): bot.reply_window
        self._blocked_until = 0.0  # a 429's retry_after holds every send, as Telegram asks
        self.health = Health()
        self._soon: set[int] = set()  # chats with new messages, for the next claim (send_soon)
        self._claiming: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()  # claims and deliveries under way (send_soon)
        self._marks: _Marks | None = None  # messages delivered, to be recorded as sent together
        self._marking = asyncio.Lock()
        self._behind: set[int] = set()  # chats whose new messages wait for one of theirs being sent
        self.under_way = UnderWay(under_way)  # messages leased to this sender, not yet delivered nor handed back

    @property
    def batch(self) -> int:
        """How many messages one claim takes: big enough that chats' pauses overlap, small enough to
        be sent well before the lease runs out."""
        return max(10, int(self._per_second / self.health.workers * BATCH_SECONDS))

    async def send(self, chat_ids: list[int] | None = None) -> int:
        """Deliver due messages (to these chats only, if given); returns how many were sent."""
        return await self._deliver_claimed(await self._claim(chat_ids))

    def send_soon(self, chat_ids: list[int]) -> None:
        """Deliver these chats' new messages at once, without waiting for them (a chat's pace may hold
        them a second). Chats asked for while a claim is being made share the next one: under load,
        one transaction claims the replies of many updates."""
        self._soon.update(chat_ids)
        if self._claiming is None or self._claiming.done():
            self._claiming = self._spawn(self._claim_soon())

    async def settle(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) for what send_soon started."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def _claim_soon(self) -> None:
        while self._soon:
            chats = list(self._soon)
            self._soon.clear()
            claimed = await self._claim(chats)
            if claimed:
                self._spawn(self._deliver_claimed(claimed))

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Nothing is lost: the messages are in the outbox and the sweep sends them.
            log.warning("sending right after an update failed: %r", task.exception())

    async def _claim(self, chat_ids: list[int] | None) -> ByChat:
        """Lease due messages (to these chats only, if given) to this sender, in a transaction of their own."""
        async with UnitOfWork(self._factory) as uow:
            leased = await self.lease(uow, chat_ids)
            await uow.commit()
        return self._by_chat(leased)

    async def lease(self, uow: UnitOfWork, chat_ids: list[int] | None, written: Written | None = None) -> Leased:
        """Lease due messages to this sender inside the caller's transaction (`deliver_leased` once
        it is committed): the replies of updates are leased in the transaction that writes them.

        The chats in `written` are their oldest messages, which no other sender can see yet: leased as
        they are, where looking for them and locking them took two round trips more (a chat with more
        than a lease's share goes that long way).
        """
        now = self._clock()
        per_chat = max(1, int(WINDOW / self._chat_interval)) + self._chat_burst - 1 if self._chat_interval > 0 else None
        # Another worker may have written to these chats a moment ago (a sender with no worker name is
        # the only one: `frontdoor run` always names its worker): found with the lease.
        since = now - timedelta(seconds=self._chat_interval) if self._worker else None
        until = now + LEASE
        mine = as_written(written or {}, per_chat, self.batch)
        leased = await uow.outbox.lease_written(self._channel, mine, until, self._worker, since)
        taken = {message.chat_id for message in mine}
        looked_for = None if chat_ids is None else [chat for chat in chat_ids if chat not in taken]
        found = await uow.outbox.claim(
            self._channel,
            now,
            until,
            self.batch - len(leased),
            looked_for,
            worker=self._worker,
            per_chat=per_chat,
            since=since,
        )
        rows = leased.joined(found)
        claimed = await claimed_of(uow, self._channel, rows, now, self._reply_window)
        if chat_ids is not None:
            # Those not taken wait behind a message of theirs being sent: taken when it is sent.
            self._behind.update(set(chat_ids) - {chat_id for _, chat_id, _, _ in claimed})
        return Leased(now, claimed, rows.last_sent)

    def deliver_leased(self, leased: Leased) -> None:
        """Deliver what `lease` leased, its transaction committed, without waiting for it."""
        by_chat = self._by_chat(leased)
        if by_chat:
            self._spawn(self._deliver_claimed(by_chat))

    def _by_chat(self, leased: Leased) -> ByChat:
        """The leased messages by chat, in order; each chat's next turn after its last message anywhere."""
        for chat_id, sent_at in leased.last_sent.items():  # by another worker, a moment ago
            if sent_at > self._noticed.get(chat_id, sent_at - timedelta(seconds=1)):  # counted once
                self._noticed[chat_id] = sent_at
                self._chats.sent(chat_id, at=time.monotonic() + (sent_at - leased.at).total_seconds())
        by_chat: ByChat = {}
        for outbox_id, chat_id, payload, attempts in leased.messages:
            by_chat.setdefault(chat_id, []).append((outbox_id, payload, attempts))
        self.under_way.take(len(leased.messages))  # under way until each is delivered or handed back (_send_chat)
        return by_chat

    async def _deliver_claimed(self, by_chat: ByChat) -> int:
        deadline = time.monotonic() + WINDOW
        results = await asyncio.gather(
            *(self._send_chat(chat_id, items, deadline) for chat_id, items in by_chat.items())
        )
        return sum(results)

    async def _send_chat(self, chat_id: int, items: list[tuple[int, dict[str, Any], int]], deadline: float) -> int:
        sent = 0
        left = len(items)  # still under way: let go of as each is answered, the rest when this ends
        try:
            for index, (outbox_id, payload, attempts) in enumerate(items):
                delivery = await self._deliver_in_turn(chat_id, payload, deadline)
                if delivery is None:  # the lease is running out: hand the rest back
                    await self._release([i for i, _, _ in items[index:]])
                    return sent
                left -= 1
                self.under_way.let_go(1)  # its call answered: recording it holds next to nothing
                recorded = await self._record(
                    chat_id, outbox_id, attempts, delivery, later=[i for i, _, _ in items[index + 1 :]]
                )
                if not recorded:
                    return sent
                sent += 1
                self.health.last_delivery = time.monotonic()
        finally:
            self.under_way.let_go(left)
        if chat_id in self._behind:  # its next messages were written meanwhile: now they may go
            self._behind.discard(chat_id)
            self.send_soon([chat_id])
        return sent

    async def _deliver_in_turn(self, chat_id: int, payload: dict[str, Any], deadline: float) -> Delivery | None:
        """One message delivered at this chat's turn and the overall rate's; None, not sent: its
        turn came after `deadline`."""
        turn = await self._wait_for_turn(chat_id)
        try:
            if time.monotonic() > deadline:
                return None
            try:
                delivery = await self._deliver(chat_id, payload)
            except Exception as error:  # a channel bug must not kill the sender; the row is retried
                log.exception("delivery to chat %s failed", chat_id)
                delivery = Delivery("retry", detail=type(error).__name__)
        finally:
            turn.finish()
        self._chats.sent(chat_id)  # from the answer, as for the rate
        if delivery.retry_after:  # every send holds, from now, not from when it is recorded
            self._blocked_until = time.monotonic() + delivery.retry_after
        return delivery

    async def _wait_for_turn(self, chat_id: int) -> Turn:
        """This chat's spacing first, then a turn of the overall rate and the end of any 429 pause."""
        pause = self._chats.wait(chat_id)
        if pause > 0:
            # Not under way meanwhile: a chat's pace holds its message back a second whatever the
            # load, and the consumers held back with it would answer everyone else late.
            self.under_way.let_go(1)
            try:
                await asyncio.sleep(pause)
            finally:
                self.under_way.take(1)
        while True:
            turn = await self._limiter.wait()
            pause = self._blocked_until - time.monotonic()
            if pause <= 0:
                return turn
            # After the pause, a turn again: the one taken counts as a send, which only slows us.
            turn.finish()
            await asyncio.sleep(pause)

    async def _release(self, outbox_ids: list[int]) -> None:
        async with UnitOfWork(self._factory) as uow:
            await uow.outbox.release(outbox_ids, self._clock())
            await uow.commit()

    async def _record(self, chat_id: int, outbox_id: int, attempts: int, delivery: Delivery, later: list[int]) -> bool:
        """Store the outcome; False when the rest of this chat's messages must wait."""
        now = self._clock()
        if delivery.outcome == "sent":
            await self._mark_sent(outbox_id)
            return True
        async with UnitOfWork(self._factory) as uow:
            if delivery.outcome == "blocked":
                await uow.outbox.mark_chat_dead(self._channel, chat_id, delivery.detail or "blocked")
                # Not matched or asked again until they write to the bot; coordinators see it in the digest.
                await uow.participants.mark_unreachable(self._channel, chat_id, now)
            elif delivery.outcome == "rejected":
                await uow.outbox.mark_dead(outbox_id, delivery.detail)
            elif delivery.outcome in ("held", "outside"):
                await record(uow, self._channel, chat_id, [outbox_id, *later], delivery, now, self._reply_window)
            else:
                wait = delivery.retry_after or min(MAX_BACKOFF_SECONDS, 2.0 ** min(attempts, 9))
                retry_at = now + timedelta(seconds=wait)
                await uow.outbox.mark_retry(outbox_id, delivery.detail or "retry", retry_at)
                for waiting in later:  # keep the chat's order: the rest goes after this one
                    await uow.outbox.mark_retry(waiting, "waiting for an earlier message", retry_at)
            await uow.commit()
        if delivery.outcome == "rejected":
            log.warning("message %s to chat %s rejected: %s", outbox_id, chat_id, delivery.detail)
        elif delivery.outcome == "blocked":
            log.info("chat %s blocked the bot; its messages are dropped", chat_id)
        elif delivery.outcome == "retry":
            log.info("message %s to chat %s will be retried: %s", outbox_id, chat_id, delivery.detail)
        return delivery.outcome in ("sent", "rejected", "held")

    async def _mark_sent(self, outbox_id: int) -> None:
        """Record a delivered message as sent, in one transaction with the others delivered meanwhile.

        Returns once it is committed, so a chat's next message still goes only after that (and
        after its interval, which the gathering does not outlast); a message recorded later than
        delivered is the case README's Delivery already names (sent twice only if the process dies
        between the two).
        """
        marks = self._marks
        if marks is None:
            marks = self._marks = _Marks(asyncio.get_running_loop().create_future())
            self._spawn(self._record_marks(marks))
        marks.ids.append(outbox_id)
        await asyncio.shield(marks.done)

    async def _record_marks(self, marks: _Marks) -> None:
        gather = min(MARKS_GATHER_SECONDS, self._chat_interval)
        if gather > 0:
            await asyncio.sleep(gather)  # what is delivered meanwhile joins these
        async with self._marking:  # one at a time: what is delivered meanwhile joins the next
            if self._marks is marks:
                self._marks = None
            try:
                async with UnitOfWork(self._factory) as uow:
                    await uow.outbox.mark_all_sent(marks.ids, self._clock())
                    await uow.commit()
            except asyncio.CancelledError:
                marks.done.cancel()
                raise
            except Exception as error:  # each waiting send fails with it, as its own record would have
                marks.done.set_exception(error)
                return
            marks.done.set_result(None)

    async def beat(self) -> None:
        """Tell the other workers this one is alive, and take this worker's share of the overall rate."""
        if self._worker is None:
            return
        now = self._clock()
        async with UnitOfWork(self._factory) as uow:
            await uow.workers.beat(self._worker, now, self._channel)
            live = await uow.workers.live(now, self._channel)
            await uow.commit()
        if live != self.health.workers:
            log.info("%s workers share the sending rate", live)
        self.health.workers = live
        self._limiter.set_rate(self._per_second / live)
        self._chats.forget_idle()
        horizon = self._clock() - timedelta(seconds=self._chat_interval)
        self._noticed = {chat: sent_at for chat, sent_at in self._noticed.items() if sent_at > horizon}

    async def leave(self) -> None:
        """A clean stop: the other workers take the whole rate at once."""
        if self._worker is not None:
            async with UnitOfWork(self._factory) as uow:
                await uow.workers.leave(self._worker)
                await uow.commit()

    async def run(self, stop: asyncio.Event, every: float = 1.0) -> None:
        """Sweep for pending messages until `stop` is set."""

        async def sweep() -> None:
            self.health.last_sweep = time.monotonic()
            while await self.send() >= self.batch:  # a long burst: alive as long as batches go out
                self.health.last_sweep = time.monotonic()

        # The heartbeat keeps its own time: a worker busy with a long burst is alive, and must
        # not be taken for dead (its messages would be sent twice).
        await self.beat()
        await asyncio.gather(
            repeat(self.beat, stop, every=HEARTBEAT_SECONDS, what="worker heartbeat"),
            repeat(sweep, stop, every=every, what="outbox sweep"),
        )
