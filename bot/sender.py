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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Deliver, Delivery
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# A claimed message is sent within WINDOW or handed back, and the lease outlasts WINDOW by more
# than one Bot API call may take (bot.channels.telegram.REQUEST_TIMEOUT): a message is taken over
# by another sender only when this one surely stopped (or, sooner, when its worker is seen dead).
LEASE: Final = timedelta(seconds=60)
WINDOW: Final = 30.0
HEARTBEAT_SECONDS: Final = 1.0  # storage.workers.SILENCE is ten of them
BATCH_SECONDS: Final = 10.0  # a batch is what this worker's share of the rate sends in this long
MAX_BACKOFF_SECONDS: Final = 300.0
# Requests leave evenly spaced, but reach Telegram with the jitter of the network and of this
# process (a garbage collection, a commit): 4% of room (40 ms a second) keeps Telegram's
# one-second window from counting one too many, nearly always; a rare 429 is waited out.
MARGIN: Final = 1.04


class RateLimiter:
    """At most `per_second` sends overall, spaced evenly so bursts never trip the platform's limit."""

    def __init__(self, per_second: float) -> None:
        self._next = 0.0
        self._lock = asyncio.Lock()
        self.set_rate(per_second)

    def set_rate(self, per_second: float) -> None:
        self._interval = MARGIN / per_second

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            await asyncio.sleep(delay)


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
        worker: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._factory = factory
        self._channel = channel
        self._deliver = deliver
        self._per_second = per_second
        self._limiter = RateLimiter(per_second)
        self._chat_interval = chat_interval
        self._chat_ready: dict[int, float] = {}  # chat -> time.monotonic() it may get its next message
        self._worker = worker  # set when this sender beats in the workers table (frontdoor run)
        self._clock = clock
        self._blocked_until = 0.0  # a 429's retry_after holds every send, as Telegram asks
        self.health = Health()

    @property
    def batch(self) -> int:
        """How many messages one claim takes: big enough that chats' pauses overlap, small enough to
        be sent well before the lease runs out."""
        return max(10, int(self._per_second / self.health.workers * BATCH_SECONDS))

    async def send(self, chat_ids: list[int] | None = None) -> int:
        """Deliver due messages (to these chats only, if given); returns how many were sent."""
        now = self._clock()
        per_chat = max(1, int(WINDOW / self._chat_interval)) if self._chat_interval > 0 else None
        async with UnitOfWork(self._factory) as uow:
            rows = await uow.outbox.claim(
                self._channel, now, now + LEASE, self.batch, chat_ids, worker=self._worker, per_chat=per_chat
            )
            claimed = [(row.id, row.chat_id, dict(row.payload), row.attempts) for row in rows]
            chats = {chat_id for _, chat_id, _, _ in claimed}
            # Another worker may have written to these chats a moment ago.
            last = await uow.outbox.last_sent(self._channel, chats, now - timedelta(seconds=self._chat_interval))
            await uow.commit()
        for chat_id, sent_at in last.items():
            ready = time.monotonic() + (sent_at - now).total_seconds() + self._chat_interval
            self._chat_ready[chat_id] = max(self._chat_ready.get(chat_id, 0.0), ready)
        by_chat: dict[int, list[tuple[int, dict[str, Any], int]]] = {}
        for outbox_id, chat_id, payload, attempts in claimed:
            by_chat.setdefault(chat_id, []).append((outbox_id, payload, attempts))
        deadline = time.monotonic() + WINDOW
        results = await asyncio.gather(
            *(self._send_chat(chat_id, items, deadline) for chat_id, items in by_chat.items())
        )
        return sum(results)

    async def _send_chat(self, chat_id: int, items: list[tuple[int, dict[str, Any], int]], deadline: float) -> int:
        sent = 0
        for index, (outbox_id, payload, attempts) in enumerate(items):
            await self._wait_for_turn(chat_id)
            if time.monotonic() > deadline:  # the lease is running out: hand the rest back
                await self._release([i for i, _, _ in items[index:]])
                return sent
            try:
                delivery = await self._deliver(chat_id, payload)
            except Exception as error:  # a channel bug must not kill the sender; the row is retried
                log.exception("delivery to chat %s failed", chat_id)
                delivery = Delivery("retry", detail=type(error).__name__)
            self._chat_ready[chat_id] = time.monotonic() + self._chat_interval
            if delivery.retry_after:  # every send holds, from now, not from when it is recorded
                self._blocked_until = time.monotonic() + delivery.retry_after
            if not await self._record(
                chat_id, outbox_id, attempts, delivery, later=[i for i, _, _ in items[index + 1 :]]
            ):
                return sent
            sent += 1
            self.health.last_delivery = time.monotonic()
        return sent

    async def _wait_for_turn(self, chat_id: int) -> None:
        """This chat's spacing first, then a slot of the overall rate and the end of any 429 pause."""
        pause = self._chat_ready.get(chat_id, 0.0) - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        await self._limiter.wait()
        pause = self._blocked_until - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)

    async def _release(self, outbox_ids: list[int]) -> None:
        async with UnitOfWork(self._factory) as uow:
            await uow.outbox.release(outbox_ids, self._clock())
            await uow.commit()

    async def _record(self, chat_id: int, outbox_id: int, attempts: int, delivery: Delivery, later: list[int]) -> bool:
        """Store the outcome; False when the rest of this chat's messages must wait."""
        now = self._clock()
        async with UnitOfWork(self._factory) as uow:
            if delivery.outcome == "sent":
                await uow.outbox.mark_sent(outbox_id, now)
            elif delivery.outcome == "blocked":
                await uow.outbox.mark_chat_dead(self._channel, chat_id, delivery.detail or "blocked")
                # Not matched or asked again until they write to the bot; coordinators see it in the digest.
                await uow.participants.mark_unreachable(self._channel, chat_id, now)
            elif delivery.outcome == "rejected":
                await uow.outbox.mark_dead(outbox_id, delivery.detail)
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
        return delivery.outcome in ("sent", "rejected")

    async def beat(self) -> None:
        """Tell the other workers this one is alive, and take this worker's share of the overall rate."""
        if self._worker is None:
            return
        now = self._clock()
        async with UnitOfWork(self._factory) as uow:
            await uow.workers.beat(self._worker, now)
            live = await uow.workers.live(now)
            await uow.commit()
        if live != self.health.workers:
            log.info("%s workers share the sending rate", live)
        self.health.workers = live
        self._limiter.set_rate(self._per_second / live)
        horizon = time.monotonic() - self._chat_interval
        self._chat_ready = {chat: ready for chat, ready in self._chat_ready.items() if ready > horizon}

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


async def repeat(work: Callable[[], Awaitable[None]], stop: asyncio.Event, *, every: float, what: str) -> None:
    """Do `work` every `every` seconds until `stop` is set; a failure is logged and tried again next time."""
    while not stop.is_set():
        try:
            await work()
        except Exception:
            log.exception("%s failed; trying again", what)
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
        except TimeoutError:
            pass
