"""`frontdoor run --whatsapp`: the WhatsApp door, a webhook worker on the same database, pipeline and
outbox; with `--telegram` too, both doors in one process.

Meta calls the webhook at `/whatsapp` (registered in the app's dashboard, with the verify token);
each person's message is stored, handled by the same front desk as Telegram's, and the replies
leave through the outbox sender, shaped for WhatsApp by bot.channels.whatsapp.

Both doors in one process share one database engine, one job runner and one `Frontdoor`; each door
has its own sender and consumers (bot.serve.sender_and_incoming), and Telegram is long polled.

Time-driven jobs (proposals, reminders, follow-ups) run here every minute, as in the Telegram worker
and as the coordinators' channel (bot.serve.tick_jobs says why): what a job writes to a WhatsApp
person goes to their own channel's outbox (handlers.core.people), fitted to WhatsApp, and this
worker's sender sends it. The coordinators are on Telegram, so the daily digest is left to a worker
that serves Telegram (this one with `--telegram`, or a `frontdoor run` on the same database); a
program with no Telegram worker reads it with `frontdoor digest --print`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from aiohttp import web

from bot import allocator, redaction
from bot.app import build
from bot.channels import WHATSAPP, whatsapp_templates
from bot.channels.listener import listening
from bot.channels.refusals import Refusals
from bot.channels.telegram_library import Client, Refused
from bot.channels.whatsapp import PATH, GraphClient, webhook_app
from bot.config import Settings, SettingsError
from bot.health import report
from bot.serve import (
    Runtime,
    introduce,
    make_client,
    poll_until_signalled,
    refused_at_start,
    sender_and_incoming,
    until_signalled,
    wind_down,
    wire,
    worker_name,
)
from handlers.coordinators import digest

log = logging.getLogger("frontdoor")
WHATSAPP_WORKER: Final = "-wa"  # after worker_name(): its WhatsApp sender's row (27 + 3 of 32 characters)
# The digest goes to the coordinators, on Telegram: a worker that cannot send there leaves it due (and
# a digest left from an earlier day sends nothing when a Telegram worker runs it: handlers.coordinators.digest).
LEFT_WITHOUT_TELEGRAM: Final = (digest.DAILY,)


async def run(settings: Settings, host: str, port: int, *, telegram: bool = False) -> int:
    """Serve the WhatsApp webhook on host:port (and long poll Telegram, with `telegram`) until SIGINT
    or SIGTERM; replies sent as they are written, due jobs run every minute."""
    whatsapp = settings.require_whatsapp()
    telegram_client = make_client(settings) if telegram else None  # its token checked, its library imported
    redaction.install([whatsapp.token, whatsapp.app_secret, whatsapp.verify_token])
    # FRONTDOOR_COORDINATORS count on Telegram only (bot.runtime's office)
    app = await build(settings, migrate_apart=True)

    def translate(message: str, language: str | None) -> str:
        return app.catalogs.translator(language or app.program.default_language).gettext(message)

    def registered(kind: str, language: str) -> str | None:
        return whatsapp_templates.registered(app.program, kind, language)

    client = GraphClient(whatsapp, translate, registered)
    worker = worker_name()
    # Paced as the Cloud API counts (80 a second, a person's pair rate), not as Telegram does.
    paced = settings.whatsapp_paced()
    door = Runtime(
        app,
        # A row of its own in the workers table: a Telegram sender in this process shares no rate with it.
        *sender_and_incoming(
            app, WHATSAPP, client.make_deliver(), _no_button_to_answer, paced, worker=f"{worker}{WHATSAPP_WORKER}"
        ),
    )
    closing = [client.close, app.close]
    stop = asyncio.Event()
    if telegram_client is None:
        background = door.start(stop, leave=LEFT_WITHOUT_TELEGRAM)
        polled = None
    else:
        polled = wire(app, telegram_client, settings, worker=worker)
        # One job runner (Telegram's runtime's), its messages sent by both doors' senders.
        background = polled.start(stop, other_doors=[door.sender]) + [
            asyncio.create_task(door.sender.run(stop)),
            asyncio.create_task(door.incoming.run(stop)),
        ]
        closing = [polled.sender.leave, telegram_client.close, *closing]

    async def health() -> tuple[bool, dict[str, Any]]:
        return await report(app, door.sender, WHATSAPP)

    refusals = Refusals(logging.getLogger("frontdoor.whatsapp"))

    async def unreachable(chat_id: int, why: str) -> None:
        await app.unreachable(WHATSAPP, chat_id, why)

    served = webhook_app(door.incoming, whatsapp, health, refusals, unreachable)
    try:
        await _serve(served, host, port, refusals, polled, telegram_client, allocator.described(settings.allocator))
    except Refused as refused:
        return refused_at_start(refused)
    finally:
        await wind_down(stop, background, door.sender, *closing)
    return 0


async def _serve(
    served: web.Application,
    host: str,
    port: int,
    refusals: Refusals,
    polled: Runtime | None,
    telegram: Client | None,
    memory: str,
) -> None:
    """The webhook on host:port, and Telegram long polled beside it when this process serves it too."""
    me = None if polled is None or telegram is None else await introduce(polled.app, telegram, polling=True)
    try:
        async with listening(served, host, port, refusals):
            log.info("frontdoor is serving the WhatsApp webhook %s on %s:%s (memory: %s)", PATH, host, port, memory)
            if polled is None or telegram is None:
                await until_signalled()
            else:
                log.info("and Telegram as @%s (long polling, one process for both doors)", me)
                await poll_until_signalled(polled, telegram)
    except OSError as error:
        raise SettingsError(f"--listen {host}:{port}: {error.strerror}") from None


async def _no_button_to_answer(query_id: str, notice: str | None) -> None:
    """WhatsApp has no pressed button to answer (Telegram's spinner): a toast is not shown."""
