"""Long polling: each getUpdates answer is read, stored in one transaction, and only then confirmed
to Telegram (the next offset), on either Telegram library (bot.channels.telegram_library).

A library's own polling loop hands updates over one at a time and confirms each once its handler
returned, so each was stored in a transaction of its own: under load, a hundred transactions where
one does. Here the whole answer (up to a hundred updates) is stored together; a crash before the
commit loses nothing, since Telegram sends again what was not confirmed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any, Final

from bot.channels.telegram_library import Client, Receiver, Refused, calling, take
from bot.incoming import Incoming

log = logging.getLogger(__name__)

POLL_SECONDS: Final = 10  # how long Telegram holds a getUpdates open while nothing arrives
# Waiting Telegram (or the database) out: 1 s, then 1.3 times longer each failure, up to 5 s, each
# drawn a tenth either way so that several workers do not come back all at once.
FIRST_WAIT: Final = 1.0
LONGEST_WAIT: Final = 5.0
GROWTH: Final = 1.3
JITTER: Final = 0.1


async def poll(client: Client, incoming: Incoming) -> None:
    """Poll until cancelled; Telegram being away (or the database) is waited out with backoff.
    A token Telegram does not know ends it (Refused, unauthorized)."""
    wait = FIRST_WAIT
    offset: int | None = None
    while True:
        try:
            updates = await calling(client, "getUpdates", client.get_updates(offset, POLL_SECONDS))
            async with incoming.gathering():
                for update in updates:
                    await take_one(incoming, update)
        except Exception as error:  # nothing confirmed: the same updates come again
            if isinstance(error, Refused) and error.refusal.kind == "unauthorized":
                raise
            wait = await wait_out(error, wait)
            continue
        wait = FIRST_WAIT
        if updates:
            offset = updates[-1].update_id + 1


async def take_one(receiver: Receiver, update: Any) -> None:
    try:
        await take(receiver, update)
    except Exception:  # as a library's own polling does: one malformed update is skipped
        log.exception("update %s could not be read; skipped", update.update_id)


async def wait_out(error: Exception, wait: float) -> float:
    """Sleep before trying again; the next wait."""
    log.warning("getting or storing updates failed (%s); trying again in %.1f s", error, wait)
    await asyncio.sleep(wait * random.uniform(1 - JITTER, 1 + JITTER))
    return min(wait * GROWTH, LONGEST_WAIT)
