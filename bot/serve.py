"""`frontdoor run`: the Telegram worker, long polling or a webhook; the one command that imports a
Telegram library (aiogram or python-telegram-bot, as FRONTDOOR_TELEGRAM_LIBRARY or --library says).

aiogram takes seconds to import (it builds hundreds of pydantic models), so the other commands
(bot.commands) never import a library, and start at once; and `run` imports only the one it runs on.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from secrets import token_hex, token_urlsafe
from typing import Any

from bot import allocator, redaction
from bot.app import Frontdoor, build
from bot.channels import TELEGRAM, telegram_capabilities, telegram_library, telegram_menu
from bot.channels.refusals import Refusals
from bot.channels.telegram_library import Client, Refused, calling
from bot.config import Settings, SettingsError, Webhook
from bot.delivery import Deliver
from bot.health import report
from bot.incoming import AnswerButton, Incoming
from bot.polling import poll
from bot.sender import Sender, repeat
from handlers.intake.conversation import COMMANDS

log = logging.getLogger("frontdoor")
JOB_TICK_SECONDS = 60.0
CONSUMERS = 8  # updates handled at once per worker on PostgreSQL (different people's)
WEBHOOK_CONNECTIONS = 40  # Telegram's default: requests it may have open to one webhook at once
WEBHOOK_SECRET = "webhook"
SERVING_GC_THRESHOLDS = (20_000, 20, 10)  # the garbage collector's, while serving (Runtime.start)
# Telegram refused a call (its 401 for a token it does not know included) or could not be reached
# while starting. A setting we can check ourselves (no token, a malformed one) is status 2, as for
# every command; what only Telegram can judge is the Bot API's answer, one status for all of them.
TELEGRAM_REFUSED_AT_START = 1
# Telegram out of reach at start (a network still coming up, a proxy restarting): tried again after
# 1, 2 and 4 seconds, each said in the log, before giving up with the one line above.
START_ATTEMPTS = 4
FIRST_RETRY_SECONDS = 1.0


async def run(settings: Settings, webhook: Webhook | None = None) -> int:
    """The bot: long polling, or a webhook worker; either way updates are stored, then handled."""
    client = make_client(settings)
    app = await build(settings, migrate_apart=True)  # Alembic never imported by a worker
    runtime = wire(app, client, settings, worker=worker_name())
    sender = runtime.sender
    stop = asyncio.Event()
    background = runtime.start(stop)
    try:
        me = await introduce(app, client, polling=webhook is None)
        log.info("memory: %s", allocator.described(settings.allocator))
        if webhook is None:
            log.info("frontdoor is running as @%s (long polling, %s)", me, settings.telegram_library)
            await poll_until_signalled(runtime, client)
        else:
            await serve_webhook(app, client, runtime.incoming, sender, webhook, settings)
    except Refused as refused:
        return refused_at_start(refused)
    finally:
        await wind_down(stop, background, sender, client.close, app.close)
    return 0


async def introduce(app: Frontdoor, client: Client, *, polling: bool) -> str | None:
    """getMe (the bot's name, for its deep links) and the command menu; for long polling, no webhook left set."""
    me = await first_contact(client)
    app.capabilities[TELEGRAM] = telegram_capabilities.capabilities(me)
    await telegram_menu.publish_commands(
        client, COMMANDS, app.program.languages, lambda language: app.catalogs.translator(language).gettext
    )
    if polling:
        await telegram_library.leave_webhook(client)
    return me


def refused_at_start(refused: Refused) -> int:
    """Once serving, polling and the sender wait Telegram out themselves: only a call made while
    starting (getMe, setMyCommands, getWebhookInfo, deleteWebhook, setWebhook), or a token Telegram
    stops knowing, ends a worker; said in one line, and its exit status."""
    if refused.refusal.kind == "unauthorized":
        log.error("Telegram refused FRONTDOOR_BOT_TOKEN (401 Unauthorized): check it with @BotFather")
    else:
        log.error("%s", refused.line())
    return TELEGRAM_REFUSED_AT_START


async def wind_down(
    stop: asyncio.Event, background: list[asyncio.Task[None]], sender: Sender, *closing: Callable[[], Awaitable[None]]
) -> None:
    """A worker's stop: its background work ends, the other workers take the whole rate, then `closing`."""
    stop.set()
    await asyncio.gather(*background)
    await sender.leave()
    for close in closing:
        await close()


async def first_contact(client: Client) -> str | None:
    """getMe, tried again with a growing pause while Telegram cannot be reached (not when it refuses)."""
    pause = FIRST_RETRY_SECONDS
    for attempt in range(1, START_ATTEMPTS):
        try:
            return await calling(client, "getMe", client.get_me())
        except Refused as refused:
            if refused.refusal.kind != "unreachable":
                raise
            log.warning(
                "Telegram could not be reached (attempt %d of %d): %s; trying again in %g s",
                attempt,
                START_ATTEMPTS,
                " ".join(refused.refusal.said.split()),
                pause,
            )
        await asyncio.sleep(pause)
        pause *= 2
    return await calling(client, "getMe", client.get_me())


def make_client(settings: Settings) -> Client:
    """The Bot API client of the library chosen, which is imported now (and the other never)."""
    token = settings.require_token()
    if not telegram_library.token_is_valid(token):
        raise SettingsError("FRONTDOOR_BOT_TOKEN does not look like a bot token (123456:ABC…) from @BotFather")
    gc.disable()  # as while `run`'s own imports (bot.cli.run_bot): aiogram's makes hundreds of pydantic models
    try:
        library = telegram_library.load(settings.telegram_library)
    except telegram_library.LibraryMissing as error:
        # Chosen by `run --library` or by the setting: both named, as either may have said it.
        raise SettingsError(
            f"the Telegram library {settings.telegram_library} (--library or FRONTDOOR_TELEGRAM_LIBRARY): {error}"
        ) from None
    finally:
        gc.enable()
    return library.make_client(token, settings.telegram_api_url)


@dataclass
class Runtime:
    """A worker's moving parts: the sender, and the consumers of stored updates."""

    app: Frontdoor
    sender: Sender
    incoming: Incoming

    def start(
        self, stop: asyncio.Event, *, other_doors: Sequence[Sender] = (), leave: Collection[str] = ()
    ) -> list[asyncio.Task[None]]:
        """Sending, the job runner and the consumers, in the background until `stop` is set; the jobs'
        messages for another door this process serves are sent by its sender in `other_doors`."""
        # What exists now (a library's classes, the program, the catalogs) lives as long as
        # the process: kept out of the garbage collector's full rounds, which would otherwise walk
        # it all each time and hold every update and reply back for tens of milliseconds.
        gc.freeze()
        # And the young objects collected every 20,000 allocations, not 700: an update allocates
        # hundreds (a library's objects, SQLAlchemy's rows), so the default ran a collection every few
        # updates and a full one every few thousand, each holding updates back (docs/benchmarks.md,
        # "Why the code is as it is", has the pauses and the throughput before and after).
        gc.set_threshold(*SERVING_GC_THRESHOLDS)
        return [
            asyncio.create_task(self.sender.run(stop)),
            asyncio.create_task(tick_jobs(self.app, [self.sender, *other_doors], stop, leave=leave)),
            asyncio.create_task(self.incoming.run(stop)),
        ]


def wire(app: Frontdoor, client: Client, settings: Settings, *, worker: str | None) -> Runtime:
    """The Telegram channel wired to the program: what `run` serves (and the benchmarks drive)."""
    deliver, answer = telegram_library.make_deliver(client), telegram_library.make_answer_button(client)
    return Runtime(app, *sender_and_incoming(app, TELEGRAM, deliver, answer, settings, worker=worker))


def sender_and_incoming(
    app: Frontdoor, channel: str, deliver: Deliver, answer: AnswerButton, settings: Settings, *, worker: str | None
) -> tuple[Sender, Incoming]:
    """A channel's outbox sender and its incoming updates' consumers, paced as the settings say."""
    window = app.capabilities_of(channel).reply_window_hours
    sender = Sender(
        app.sessions,
        channel,
        deliver,
        per_second=settings.send_rate,
        chat_interval=settings.chat_interval,
        chat_burst=settings.chat_burst,
        worker=worker,
        reply_window=timedelta(hours=window) if window else None,
    )
    # SQLite lets one transaction write at a time: more consumers would only queue for the lock.
    consumers = CONSUMERS if app.engine.dialect.name == "postgresql" else 1
    return sender, Incoming(app, channel, sender, answer, consumers=consumers)


async def poll_until_signalled(runtime: Runtime, client: Client) -> None:
    """Long polling until SIGINT or SIGTERM; a long poll under way is dropped (Telegram sends it again)."""
    polling = asyncio.create_task(poll(client, runtime.incoming))
    signalled = asyncio.create_task(until_signalled())
    await asyncio.wait({polling, signalled}, return_when=asyncio.FIRST_COMPLETED)
    for task in (polling, signalled):
        task.cancel()
    await asyncio.gather(polling, signalled, return_exceptions=True)
    if not polling.cancelled():
        polling.result()  # polling stopped on its own: Telegram refused the token


async def serve_webhook(
    app: Frontdoor, client: Client, incoming: Incoming, sender: Sender, webhook: Webhook, settings: Settings
) -> None:
    """Register the webhook with its secret, serve it on `webhook.listen` until SIGINT or SIGTERM."""
    # aiohttp's server, imported only here: long polling on python-telegram-bot does without aiohttp.
    from bot.channels.listener import listening
    from bot.channels.webhook import webhook_app

    secret = settings.webhook_secret or await app.shared_secret(WEBHOOK_SECRET, token_urlsafe(32))
    redaction.install([secret])
    await calling(client, "setWebhook", client.set_webhook(webhook.url, secret, WEBHOOK_CONNECTIONS))

    async def health() -> tuple[bool, dict[str, Any]]:
        return await report(app, sender, TELEGRAM)

    refusals = Refusals(logging.getLogger("frontdoor.webhook"))
    served = webhook_app(client, incoming, webhook.path, secret, health, refusals)
    try:
        async with listening(served, webhook.host, webhook.port, refusals) as connections:
            log.info(
                "frontdoor is serving its webhook %s on %s:%s (at most %d connections at once)",
                webhook.url,
                webhook.host,
                webhook.port,
                connections,
            )
            await until_signalled()
    except OSError as error:
        raise SettingsError(f"--listen {webhook.host}:{webhook.port}: {error.strerror}") from None


async def until_signalled() -> None:
    """Wait for SIGINT or SIGTERM (what a process manager sends to stop a worker)."""
    signalled = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, signalled.set)
    try:
        await signalled.wait()
    finally:
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)


def worker_name() -> str:
    """Unique among the workers, and readable in the workers table: host, process, a random part."""
    return f"{socket.gethostname()[:12]}-{os.getpid()}-{token_hex(3)}"[:32]


async def tick_jobs(
    app: Frontdoor, senders: Sequence[Sender], stop: asyncio.Event, *, leave: Collection[str] = ()
) -> None:
    """Run due jobs (nudges, expiries, reminders) every minute, and at once for an export asked for,
    until `stop` is set; each door's sender sends at once what they wrote for its people.

    Every worker, whichever doors it serves, runs them as the coordinators' channel (Telegram's, as
    `frontdoor jobs run` does), so that a job does the same whoever claims it: a person's messages go
    to their own door's outbox; a coordinator's to Telegram's. `leave`: kinds this worker does not run.
    """

    async def tick() -> None:
        run = await app.run_jobs(TELEGRAM, leave=leave)
        if run.chats:
            for sender in senders:  # a chat id names a chat on one door: the others find nothing to send
                await sender.send(run.chats)

    await repeat(tick, stop, every=JOB_TICK_SECONDS, what="job run", wake=app.jobs_due)
