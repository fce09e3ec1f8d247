"""The overall pace of sends: at most so many a second as Telegram counts them, whatever the network's jitter."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
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


class ChatPace:
    """Each chat's pace: at most `burst` messages at once, then one every `interval` seconds, edits
    included (a token bucket per chat). Telegram asks for about one message a second in a chat and
    tolerates short bursts; a burst of two lets the next question and the ✔ of the answered one
    leave together."""

    def __init__(self, interval: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._interval = interval
        self._burst = max(1, burst)
        self._chats: dict[int, tuple[float, float]] = {}  # chat -> (allowance, self._clock() it was so)

    def _allowance(self, chat_id: int, now: float) -> float:
        allowance, at = self._chats.get(chat_id, (float(self._burst), now))
        return min(float(self._burst), allowance + (now - at) / self._interval)

    def wait(self, chat_id: int) -> float:
        """Seconds before this chat may get its next message (0: now)."""
        if self._interval <= 0:
            return 0.0
        now = self._clock()
        return max(0.0, (1.0 - self._allowance(chat_id, now)) * self._interval)

    def sent(self, chat_id: int, at: float | None = None) -> None:
        """A message reached this chat (counted from Telegram's answer, as for the overall rate; or
        `at`, when another worker sent it)."""
        if self._interval <= 0:
            return
        now = self._clock() if at is None else at
        self._chats[chat_id] = (self._allowance(chat_id, now) - 1.0, now)

    def forget_idle(self) -> None:
        """Drop the chats whose allowance is full again (they are as if never written to)."""
        if self._interval <= 0:
            return
        now = self._clock()
        self._chats = {chat: kept for chat, kept in self._chats.items() if self._allowance(chat, now) < self._burst}
