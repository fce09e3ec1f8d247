"""The overall pace of sends: at most so many a second as Telegram counts them, whatever the network's jitter."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Final

# Sends leave evenly spaced, 1% apart more than the rate asks; what keeps Telegram's one-second
# window from counting one too many is the rule of RateLimiter.wait, which holds whatever the jitter.
MARGIN: Final = 1.01


class Turn:
    """One send's place in the rate: finished (`finish`) once Telegram answered it, or it was not made."""

    def __init__(self) -> None:
        self.finished: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    def finish(self) -> None:
        if not self.finished.done():
            self.finished.set_result(time.monotonic())


class RateLimiter:
    """At most `per_second` sends in any second as Telegram counts them, spaced evenly.

    Each send has its turn on an even schedule. But a send reaches Telegram some time after it
    leaves: a busy moment of this process, or of the network, can delay one and bunch it with the
    next, and a count by departures would then let Telegram see one too many in a second. So a send
    also waits until the `per_second`-th send before it has been answered for a whole window
    (`_span`): it reached Telegram before its answer came, and this one reaches Telegram after it
    leaves, so the two are always more than a window apart there, however late either was.
    """

    def __init__(self, per_second: float) -> None:
        self._next = 0.0
        self._lock = asyncio.Lock()
        self._turns: deque[Turn] = deque()  # the latest turns given, oldest first
        self.set_rate(per_second)

    def set_rate(self, per_second: float) -> None:
        self._interval = MARGIN / per_second
        self._count = max(1, int(per_second))  # in any window of `_span` seconds
        self._span = self._count * self._interval

    async def wait(self) -> Turn:
        """This send's turn; `finish` it once the send was answered (or not made)."""
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            await asyncio.sleep(delay)
        while len(self._turns) >= self._count:
            earlier = self._turns[-self._count]
            pause = await asyncio.shield(earlier.finished) + self._span - time.monotonic()
            if pause <= 0 and earlier is self._turns[-self._count]:
                break
            await asyncio.sleep(max(pause, 0))
        turn = Turn()  # no await since the check: no other send slipped in
        self._turns.append(turn)
        while len(self._turns) > self._count:
            self._turns.popleft()
        return turn
