"""The bot as `frontdoor run` wires it, on a SQLite file in WAL mode, talking to the in-process stub Bot API.

`running_frontdoor` starts what `frontdoor run` starts (bot.serve.wire: the Telegram library's
client, aiogram's or python-telegram-bot's, Incoming, Sender, the job runner) with long polling
against a StubBotAPI. `running_echo` is the yardstick: a bare aiogram echo bot on the
same stub, one message back per update.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiogram import Dispatcher, F
from aiogram.types import CallbackQuery, Message

from benchmarks.common import sqlite_url
from benchmarks.stub_api import stub_bot, stub_client
from benchmarks.telegram_stub import BOT_USER, TOKEN, StubBotAPI
from bot import serve
from bot.app import Frontdoor, build
from bot.channels import TELEGRAM, telegram_capabilities
from bot.channels.telegram_library import MODULES
from bot.config import Settings
from bot.polling import poll

# The stub enforces no limit here (the sending benchmark measures pacing): the sender may send
# as fast as replies are written, so what is measured is the bot's own work.
UNPACED_RATE: float = 1_000_000.0
# Nor does one person's allowance (bot.flood): a benchmark's crowd sends each person's steps at once.
UNLIMITED_BURST: float = 1_000_000.0


Watch = Callable[[Frontdoor], Awaitable[None]]
LIBRARIES = tuple(MODULES)  # each benchmark of the bot reports both, side by side


@dataclass
class Running:
    api: StubBotAPI
    polling: asyncio.Task[None]


def settings_for(
    folder: Path,
    *,
    send_rate: float = UNPACED_RATE,
    chat_interval: float = 0.0,
    person_burst: float = UNLIMITED_BURST,
    database_url: str | None = None,
) -> Settings:
    """The bot's settings for a benchmark: its database a SQLite file in `folder` unless `database_url` names one."""
    return Settings(
        bot_token=TOKEN,
        database_url=database_url or sqlite_url(folder / "frontdoor.db"),
        send_rate=send_rate,
        chat_interval=chat_interval,
        person_burst=person_burst,
    )


@asynccontextmanager
async def running_frontdoor(
    api: StubBotAPI, settings: Settings, library: str = "aiogram", watch: Watch | None = None
) -> AsyncIterator[Running]:
    """Frontdoor polling the stub until the block ends; then it stops as `frontdoor run` stops.

    `watch` is given the program once built, before it serves (benchmarks.statements counts its statements).
    """
    app = await build(settings)
    if watch is not None:
        await watch(app)
    client = stub_client(api, library)
    app.capabilities[TELEGRAM] = telegram_capabilities.capabilities(BOT_USER["username"])
    runtime = serve.wire(app, client, settings, worker=serve.worker_name())
    stop = asyncio.Event()
    background = runtime.start(stop)
    polling = asyncio.create_task(poll(client, runtime.incoming))
    try:
        yield Running(api, polling)
    finally:
        polling.cancel()  # as a signal stops `frontdoor run`
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        stop.set()
        await asyncio.gather(*background)
        await runtime.sender.leave()
        await app.close()


@asynccontextmanager
async def running_echo(api: StubBotAPI) -> AsyncIterator[Running]:
    """A bare aiogram echo bot: each message's text, or a pressed button's data, sent back."""
    bot = stub_bot(api)
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await bot.send_message(message.chat.id, message.text or "…")

    @dispatcher.callback_query(F.data)
    async def echo_button(query: CallbackQuery) -> None:
        await bot.send_message(query.from_user.id, query.data or "…")

    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False))
    try:
        yield Running(api, polling)
    finally:
        await _stop_polling(dispatcher, polling)


async def _stop_polling(dispatcher: Dispatcher, polling: asyncio.Task[None]) -> None:
    with contextlib.suppress(RuntimeError):  # polling had not started yet
        await dispatcher.stop_polling()
    try:
        await asyncio.wait_for(polling, timeout=30)
    except (TimeoutError, asyncio.CancelledError):
        polling.cancel()
