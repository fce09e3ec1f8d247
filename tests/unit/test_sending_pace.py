"""The sender's overall pace, as Telegram counts it: by when each request arrives there, not when it left.

Requests reach Telegram with jitter (a busy moment of the bot, of the network), so spacing their
departures evenly is not enough: a late one bunches with the next. Telegram answers 429 as soon as
it counts more than its limit in any one second.
"""

from __future__ import annotations

import asyncio
import random

from bot.pacing import RateLimiter

PER_SECOND = 100  # high, so that the test is short; the rule is the same at Telegram's 30
SENDS = 400


async def test_however_late_requests_arrive_telegram_never_counts_more_than_the_rate_in_one_second() -> None:
    limiter = RateLimiter(PER_SECOND)
    rng = random.Random(8)
    arrivals: list[float] = []
    loop = asyncio.get_running_loop()

    async def send() -> None:
        turn = await limiter.wait()
        try:
            await asyncio.sleep(rng.choice([0.0, 0.0, 0.0, rng.uniform(0.0, 0.15)]))  # on its way
            arrivals.append(loop.time())  # Telegram counts it now
            await asyncio.sleep(rng.uniform(0.0, 0.02))  # the answer on its way back
        finally:
            turn.finish()

    await asyncio.gather(*(send() for _ in range(SENDS)))

    arrivals.sort()
    crowded = [
        (round(arrivals[i], 3), round(arrivals[i + PER_SECOND] - arrivals[i], 3))
        for i in range(len(arrivals) - PER_SECOND)
        if arrivals[i + PER_SECOND] - arrivals[i] <= 1.0
    ]
    assert crowded == [], f"{PER_SECOND + 1} requests arrived within one second"
    assert len(arrivals) == SENDS
