"""`frontdoor chat`: the same conversation in a terminal, on the same store, no Telegram needed.

Buttons are numbered: type the number to press one, in any script's digits (١, ۱, ５). Type
/commands as in Telegram; when the question asks for a phone number, type `c` to share the
terminal's pretend contact. A document the bot sends (my-data.json, meeting.ics) is saved in a
folder, named on screen. While it waits for a line, the chat shows what other people's actions
left for this person (an approval, a proposal, a reminder from `frontdoor jobs run`), so the whole
matching flow can be tried without Telegram.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import unicodedata
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final, TextIO

from bot.channels import telegram_capabilities
from handlers.core.channel import Capabilities
from handlers.core.events import Button, Document, Event, EventKind, Reply
from handlers.core.ids import number
from handlers.intake.buttons import ChooseLanguage, ChooseRole

CHANNEL: Final = "terminal"
# The terminal rehearses the conversation people have on Telegram, so it draws Telegram's lines
# (what fits here fits there); a referral's personal link is the command typed here, `/start r…`.
CAPABILITIES: Final[Capabilities] = telegram_capabilities.capabilities(bot_username=None)
TERMINAL_PHONE: Final = "+15195550100"
# How often the chat looks for messages others' actions left for this person, while it waits for a line.
WATCH_SECONDS: Final = 1.0
Handle = Callable[[Event], Awaitable[list[Reply]]]
Waiting = Callable[[], Awaitable[list[Reply]]]
"""The messages waiting for this chat in the outbox, taken (marked sent) as they are returned."""


async def nothing_waiting() -> list[Reply]:
    return []


class TerminalChat:
    def __init__(
        self,
        handle: Handle,
        *,
        user_id: int,
        language: str | None,
        out: TextIO = sys.stdout,
        files: Path = Path("frontdoor-files"),
        waiting: Waiting = nothing_waiting,
    ) -> None:
        self._handle = handle
        self._user_id = user_id
        self._language = language
        self._out = out
        self._files = files
        self._waiting = waiting
        self._choices: list[tuple[EventKind, str]] = []  # what typing each number does
        self._contact_offered = False
        self._message_id = 0
        # One thing on screen at a time: the person's own replies, or what waited for them.
        self._turn = asyncio.Lock()

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
        choice = number(ascii_digits(line), range(1, len(self._choices) + 1))
        if choice is not None:
            event = self._event(*self._choices[choice - 1])
        elif line.lower() == "c" and self._contact_offered:
            event = self._event(EventKind.CONTACT, TERMINAL_PHONE)
        elif line.startswith("/") and len(line) > 1:
            command, _, args = line[1:].partition(" ")
            event = self._event(EventKind.COMMAND, command.lower(), args.strip())
        else:
            event = self._event(EventKind.TEXT, line)
        await self._act(event)

    async def press(self, data: str) -> None:
        await self._act(self._event(EventKind.CHOICE, data))

    async def _act(self, event: Event) -> None:
        async with self._turn:
            await asyncio.sleep(0.001)  # two presses in one millisecond would share an update id
            self.show(await self._handle(event))

    async def show_waiting(self) -> None:
        """What others' actions left for this person since the last look."""
        async with self._turn:
            self.show(await self._waiting())

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            self._message_id += 0 if reply.edit else 1
            if reply.document is not None:
                print(self._saved(reply.document), file=self._out)
            # An edit rewrites a message already on screen: its last paragraph is what changed.
            text = "(updated) " + reply.text.split("\n\n")[-1] if reply.edit else reply.text
            if text:
                print(text, file=self._out)
            self._show_buttons(reply)
            print(file=self._out)

    def _show_buttons(self, reply: Reply) -> None:
        """The reply's buttons, numbered: what typing each number (or `c`) does from now on."""
        if reply.buttons:
            self._choices = [(EventKind.CHOICE, button.data) for row in reply.buttons for button in row]
            for row_start, row in _numbered(reply.buttons):
                print("   ".join(f"[{row_start + i}] {b.label}" for i, b in enumerate(row)), file=self._out)
        elif not reply.edit and reply.document is None:
            self._choices = [(EventKind.TEXT, label) for label in reply.keyboard]
        if not reply.edit:
            self._contact_offered = reply.contact_button is not None
        if reply.contact_button:
            print(f"[c] {reply.contact_button}", file=self._out)
            for i, label in enumerate(reply.keyboard, 1):
                print(f"[{i}] {label}", file=self._out)

    def _saved(self, document: Document) -> str:
        """Save a document the bot sent where the person can open it; the line that says where."""
        self._files.mkdir(parents=True, exist_ok=True)
        path = (self._files / Path(document.filename).name).resolve()  # a name, never a path elsewhere
        # Private from its creation on, as exports are: my-data.json is everything about someone.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(document.content)
        caption = f" ({document.caption})" if document.caption else ""
        return f"[file] {path.name}{caption}: saved to {path}"

    async def run(self, lines: TextIO = sys.stdin, *, role: str | None = None) -> None:
        """Start (choosing the language and `role` if given), then read lines until end of input,
        showing what waits for this person meanwhile."""
        await self.say("/start")
        if self._language:
            # A new person is asked the language at /start; someone registered is not: ask for it.
            await self._choose(ChooseLanguage(self._language).pack(), or_first="/language")
        # Before the role, a new person without --language is asked the language: the role is pressed
        # once its question shows (after their first answer); otherwise it was chosen long ago.
        later = ChooseRole(role).pack() if role and not await self._choose(ChooseRole(role).pack()) else None
        if later is not None and not self._asks_language():
            print(f"(--role {role} left aside: this person has chosen a role already)\n", file=self._out)
            later = None
        await self.show_waiting()  # what came while they were away, before their first line
        stop = asyncio.Event()
        watching = asyncio.create_task(self._watch(stop))
        try:
            await self._read(lines, later)
        finally:
            stop.set()
            await watching
        await self.show_waiting()

    async def _choose(self, data: str, *, or_first: str | None = None) -> bool:
        """Press the button carrying `data` if it is shown (after sending `or_first` if it is not)."""
        if (EventKind.CHOICE, data) not in self._choices and or_first:
            await self.say(or_first)
        if (EventKind.CHOICE, data) not in self._choices:
            return False
        await self.press(data)
        return True

    def _asks_language(self) -> bool:
        return any(ChooseLanguage.unpack(data) for kind, data in self._choices if kind is EventKind.CHOICE)

    async def _read(self, lines: TextIO, role: str | None) -> None:
        """Each line said; `role`'s button pressed as soon as it shows."""
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, _read_line, lines)
            if line is None:
                return
            if line.strip():
                await self.say(line)
            if role is not None and await self._choose(role):
                role = None

    async def _watch(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.show_waiting()
            try:
                await asyncio.wait_for(stop.wait(), WATCH_SECONDS)
            except TimeoutError:
                pass


def ascii_digits(line: str) -> str:
    """A line of digits in any script ("۱", "١٢", "５", "੩") as ASCII digits; any other line as it is.
    A Persian, Arabic or Chinese keyboard types its own digits for a button's number: read as text,
    "۱" under Keep was stored as the answer it was meant to keep."""
    if not line.isdecimal():  # True for digits of any script only, not for "²" (a digit, no decimal)
        return line
    return "".join(str(unicodedata.decimal(char)) for char in line)


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
