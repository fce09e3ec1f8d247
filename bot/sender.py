"""The outbox sender: delivers messages written by committed updates, and retries what failed.

Right after an update commits, `send(ids)` delivers its messages at once; `run()` sweeps every
second for anything still pending (a crash, an outage, a retry_after). Delivery itself is the
channel's business: it returns a Delivery saying what happened.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Deliver, Delivery
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# Longer than one Bot API call may take (bot.channels.telegram.REQUEST_TIMEOUT), so a message is
# only taken over when its sender has surely died; a crash mid-send may then send it twice.
LEASE: Final = timedelta(seconds=30)
BATCH: Final = 100
MAX_BACKOFF_SECONDS: Final = 300.0


class RateLimiter:
    """At most `per_second` sends overall, spaced evenly so bursts never trip the platform's limit."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            await asyncio.sleep(delay)


class Sender:
    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        channel: str,
        deliver: Deliver,
        *,
        per_second: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._factory = factory
        self._channel = channel
        self._deliver = deliver
        self._limiter = RateLimiter(per_second)
        self._clock = clock
        self._blocked_until = 0.0  # a 429's retry_after holds every send, as Telegram asks

    async def send(self, chat_ids: list[int] | None = None) -> int:
        """Deliver due messages (to these chats only, if given); returns how many were sent."""
        now = self._clock()
        async with UnitOfWork(self._factory) as uow:
            rows = await uow.outbox.claim(self._channel, now, now + LEASE, BATCH, chat_ids)
            claimed = [(row.id, row.chat_id, dict(row.payload), row.attempts) for row in rows]
            await uow.commit()
        by_chat: dict[int, list[tuple[int, dict[str, Any], int]]] = {}
        for outbox_id, chat_id, payload, attempts in claimed:
            by_chat.setdefault(chat_id, []).append((outbox_id, payload, attempts))
        results = await asyncio.gather(*(self._send_chat(chat_id, items) for chat_id, items in by_chat.items()))
        return sum(results)

    async def _send_chat(self, chat_id: int, items: list[tuple[int, dict[str, Any], int]]) -> int:
        sent = 0
        for index, (outbox_id, payload, attempts) in enumerate(items):
            pause = self._blocked_until - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            await self._limiter.wait()
            try:
                delivery = await self._deliver(chat_id, payload)
            except Exception as error:  # a channel bug must not kill the sender; the row is retried
                log.exception("delivery to chat %s failed", chat_id)
                delivery = Delivery("retry", detail=type(error).__name__)
            if not await self._record(
                chat_id, outbox_id, attempts, delivery, later=[i for i, _, _ in items[index + 1 :]]
            ):
                return sent
            sent += 1
        return sent

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
                if delivery.retry_after:
                    self._blocked_until = time.monotonic() + delivery.retry_after
                    wait = delivery.retry_after
                else:
                    wait = min(MAX_BACKOFF_SECONDS, 2.0 ** min(attempts, 9))
                retry_at = now + timedelta(seconds=wait)
                await uow.outbox.mark_retry(outbox_id, delivery.detail or "retry", retry_at)
                for waiting in later:  # keep the chat's order: the rest goes after this one
                    await uow.outbox.mark_retry(waiting, "waiting for an earlier message", retry_at)
            await uow.commit()
        if delivery.outcome in ("sent", "rejected"):
            if delivery.outcome == "rejected":
                log.warning("message %s to chat %s rejected: %s", outbox_id, chat_id, delivery.detail)
            return True
        return False

    async def run(self, stop: asyncio.Event, every: float = 1.0) -> None:
        """Sweep for pending messages until `stop` is set."""

        async def sweep() -> None:
            while await self.send() >= BATCH:
                pass

        await repeat(sweep, stop, every=every, what="outbox sweep")


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
