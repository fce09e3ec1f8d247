"""Long polling: each getUpdates answer goes through the aiogram Dispatcher, is stored in one
transaction, and only then confirmed to Telegram (the next offset).

aiogram's own polling loop hands updates over one at a time and confirms each once its handler
returned, so each was stored in a transaction of its own: under load, a hundred transactions where
one does. Here the whole answer (up to a hundred updates) is stored together; a crash before the
commit loses nothing, since Telegram sends again what was not confirmed.
"""

from __future__ import annotations

import logging
from typing import Final

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.dispatcher import DEFAULT_BACKOFF_CONFIG
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.methods import GetUpdates
from aiogram.utils.backoff import Backoff

from bot.channels import telegram
from bot.incoming import Incoming

log = logging.getLogger(__name__)

POLL_SECONDS: Final = 10  # how long Telegram holds a getUpdates open while nothing arrives


async def poll(dispatcher: Dispatcher, bot: Bot, incoming: Incoming) -> None:
    """Poll until cancelled; Telegram being away (or the database) is waited out with backoff."""
    backoff = Backoff(config=DEFAULT_BACKOFF_CONFIG)
    offset: int | None = None
    while True:
        asked = GetUpdates(offset=offset, timeout=POLL_SECONDS, allowed_updates=telegram.ALLOWED_UPDATES)
        try:
            updates = await bot(asked, request_timeout=telegram.REQUEST_TIMEOUT + POLL_SECONDS)
            async with incoming.gathering():
                for update in updates:
                    sender = telegram.sender_of(update)
                    if sender is not None and not incoming.weigh(update.update_id, sender):
                        continue  # a flood's: not worth aiogram's routing, which costs more than reading it
                    try:
                        await dispatcher.feed_update(bot, update)
                    except Exception:  # as aiogram's own polling does: one malformed update is skipped
                        log.exception("update %s could not be read; skipped", update.update_id)
        except TelegramUnauthorizedError:
            raise
        except Exception as error:  # nothing confirmed: the same updates come again
            log.warning("getting or storing updates failed (%s); trying again in %.1f s", error, backoff.next_delay)
            await backoff.asleep()
            continue
        backoff.reset()
        if updates:
            offset = updates[-1].update_id + 1
