"""`frontdoor chat`: the same conversation in a terminal, on the same store, no Telegram needed.

Buttons are numbered: type the number to press one. Type /commands as in Telegram; when the
question asks for a phone number, type `c` to share the terminal's pretend contact.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Final, TextIO

from bot.channels import telegram_capabilities
from handlers.core.channel import Capabilities
from handlers.core.events import Button, Event, EventKind, Reply
from handlers.core.ids import number

CHANNEL: Final = "terminal"
# The terminal rehearses the conversation people have on Telegram, so it draws Telegram's lines
# (what fits here fits there); a referral's personal link is the command typed here, `/start r…`.
CAPABILITIES: Final[Capabilities] = telegram_capabilities.capabilities(bot_username=None)
TERMINAL_PHONE: Final = "+15195550100"
Handle = Callable[[Event], Awaitable[list[Reply]]]


class TerminalChat:
    def __init__(self, handle: Handle, *, user_id: int, language: str | None, out: TextIO = sys.stdout) -> None:
        self._handle = handle
        self._user_id = user_id
        self._language = language
        self._out = out
        self._choices: list[tuple[EventKind, str]] = []  # what typing each number does
        self._contact_offered = False
        self._message_id = 0

    def _event(self, kind: EventKind, text: str = "", args: str = "") -> Event:
        # Milliseconds since the epoch: update ids that never repeat across terminal sessions.
        return Event(
            update_id=time.time_ns() // 1_000_000,
            user_id=self._user_id,
            chat_id=self._user_id,
            kind=kind,
            text=text,
            args=args,
            language_code=self._language,
            message_id=self._message_id,
        )

    async def say(self, line: str) -> None:
        """What the person typed, as the event Telegram would have produced."""
        line = line.strip()
        choice = number(line, range(1, len(self._choices) + 1))
        if choice is not None:
            event = self._event(*self._choices[choice - 1])
        elif line.lower() == "c" and self._contact_offered:
            event = self._event(EventKind.CONTACT, TERMINAL_PHONE)
        elif line.startswith("/") and len(line) > 1:
            command, _, args = line[1:].partition(" ")
            event = self._event(EventKind.COMMAND, command.lower(), args.strip())
        else:
            event = self._event(EventKind.TEXT, line)
        await asyncio.sleep(0.001)  # two presses in one millisecond would share an update id
        self.show(await self._handle(event))

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            self._message_id += 0 if reply.edit else 1
            # An edit rewrites a message already on screen: its last paragraph is what changed.
            text = "(updated) " + reply.text.split("\n\n")[-1] if reply.edit else reply.text
            print(text, file=self._out)
            if reply.buttons:
                self._choices = [(EventKind.CHOICE, button.data) for row in reply.buttons for button in row]
                for row_start, row in _numbered(reply.buttons):
                    print("   ".join(f"[{row_start + i}] {b.label}" for i, b in enumerate(row)), file=self._out)
            elif not reply.edit:
                self._choices = [(EventKind.TEXT, label) for label in reply.keyboard]
            if not reply.edit:
                self._contact_offered = reply.contact_button is not None
            if reply.contact_button:
                print(f"[c] {reply.contact_button}", file=self._out)
                for i, label in enumerate(reply.keyboard, 1):
                    print(f"[{i}] {label}", file=self._out)
            print(file=self._out)

    async def press(self, data: str) -> None:
        self.show(await self._handle(self._event(EventKind.CHOICE, data)))

    async def run(self, lines: TextIO = sys.stdin, *, role: str | None = None) -> None:
        """Start (choosing the language and `role` if given), then read lines until end of input."""
        await self.say("/start")
        if self._language:
            await self.press(f"lang:{self._language}")
        if role:
            await self.press(f"role:{role}")
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, _read_line, lines)
            if line is None:
                return
            if line.strip():
                await self.say(line)


def _read_line(lines: TextIO) -> str | None:
    if lines.isatty():
        try:
            return input("> ")
        except EOFError:
            return None
    line = lines.readline()
    return line if line else None


def _numbered(rows: tuple[tuple[Button, ...], ...]) -> list[tuple[int, tuple[Button, ...]]]:
    numbered, start = [], 1
    for row in rows:
        numbered.append((start, row))
        start += len(row)
    return numbered
