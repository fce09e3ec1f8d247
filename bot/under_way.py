"""How much work is under way at once (messages being sent, buttons being answered), bounded.

After 10,000 updates at once, a process that handled updates as fast as it could read them had
thousands of Bot API calls under way together (on python-telegram-bot over HTTP: about 6,000
button answers and 1,000 chats' messages at the peak), each with its request built and waiting for
one of a few connections. Python's allocator keeps the memory of such a peak after it passed: the
process ended 93 MB above its idle size, 59 MB of it free space inside pymalloc's arenas
(docs/benchmarks.md, "Memory under way"). Bounded, the updates wait in the database instead, where
they are stored anyway, and the process ends 28 MB above idle.
"""

from __future__ import annotations

import asyncio


class UnderWay:
    """A count of work under way, and whether it is under `most` (`room` waits until it is)."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.count = 0
        self._room = asyncio.Event()  # set while count < most
        self._room.set()

    @property
    def has_room(self) -> bool:
        return self._room.is_set()

    async def room(self) -> None:
        """Wait until less than `most` is under way."""
        await self._room.wait()

    def take(self, count: int = 1) -> None:
        self.count += count
        if self.count >= self.most:
            self._room.clear()

    def let_go(self, count: int = 1) -> None:
        self.count -= count
        if self.count < self.most:
            self._room.set()
