"""A person on Telegram, the Bot API emulator's user, as a chat driver (tests.support.driver.Driver):
the moves the unit and storage tests make, against `frontdoor run`.

Here the bot answers in its own time, so an action waits: for the bot's next new message, or the
next one containing `expect`; `expect=None` waits for nothing (wait with `wait_for`). A reply of
several messages comes at Telegram's pace, one a second: say which one to wait for. The emulator's
user stays at hand as `user`, for what only Telegram has (resending an update, a sticker, the inbox
with its deleted messages).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from handlers.core.bidi import isolate_foreign
from handlers.core.events import Button
from tests.e2e.emulator import EmulatedUser, SentMessage
from tests.support import driver
from tests.support.driver import Shown, plain

WAIT: Final = 30.0


def shown(message: SentMessage) -> Shown:
    """A message of the emulator's chat, as the other drivers' screens hold it."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    buttons = tuple(tuple(Button(b["text"], b.get("callback_data", "")) for b in row) for row in rows)
    keys = [
        key if isinstance(key, dict) else {"text": key}
        for row in (message.reply_keyboard or {}).get("keyboard", [])
        for key in row
    ]
    contact = next((key["text"] for key in keys if key.get("request_contact")), None)
    keyboard = tuple(key["text"] for key in keys if not key.get("request_contact"))
    return Shown(
        message.message_id, message.text, buttons, contact, keyboard, message.document_bytes, photo=message.photo_bytes
    )


class Person:
    def __init__(self, user: EmulatedUser) -> None:
        self.user = user

    # ---- what the person does

    async def send(self, text: str, *, expect: str | None = "") -> int:
        seen = len(self.user.inbox)
        return await self._answered(self.user.send(text), seen, expect)

    async def click(self, label: str, *, on: Shown | None = None, expect: str | None = "") -> int:
        seen = len(self.user.inbox)
        sent = None if on is None else next(m for m in self.user.inbox if m.message_id == on.id)
        if on is not None and sent is not None and not shown(sent).shows(label):
            # `on` is a copy of the message as the phone still showed it (a double tap): its data, as Telegram sends it.
            return await self._answered(self.user.press_data(on.data_of(label), message_id=on.id), seen, expect)
        return await self._answered(self.user.press(self._laid_out(label), message=sent), seen, expect)

    async def tick(self, label: str) -> int:
        """Tick a box of a several-choice question: the bot edits the question (no new message)."""
        update = self.user.press(self._laid_out(label))
        ticked = f"✅ {label}"
        await self.user.wait_for(lambda message: any(plain(b) == ticked for b in message.buttons()), timeout=WAIT)
        return update

    async def share_contact(self, phone: str = "+15195550123", *, expect: str | None = "") -> int:
        seen = len(self.user.inbox)
        return await self._answered(self.user.share_contact(phone), seen, expect)

    async def press_forged(self, data: str, *, on: Shown | None = None, expect: str | None = None) -> int:
        seen = len(self.user.inbox)
        return await self._answered(self.user.press_data(data, message_id=(on or self.last).id), seen, expect)

    # ---- what the person sees

    @property
    def last(self) -> Shown:
        return shown(self.user.last_message())

    @property
    def screen(self) -> list[Shown]:
        return [shown(message) for message in self.user.inbox if not message.deleted]

    def texts(self) -> list[str]:
        return [message.text for message in self.screen]

    def labels(self) -> list[str]:
        return driver.labels(self.screen)

    def showing(self, label: str) -> Shown:
        return driver.showing(self.screen, label)

    async def wait_for(
        self, predicate: Callable[[Shown], bool] | str, *, after: int | None = None, timeout: float = WAIT
    ) -> Shown:
        """The newest message (sent or edited) that satisfies `predicate` (a str: the text contains
        it), once the bot has sent it; `after`: among the messages from that index of the inbox on."""
        check: Callable[[Shown], Any] = (
            (lambda message: predicate in plain(message.text)) if isinstance(predicate, str) else predicate
        )
        return shown(await self.user.wait_for(lambda message: check(shown(message)), after=after, timeout=timeout))

    async def wait_showing(self, label: str, *, after: int | None = None) -> Shown:
        """The newest message showing a button labelled `label`, once the bot has sent one."""
        return await self.wait_for(lambda message: message.shows(label), after=after)

    # ---- behind the screen

    def _laid_out(self, label: str) -> str:
        """A label as the catalog has it, as the bot shows it: a right-to-left reader's Latin runs isolated."""
        return isolate_foreign(label, self.user.language_code or "en")

    async def _answered(self, update: int, seen: int, expect: str | None) -> int:
        if expect is not None:
            await self.user.wait_for(lambda message: expect in plain(message.text), after=seen, timeout=WAIT)
        return update
