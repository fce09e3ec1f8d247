"""How fast one person's updates are taken in: a token bucket per person, checked as updates arrive.

Why: every update a person sends runs the flow, holds the database's write lock and writes replies,
so one person sending thousands at once (a script, a stuck key, a forwarded flood) stalled
everyone else's answers for minutes (issue 21). Why as they arrive, before they are stored: a
refused update then costs neither a row nor a transaction, and the stored updates of one person
stay few, so nobody else's wait behind them. Each worker keeps its own buckets in memory: webhook
workers behind a proxy each see part of a person's updates, so a person may get up to one
allowance per worker, which still bounds a flood.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

# A person tapping through boxes, correcting answers or pasting a few lines sends a handful of
# updates in a second or two; ten leaves room for that, and nobody reads and answers faster than one
# a second for long.
BURST: Final = 10.0
PER_SECOND: Final = 1.0
# Buckets full again are forgotten once this many people are tracked, so memory follows the people
# active in the last few seconds, not everyone who ever wrote. A bucket full again is as good as a
# new one: forgetting it changes no verdict.
TRACKED: Final = 10_000


class Verdict(StrEnum):
    """What becomes of an update: handled; refused with the one slow-down note of this flood; refused quietly."""

    TAKE = "take"
    SLOW_DOWN = "slow_down"
    DROP = "drop"


@dataclass
class _Bucket:
    tokens: float
    at: float  # seconds, when `tokens` was counted
    flooding: bool = False  # refused since the bucket was last full: the note was written already

    def level(self, now: float, per_second: float) -> float:
        """What it holds at `now`, refilled since `at` (before the burst's cap)."""
        return self.tokens + max(0.0, now - self.at) * per_second


class Allowance:
    """Per person, at most `burst` updates at once and `per_second` after that, on arrival times in seconds."""

    def __init__(self, burst: float = BURST, per_second: float = PER_SECOND) -> None:
        self.burst = burst
        self.per_second = per_second
        self._buckets: dict[tuple[str, int], _Bucket] = {}
        self._sweep_at = TRACKED  # people tracked when full buckets are next looked for

    def tracked(self) -> int:
        """How many people's buckets are kept. (Not `__len__`: an allowance tracking nobody yet must
        not read as false where one is passed or defaulted.)"""
        return len(self._buckets)

    def take(self, channel: str, user_id: int, now: float) -> Verdict:
        """One update of this person arrived at `now`: is it handled?"""
        key = (channel, user_id)
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._sweep_at:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.level(now, self.per_second))
        bucket.at = now
        if bucket.tokens >= self.burst:
            bucket.flooding = False  # quiet long enough: a flood from now on is a new one
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.TAKE
        if bucket.flooding:
            return Verdict.DROP
        bucket.flooding = True
        return Verdict.SLOW_DOWN

    def _forget_full(self, now: float) -> None:
        # Full by what it holds, not by the time a whole burst takes to refill: with the allowance
        # lifted (FRONTDOOR_PERSON_BURST=1000000, as the benchmarks run) that time is eleven days, and
        # every person who ever wrote was kept, one more walk of them all for each newcomer.
        self._buckets = {
            key: bucket for key, bucket in self._buckets.items() if bucket.level(now, self.per_second) < self.burst
        }
        # Those still refilling are kept; if they are many, the next newcomer must not walk them all again.
        self._sweep_at = max(TRACKED, 2 * len(self._buckets))
