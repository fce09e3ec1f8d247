"""3. Sending: the real Sender emptying a full outbox into a stub that enforces Telegram's limits.

The outbox holds a burst such as reminders or a digest make (3,000 messages to 1,000 chats, three
each; --tiny: 45 to 30), written through the program's own outbox. The stub
accepts at most 30 messages in any second overall and one a second per chat, and answers 429
(retry_after 1) beyond. The figure: messages accepted a second between the first and the last,
against 30/s; and how many 429s the stub had to answer.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from benchmarks.common import Figure, scratch, sized
from benchmarks.harness import settings_for
from benchmarks.stub_api import stub_client
from benchmarks.telegram_stub import StubBotAPI
from bot.app import build
from bot.channels import TELEGRAM
from bot.channels.telegram_library import make_deliver
from bot.sender import Sender
from handlers.core.events import Button, Reply, reply_to_payload
from storage.unit_of_work import UnitOfWork

NAME = "sending"
RATE = 30.0
TARGET = 0.95
FIRST_CHAT = 50_001


@dataclass(frozen=True)
class Size:
    messages: int
    chats: int


FULL = Size(messages=3000, chats=1000)
TINY = Size(messages=45, chats=30)


def reminder(index: int) -> Reply:
    text = (
        f"Reminder: your conversation with Priya Sharma is tomorrow, Thu, Nov 26 at 9:00 AM (#{index}).\n\n"
        "Priya is a software engineer at Shopify. You chose a video call; the link comes an hour before."
    )
    buttons = ((Button("Reschedule", f"mr:{index}:1"), Button("Cancel", f"mx:{index}:1")),)
    return Reply(text, buttons=buttons)


async def run(tiny: bool = False, **overrides: float) -> list[Figure]:
    size = sized(FULL, TINY, tiny, overrides)
    with scratch(NAME) as folder:
        settings = settings_for(folder, send_rate=RATE, chat_interval=1.0)
        app = await build(settings)
        try:
            now = datetime.now(UTC)
            async with UnitOfWork(app.sessions) as uow:
                for index in range(size.messages):
                    chat_id = FIRST_CHAT + index % size.chats
                    await uow.outbox.add(TELEGRAM, chat_id, [reply_to_payload(reminder(index))], now)
                await uow.commit()
            api = StubBotAPI(limits=True, per_second=int(RATE), chat_interval=1.0)
            all_sent = asyncio.Event()
            api.on_send = lambda _call: all_sent.set() if len(api.sent()) >= size.messages else None
            sender = Sender(
                app.sessions,
                TELEGRAM,
                make_deliver(stub_client(api)),
                per_second=settings.send_rate,
                chat_interval=settings.chat_interval,
                worker="bench-sender",
            )
            stop = asyncio.Event()
            started = time.perf_counter()
            sending = asyncio.create_task(sender.run(stop))
            try:
                await asyncio.wait_for(all_sent.wait(), timeout=size.messages / RATE * 3 + 30)
            finally:
                stop.set()
                await sending
                await sender.leave()
            took = time.perf_counter() - started
        finally:
            await app.close()
    sent = api.sent()
    rate = (len(sent) - 1) / (sent[-1].at - sent[0].at) if len(sent) > 1 else 0.0
    note = (
        f"{len(sent):,} of {size.messages:,} messages to {size.chats:,} chats accepted at {rate:.2f}/s; "
        f"all sent {took:.1f} s after the sender started"
    )
    return [
        Figure(NAME, "share of 30 messages a second", rate / RATE, "", TARGET, note=note),
        Figure(NAME, "429 answers", api.refused, "", 0, higher_is_better=False),
    ]
