"""The sender's overall pace, as Telegram counts it: by when each request arrives there, not when it left.

Requests reach Telegram with jitter (a busy moment of the bot, of the network), so spacing their
departures evenly is not enough: a late one bunches with the next. Telegram answers 429 as soon as
it counts more than its limit in any one second.
"""

from __future__ import annotations

import asyncio
import random

from bot.pacing import ChatPace, RateLimiter

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


# ---------------------------------------------------------------- one chat's pace


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_chat_takes_the_next_question_and_the_tick_together_then_one_message_a_second() -> None:
    clock = Clock()
    pace = ChatPace(1.0, 2, clock=clock)
    assert pace.wait(7) == 0.0
    pace.sent(7)  # the next question
    assert pace.wait(7) == 0.0, "the ✔ on the answered question goes with it"
    pace.sent(7)
    assert pace.wait(7) == 1.0, "then the chat waits a second"
    assert pace.wait(8) == 0.0, "another chat does not"
    clock.now += 0.4
    assert abs(pace.wait(7) - 0.6) < 1e-9
    clock.now += 0.6
    pace.sent(7)
    assert pace.wait(7) == 1.0, "at the sustained pace, one a second: the burst is not refilled yet"
    clock.now += 5
    assert pace.wait(7) == 0.0
    pace.forget_idle()
    pace.sent(7)
    assert pace.wait(7) == 0.0, "a chat left alone long enough has its whole burst again"


def test_a_message_another_worker_sent_a_moment_ago_counts_too() -> None:
    clock = Clock()
    pace = ChatPace(1.0, 1, clock=clock)
    pace.sent(7, at=clock.now - 0.25)
    assert abs(pace.wait(7) - 0.75) < 1e-9


def test_no_interval_means_no_pace() -> None:
    pace = ChatPace(0.0, 2)
    for _ in range(10):
        pace.sent(7)
    assert pace.wait(7) == 0.0
