"""Stored updates, handled: several consumers, each taking some person's oldest update.

Both ways updates arrive (long polling, the webhook) only store them (`receive`; a long poll's
together, `gathering`) and confirm them; the consumers here handle them after the commit, one
person's in order and different people's in parallel (or, under load, together in one
transaction), and start sending the replies without waiting for them (a chat's pace may hold a
reply back for a second, and nobody else should wait for that).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, Final

from bot.app import Batch, Frontdoor
from bot.flood import Verdict
from bot.sender import Sender
from bot.under_way import UnderWay
from handlers.core.events import Event, EventKind

log = logging.getLogger(__name__)

# Other workers' updates, and retries after a failure, are found by looking this often; our own
# are handled at once, since storing one wakes the consumers.
LOOK_EVERY: Final = 0.5
# Up to this many people's updates are handled in one transaction when that many are waiting (a
# burst); otherwise each as it comes. More would hold SQLite's write lock longer for little gain.
TOGETHER: Final = 32
# Buttons being answered at once before the consumers wait to handle more updates (bot.under_way),
# as the sender's messages under way (bot.sender.UNDER_WAY): both are Bot API calls, sharing connections.
ANSWERING: Final = 100

AnswerButton = Callable[[str, str | None], Coroutine[Any, Any, None]]  # (query id, toast or None)


class Incoming:
    def __init__(self, app: Frontdoor, channel: str, sender: Sender, answer: AnswerButton, *, consumers: int) -> None:
        self._app = app
        self._channel = channel
        self._sender = sender
        self._answer = answer
        self._consumers = consumers
        self._arrived = asyncio.Event()
        self._gathered: list[tuple[Event, str | None]] | None = None  # while a long poll's updates are read
        self._answering: set[asyncio.Task[None]] = set()
        self._answers_under_way = UnderWay(ANSWERING)
        self._weighed: dict[int, Verdict] = {}  # update id -> its verdict, weighed before it was read

    def weigh(self, update_id: int, user_id: int) -> bool:
        """Whether this person's allowance (bot.flood) takes the update: False, it is dropped unread.

        A channel may weigh an update before reading it, so a flood costs it as little as possible;
        an update not weighed before is weighed as it is received.
        """
        verdict = self._app.allowance.take(self._channel, user_id, self._app.clock().timestamp())
        if verdict is Verdict.DROP:
            return False
        self._weighed[update_id] = verdict
        return True

    def _admitted(self, event: Event) -> Event | None:
        """The event to store: as it came, or its "slow down" note (a flood's first refused); None: dropped."""
        verdict = self._weighed.pop(event.update_id, None)
        if verdict is None:
            verdict = self._app.allowance.take(self._channel, event.user_id, self._app.clock().timestamp())
        if verdict is Verdict.DROP:
            return None
        if verdict is Verdict.SLOW_DOWN:
            log.warning("user %s sends faster than they may: refused until they slow down", event.user_id)
            return replace(event, kind=EventKind.TOO_FAST, text="", args="")
        return event

    async def receive(self, event: Event, answer_id: str | None = None) -> None:
        """Store an update; the channel confirms it to the platform only after this returns.

        While `gathering`, the update is kept until the gathering ends and stored with the others.
        An update over its sender's allowance (bot.flood) is not stored.
        """
        admitted = self._admitted(event)
        if admitted is None:
            return
        event = admitted
        if self._gathered is not None:
            self._gathered.append((event, answer_id))
            return
        if not await self._app.receive(self._channel, event, answer_id):
            log.info("update %s of user %s received again", event.update_id, event.user_id)
        self._arrived.set()

    @asynccontextmanager
    async def gathering(self) -> AsyncIterator[None]:
        """Updates received in this block (a long poll's) are stored together as it ends, in one
        transaction; the block's caller confirms them to the platform only after that."""
        gathered: list[tuple[Event, str | None]] = []
        self._gathered = gathered
        try:
            yield
        finally:
            self._gathered = None
            self._weighed.clear()  # weighed but never received (an update the library could not read)
        if gathered:
            # Handled at once in the same transaction when possible: the reply then waits for one
            # commit, not three (stored, handled, leased to the sender). Only stored while as many
            # calls as allowed are under way: the consumers handle them when there is room.
            handle = TOGETHER if self._has_room() else 0
            new, batch = await self._app.receive_all(self._channel, gathered, handle=handle, lease=self._sender.lease)
            if new < len(gathered):
                log.info("%s of %s updates received again", len(gathered) - new, len(gathered))
            self._handled(batch)
            # A consumer is woken only when some update of this poll was not handled here (someone's
            # second one, a failed batch): woken for nothing, it would cost a transaction per poll.
            handled = {received.event.update_id for received in batch.received}
            if any(event.update_id not in handled for event, _ in gathered):
                self._arrived.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Handle stored updates until `stop` is set, then let the replies already started go out."""
        await asyncio.gather(*(self._consume(stop) for _ in range(self._consumers)))
        if self._answering:
            await asyncio.wait(set(self._answering), timeout=10)
        await self._sender.settle(timeout=10)

    def _has_room(self) -> bool:
        """Whether fewer Bot API calls than allowed are under way (replies and button answers)."""
        return self._sender.under_way.has_room and self._answers_under_way.has_room

    async def _room(self, stop: asyncio.Event) -> None:
        """Wait until there is room (or `stop` is set)."""
        if self._has_room():
            return
        waits = {asyncio.ensure_future(self._both_have_room()), asyncio.ensure_future(stop.wait())}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    async def _both_have_room(self) -> None:
        while not self._has_room():
            await self._answers_under_way.room()
            await self._sender.under_way.room()

    async def _consume(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self._room(stop)  # what is stored meanwhile waits in the database, not in memory
            if stop.is_set():
                break
            self._arrived.clear()  # before looking: what is stored from now on wakes us again
            try:
                batch = await self._app.handle_waiting(self._channel, TOGETHER, lease=self._sender.lease)
            except Exception:  # the database went away for a moment: try again, nothing is lost
                log.exception("taking the next updates failed; trying again")
                batch = Batch()
            if not batch.received:
                try:
                    await asyncio.wait_for(self._arrived.wait(), timeout=LOOK_EVERY)
                except TimeoutError:
                    pass
                continue
            self._handled(batch)

    def _handled(self, batch: Batch) -> None:
        """After the commit: the replies sent and the buttons answered, without waiting for either."""
        if batch.leased is not None:
            self._sender.deliver_leased(batch.leased)
        elif batch.chats:
            self._sender.send_soon(batch.chats)
        for received in batch.received:
            if received.answer_id:
                # Not awaited: the next updates need not wait for Telegram to answer this call.
                task = asyncio.create_task(self._answer(received.answer_id, received.handled.notice))
                self._answering.add(task)
                self._answers_under_way.take()
                task.add_done_callback(self._answered)

    def _answered(self, task: asyncio.Task[None]) -> None:
        self._answering.discard(task)
        self._answers_under_way.let_go()
