"""8. The wait on the phone: from a tap or a typed answer to the next question on the screen.

`frontdoor run` as a real process with its default pace (one message a second per chat after a
burst of two, edits included), against the end-to-end tests' HTTP emulator of the Bot API, which
answers 429 to anything faster than Telegram allows (30 a second overall; a chat: a short burst,
then one a second). A few people (--tiny: two) register at once, each at a brisk pace (a short
pause to read, then the answer), through the connectee's whole intake: a figure is the time from
the moment an answer is given (the bot's waiting long poll takes it at once) to the moment the next
question is in the chat, for every answer that brings one (a tick only changes its box, and /start is
no answer: neither is counted).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import Figure, percentile, scratch, sized
from tests.e2e.bot_process import BotProcess
from tests.e2e.emulator import BotApiEmulator, EmulatedUser
from tests.e2e.people import CONNECTEE_SCRIPT, Script
from tests.e2e.script import WAIT, act, plain

NAME = "wait"
TARGET_P95_MS = 150.0
TELEGRAM_LIMITS = (30.0, 1.0)  # messages a second overall, and to one chat after its short burst


@dataclass(frozen=True)
class Size:
    people: int
    pause: float  # seconds a person takes to read a question before answering


FULL = Size(people=8, pause=2.0)
TINY = Size(people=2, pause=0.2)  # only shows that it runs: the pace is too brisk for the target


async def run(*, tiny: bool = False, **sizes: float) -> list[Figure]:
    size = sized(FULL, TINY, tiny, sizes)
    with scratch(NAME) as folder:
        waits, limited = await _register_together(folder, size)
    note = (
        f"{len(waits)} answers by {size.people} people answering {size.pause:g} s after each question, "
        f"default pace; {limited} answered 429 by the emulator"
    )
    return [
        Figure(NAME, "p95 answer to next question", percentile(waits, 0.95) * 1000, "ms", TARGET_P95_MS, False, note),
        Figure(NAME, "p50 answer to next question", percentile(waits, 0.5) * 1000, "ms"),
        Figure(NAME, "429 answers from the emulator", float(limited), "", 0.0, False),
    ]


async def _register_together(folder: Path, size: Size) -> tuple[list[float], int]:
    async with BotApiEmulator() as telegram:
        telegram.rate_limit = TELEGRAM_LIMITS
        bot = BotProcess(telegram, folder, environment={"FRONTDOOR_CHAT_INTERVAL": "1"})
        await bot.start()
        try:
            people = [telegram.user(7000 + n, first_name=f"Person {n}") for n in range(size.people)]
            waits = await asyncio.gather(*(_register(person, CONNECTEE_SCRIPT, size.pause) for person in people))
        finally:
            bot.stop()
        limited = sum(1 for call in telegram.calls if call.status == 429)
    return [wait for one in waits for wait in one], limited


async def _register(person: EmulatedUser, script: Script, pause: float) -> list[float]:
    """Take the intake at a brisk pace; the wait for each next question."""
    waits = []
    for line in script:
        action, expect = line if isinstance(line, tuple) else (line, "")  # expect: the question, where two come
        action = action.replace("{name}", f"Alex {person.user_id}").replace("{email}", f"p{person.user_id}@example.com")
        await asyncio.sleep(pause)
        seen = len(person.inbox)
        act(person, action)  # the bot's long poll takes it at once
        if action.startswith("/"):  # a command, not an answer: /start's welcome is not counted
            await person.wait_for(lambda message, text=expect: text in plain(message.text), after=seen, timeout=WAIT)
            continue
        if action.startswith("tick:"):
            ticked = f"✅ {action.removeprefix('tick:')}"
            await person.wait_for(
                lambda message, box=ticked: any(plain(b) == box for b in message.buttons()), timeout=WAIT
            )
            continue
        answered = time.monotonic()
        await person.wait_for(lambda message, text=expect: text in plain(message.text), after=seen, timeout=WAIT)
        waits.append(time.monotonic() - answered)
    return waits
