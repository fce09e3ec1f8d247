"""Work done every so often until the worker stops: the outbox's sweep, the heartbeat, the job runner."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("bot.sender")  # its lines read as they did when this lived in bot.sender


async def repeat(
    work: Callable[[], Awaitable[None]],
    stop: asyncio.Event,
    *,
    every: float,
    what: str,
    wake: asyncio.Event | None = None,
) -> None:
    """Do `work` every `every` seconds until `stop` is set, and at once whenever `wake` is set; a
    failure is logged and tried again next time."""
    while not stop.is_set():
        if wake is not None:
            wake.clear()  # before the work: what sets it from now on is for the next round
        try:
            await work()
        except Exception:
            log.exception("%s failed; trying again", what)
        waits = {asyncio.ensure_future(event.wait()) for event in (stop, wake) if event is not None}
        try:
            await asyncio.wait(waits, timeout=every, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
