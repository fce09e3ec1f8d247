"""What each `frontdoor` command does, once its arguments and settings are known."""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.utils.token import TokenValidationError

from bot.app import Frontdoor, build
from bot.channels import telegram, terminal
from bot.config import Settings, SettingsError
from bot.sender import Sender, repeat
from handlers.conversation import COMMANDS
from handlers.events import Event, Reply
from storage.export import write_json

log = logging.getLogger("frontdoor")
JOB_TICK_SECONDS = 60.0


async def run_polling(settings: Settings) -> int:
    token = settings.require_token()
    try:
        bot = telegram.make_bot(token, settings.telegram_api_url)
    except TokenValidationError:
        raise SettingsError(
            "FRONTDOOR_BOT_TOKEN does not look like a bot token (123456:ABC…) from @BotFather"
        ) from None
    app = await build(settings)
    sender = Sender(app.sessions, telegram.CHANNEL, telegram.make_deliver(bot))

    async def handle(event: Event) -> str | None:
        handled = await app.handle(telegram.CHANNEL, event)
        if handled.chats:
            await sender.send(handled.chats)
        return handled.notice

    stop = asyncio.Event()
    sweeper = asyncio.create_task(sender.run(stop))
    ticker = asyncio.create_task(tick_jobs(app, sender, stop))
    try:
        me = await bot.get_me()
        await telegram.publish_commands(
            bot, COMMANDS, app.program.languages, lambda language: app.catalogs.translator(language).gettext
        )
        log.info("frontdoor is running as @%s (long polling)", me.username)
        # One update at a time keeps each person's messages in order; see issue on delivery.
        await telegram.build_dispatcher(handle).start_polling(bot, handle_as_tasks=False, close_bot_session=False)
    except TelegramUnauthorizedError:
        raise SettingsError(
            "Telegram refused FRONTDOOR_BOT_TOKEN (401 Unauthorized): check it with @BotFather"
        ) from None
    finally:
        stop.set()
        await asyncio.gather(sweeper, ticker)
        await bot.session.close()
        await app.close()
    return 0


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


async def export(settings: Settings, *, out: Path | None) -> int:
    app = await build(settings)
    try:
        async with app.sessions() as session:
            if out is None:
                count = await write_json(session, sys.stdout, datetime.now(UTC))
            else:
                temporary = out.with_name(out.name + ".part")
                with temporary.open("w", encoding="utf-8") as target:
                    count = await write_json(session, target, datetime.now(UTC))
                temporary.replace(out)
    finally:
        await app.close()
    print(f"exported {count} participants", file=sys.stderr)
    return 0


async def jobs_run(settings: Settings, *, now: datetime | None) -> int:
    """Run what is due as of `now`; the messages wait in the outbox for the running bot to send."""
    app = await build(settings)
    try:
        run = await app.run_jobs(telegram.CHANNEL, now)
    finally:
        await app.close()
    print(f"ran {run.done} jobs, {run.failed} failed; messages queued for {len(run.chats)} chats", file=sys.stderr)
    return 0 if run.failed == 0 else 1


async def match_dry_run(settings: Settings) -> int:
    app = await build(settings)
    try:
        for block in await app.dry_run():
            print(block, end="\n\n")
    finally:
        await app.close()
    return 0
