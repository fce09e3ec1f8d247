"""What each `frontdoor` command does, once its arguments and settings are known."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex, token_urlsafe
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.utils.token import TokenValidationError
from aiohttp import web
from tqdm import tqdm

from bot import redaction
from bot.app import Frontdoor, build
from bot.channels import telegram, terminal
from bot.channels.webhook import webhook_app
from bot.config import Settings, SettingsError, Webhook
from bot.health import report
from bot.incoming import Incoming
from bot.sender import Sender, repeat
from handlers.conversation import COMMANDS
from handlers.events import Event, Reply
from storage.database import open_engine, session_factory
from storage.export import Period, export_of, question_keys, record_counts
from storage.export_formats import Export, write_csv, write_json, write_xlsx

log = logging.getLogger("frontdoor")
JOB_TICK_SECONDS = 60.0
CONSUMERS = 8  # updates handled at once per worker on PostgreSQL (different people's)
WEBHOOK_CONNECTIONS = 40  # Telegram's default: requests it may have open to one webhook at once
WEBHOOK_SECRET = "webhook"


async def run(settings: Settings, webhook: Webhook | None = None) -> int:
    """The bot: long polling, or a webhook worker; either way updates are stored, then handled."""
    token = settings.require_token()
    try:
        bot = telegram.make_bot(token, settings.telegram_api_url)
    except TokenValidationError:
        raise SettingsError(
            "FRONTDOOR_BOT_TOKEN does not look like a bot token (123456:ABC…) from @BotFather"
        ) from None
    app = await build(settings)
    sender = Sender(
        app.sessions,
        telegram.CHANNEL,
        telegram.make_deliver(bot),
        per_second=settings.send_rate,
        chat_interval=settings.chat_interval,
        worker=worker_name(),
    )
    # SQLite lets one transaction write at a time: more consumers would only queue for the lock.
    consumers = CONSUMERS if app.engine.dialect.name == "postgresql" else 1
    incoming = Incoming(app, telegram.CHANNEL, sender, telegram.make_answer_button(bot), consumers=consumers)
    dispatcher = telegram.build_dispatcher(incoming.receive)
    stop = asyncio.Event()
    background = [
        asyncio.create_task(sender.run(stop)),
        asyncio.create_task(tick_jobs(app, sender, stop)),
        asyncio.create_task(incoming.run(stop)),
    ]
    try:
        me = await bot.get_me()
        app.bot_username = me.username  # for the personal t.me links of referrals
        await telegram.publish_commands(
            bot, COMMANDS, app.program.languages, lambda language: app.catalogs.translator(language).gettext
        )
        if webhook is None:
            await telegram.leave_webhook(bot)
            log.info("frontdoor is running as @%s (long polling)", me.username)
            await dispatcher.start_polling(
                bot, handle_as_tasks=False, close_bot_session=False, allowed_updates=telegram.ALLOWED_UPDATES
            )
        else:
            await serve_webhook(app, bot, dispatcher, sender, webhook, settings)
    except TelegramUnauthorizedError:
        raise SettingsError(
            "Telegram refused FRONTDOOR_BOT_TOKEN (401 Unauthorized): check it with @BotFather"
        ) from None
    finally:
        stop.set()
        await asyncio.gather(*background)
        await sender.leave()
        await bot.session.close()
        await app.close()
    return 0


async def serve_webhook(
    app: Frontdoor, bot: Bot, dispatcher: Dispatcher, sender: Sender, webhook: Webhook, settings: Settings
) -> None:
    """Register the webhook with its secret, serve it on `webhook.listen` until SIGINT or SIGTERM."""
    secret = settings.webhook_secret or await app.shared_secret(WEBHOOK_SECRET, token_urlsafe(32))
    redaction.install([secret])
    await bot.set_webhook(
        webhook.url,
        secret_token=secret,
        allowed_updates=telegram.ALLOWED_UPDATES,
        max_connections=WEBHOOK_CONNECTIONS,
    )

    async def health() -> tuple[bool, dict[str, Any]]:
        return await report(app, sender, telegram.CHANNEL)

    runner = web.AppRunner(webhook_app(bot, dispatcher, webhook.path, secret, health), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, webhook.host, webhook.port)
        try:
            await site.start()
        except OSError as error:
            raise SettingsError(f"--listen {webhook.host}:{webhook.port}: {error.strerror}") from None
        log.info("frontdoor is serving its webhook %s on %s:%s", webhook.url, webhook.host, webhook.port)
        await until_signalled()
    finally:
        await runner.cleanup()


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


async def tick_jobs(app: Frontdoor, sender: Sender, stop: asyncio.Event) -> None:
    """Run due jobs (nudges, expiries, reminders) every minute until `stop` is set."""

    async def tick() -> None:
        run = await app.run_jobs(telegram.CHANNEL)
        if run.chats:
            await sender.send(run.chats)

    await repeat(tick, stop, every=JOB_TICK_SECONDS, what="job run")


async def chat(settings: Settings, *, role: str | None, language: str | None, user_id: int) -> int:
    app = await build(settings)

    async def handle(event: Event) -> list[Reply]:
        handled = await app.handle(terminal.CHANNEL, event)
        await app.mark_sent(handled.outbox_ids)  # shown right here: nothing left for a sender
        if handled.notice:
            return [Reply(handled.notice)]
        return handled.replies

    print(
        "frontdoor chat: type a button's number to press it, /help for commands, Ctrl-D to leave.\n",
        file=sys.stderr,
    )
    try:
        await terminal.TerminalChat(handle, user_id=user_id, language=language).run(role=role)
    finally:
        await app.close()
    return 0


async def db_upgrade(settings: Settings) -> int:
    app = await build(settings)
    await app.close()
    log.info("database is up to date")
    return 0


async def export(
    settings: Settings, *, kind: str, out: Path | None, since: datetime | None, until: datetime | None
) -> int:
    """Write the export for [since, until) to `out` (None: standard output, json only), then say how many."""
    app = await build(settings)
    reader = open_engine(settings.database_url, reading=True)
    try:
        async with session_factory(reader)() as session, session.begin():
            period = Period(since, until)
            total = sum((await record_counts(session, period)).values())
            # A bar only on a terminal (disable=None): a pipe or a log gets just the last line.
            with tqdm(total=total, unit=" records", file=sys.stderr, disable=None, leave=False) as bar:
                source = await export_of(session, question_keys(app.program), period, datetime.now(UTC), bar.update)
                counts = await write_export(kind, source, out)
    finally:
        await reader.dispose()
        await app.close()
    written = ", ".join(f"{count} {name}" for name, count in counts.items())
    print(f"exported {written}" + (f" to {out}" if out else ""), file=sys.stderr)
    return 0


async def write_export(kind: str, source: Export, out: Path | None) -> dict[str, int]:
    """A single file is written under a .part name and renamed when complete; a folder file by file."""
    if out is None:
        return await write_json(source, sys.stdout)
    if kind == "csv" and out.suffix.lower() != ".zip":
        return await write_csv(source, out)
    temporary = out.with_name(out.name + ".part")
    try:
        if kind == "json":
            with temporary.open("w", encoding="utf-8") as text:
                counts = await write_json(source, text)
        else:
            with temporary.open("wb") as binary:
                counts = await (write_csv if kind == "csv" else write_xlsx)(source, binary)
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    return counts


async def jobs_run(settings: Settings, *, now: datetime | None) -> int:
    """Run what is due as of `now`; the messages wait in the outbox for the running bot to send."""
    async with opened(settings) as app:
        run = await app.run_jobs(telegram.CHANNEL, now)
    print(f"ran {run.done} jobs, {run.failed} failed; messages queued for {len(run.chats)} chats", file=sys.stderr)
    return 0 if run.failed == 0 else 1


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Frontdoor]:
    """The program and its database for a one-shot command, closed however the command ends."""
    app = await build(settings)
    try:
        yield app
    finally:
        await app.close()


async def match_dry_run(settings: Settings) -> int:
    async with opened(settings) as app:
        for block in await app.dry_run():
            print(block, end="\n\n")
    return 0


async def digest_print(settings: Settings) -> int:
    async with opened(settings) as app:
        print(await app.digest_preview(telegram.CHANNEL))
    return 0


async def coordinators_invite(settings: Settings) -> int:
    async with opened(settings) as app:
        code, expires_at = await app.invite_coordinator()
    print(code)
    print(
        f"Give this code to the new coordinator: they send /coordinator {code} to the bot. "
        f"It works once, until {expires_at:%Y-%m-%d %H:%M} UTC.",
        file=sys.stderr,
    )
    return 0


async def erase(settings: Settings, participant_id: int) -> int:
    """Erase a participant's personal data for a request made by other means (e-mail, phone, letter)."""
    async with opened(settings) as app:
        erased = await app.erase(telegram.CHANNEL, participant_id)
    if not erased:
        raise SettingsError(f"there is no participant {participant_id} (or their data is erased already)")
    print(
        f"participant {participant_id}: personal data erased; the people they were to meet are told "
        "when the bot next sends its messages",
        file=sys.stderr,
    )
    return 0
