"""The moment the tests' program lives at, and a clock a test moves by hand (the program's `clock`
argument), so no test waits for time to pass."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

# Monday, November 23, 2026, 10:00 in Toronto (the program's time zone): the week ahead has every
# weekday's meeting times, and the personas' slots (tests.support.personas) are counted from it.
NOW: Final = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
