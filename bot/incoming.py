"""Stored updates, handled: several consumers, each taking some person's oldest update.

Both ways updates arrive (long polling, the webhook) only store them (`receive`) and confirm them;
the consumers here handle them after the commit, one person's in order and different people's in
parallel, and start sending the replies without waiting for them (a chat's pace may hold a reply
back for a second, and nobody else should wait for that).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Final

from bot.app import Frontdoor
from bot.sender import Sender
from handlers.events import Event

log = logging.getLogger(__name__)

# Other workers' updates, and retries after a failure, are found by looking this often; our own
# are handled at once, since storing one wakes the consumers.
LOOK_EVERY: Final = 0.5

AnswerButton = Callable[[str, str | None], Awaitable[None]]  # (query id, toast or None)


class Incoming:
    def __init__(self, app: Frontdoor, channel: str, sender: Sender, answer: AnswerButton, *, consumers: int) -> None:
        self._app = app
        self._channel = channel
        self._sender = sender
        self._answer = answer
        self._consumers = consumers
        self._arrived = asyncio.Event()

    async def receive(self, event: Event, answer_id: str | None = None) -> None:
        """Store an update; the channel confirms it to the platform only after this returns."""
        if not await self._app.receive(self._channel, event, answer_id):
            log.info("update %s of user %s received again", event.update_id, event.user_id)
        self._arrived.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Handle stored updates until `stop` is set, then let the replies already started go out."""
        await asyncio.gather(*(self._consume(stop) for _ in range(self._consumers)))
        await self._sender.settle(timeout=10)

    async def _consume(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._arrived.clear()  # before looking: what is stored from now on wakes us again
            try:
                received = await self._app.handle_next(self._channel)
            except Exception:  # the database went away for a moment: try again, nothing is lost
                log.exception("taking the next update failed; trying again")
                received = None
            if received is None:
                try:
                    await asyncio.wait_for(self._arrived.wait(), timeout=LOOK_EVERY)
                except TimeoutError:
                    pass
                continue
            if received.handled.chats:
                self._sender.send_soon(received.handled.chats)
            if received.answer_id:
                await self._answer(received.answer_id, received.handled.notice)
