"""`frontdoor run --whatsapp`: the WhatsApp door, a webhook worker on the same database, pipeline and outbox.

Meta calls the webhook at `/whatsapp` (registered in the app's dashboard, with the verify token);
each person's message is stored, handled by the same front desk as Telegram's, and the replies
leave through the outbox sender, shaped for WhatsApp by bot.channels.whatsapp.

Time-driven jobs (proposals, reminders, follow-ups, digests) are left to the Telegram worker
(`frontdoor run`): the job runner runs every job as one channel's (bot.job_runner: the coordinators'
channel, the capabilities a job lays its buttons and links out with), and that is Telegram's. What a
job writes to a WhatsApp person goes to their own channel's outbox (handlers.core.people), fitted to
WhatsApp, and this worker's sender sends it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from bot import redaction
from bot.app import build
from bot.channels import WHATSAPP, whatsapp_templates
from bot.channels.listener import listening
from bot.channels.refusals import Refusals
from bot.channels.whatsapp import PATH, GraphClient, webhook_app
from bot.config import Settings, SettingsError
from bot.health import report
from bot.serve import sender_and_incoming, until_signalled, wind_down, worker_name

log = logging.getLogger("frontdoor")


async def run(settings: Settings, host: str, port: int) -> int:
    """Serve the WhatsApp webhook on host:port until SIGINT or SIGTERM; replies sent as they are written."""
    whatsapp = settings.require_whatsapp()
    redaction.install([whatsapp.token, whatsapp.app_secret, whatsapp.verify_token])
    # FRONTDOOR_COORDINATORS names Telegram user ids: a phone number with the same digits is someone
    # else, and must not get the coordinators' commands (an export of everyone) on WhatsApp.
    app = await build(replace(settings, coordinators=frozenset()))

    def translate(message: str, language: str | None) -> str:
        return app.catalogs.translator(language or app.program.default_language).gettext(message)

    def registered(kind: str, language: str) -> str | None:
        return whatsapp_templates.registered(app.program, kind, language)

    client = GraphClient(whatsapp, translate, registered)
    sender, incoming = sender_and_incoming(
        app, WHATSAPP, client.make_deliver(), _no_button_to_answer, settings, worker=worker_name()
    )
    stop = asyncio.Event()
    background = [asyncio.create_task(sender.run(stop)), asyncio.create_task(incoming.run(stop))]

    async def health() -> tuple[bool, dict[str, Any]]:
        return await report(app, sender, WHATSAPP)

    refusals = Refusals(logging.getLogger("frontdoor.whatsapp"))

    async def unreachable(chat_id: int, why: str) -> None:
        await app.unreachable(WHATSAPP, chat_id, why)

    served = webhook_app(incoming, whatsapp, health, refusals, unreachable)
    try:
        async with listening(served, host, port, refusals):
            log.info("frontdoor is serving the WhatsApp webhook %s on %s:%s", PATH, host, port)
            await until_signalled()
    except OSError as error:
        raise SettingsError(f"--listen {host}:{port}: {error.strerror}") from None
    finally:
        await wind_down(stop, background, sender, client.close, app.close)
    return 0


async def _no_button_to_answer(query_id: str, notice: str | None) -> None:
    """WhatsApp has no pressed button to answer (Telegram's spinner): a toast is not shown."""
