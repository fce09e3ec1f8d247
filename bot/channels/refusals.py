"""What the webhook refused, summed up in the log at most once a minute.

Anyone can reach a webhook's port, so a line per refused request would let anyone fill the disk
(the figures of such a flood: docs/benchmarks.md). Each refusal is only counted, and the counts
are written as one line: the first at once, then at most one a minute.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Final

SUMMARY_EVERY: Final = 60.0  # seconds between two summary lines, at least
EXAMPLE_LENGTH: Final = 100  # characters of one error's message shown beside its count


class Refusals:
    """Refused connections and requests, counted by reason, logged as one summary line at most every minute."""

    def __init__(self, log: logging.Logger, every: float = SUMMARY_EVERY) -> None:
        self._log = log
        self._every = every
        self._counts: Counter[str] = Counter()
        self._examples: dict[str, str] = {}  # the first detail seen of a reason, since the last summary
        self._last_summary: float | None = None  # the loop's time of the last line written
        self._summary: asyncio.TimerHandle | None = None

    def add(self, reason: str, example: str | None = None) -> None:
        """Count one refusal; the next summary says how many of each reason there were, and one example."""
        self._counts[reason] += 1
        if example is not None:
            # On one line, whatever the sender put in it.
            self._examples.setdefault(reason, " ".join(example.split())[:EXAMPLE_LENGTH])
        if self._summary is None:
            loop = asyncio.get_running_loop()
            due = loop.time() if self._last_summary is None else self._last_summary + self._every
            self._summary = loop.call_at(due, self.write)

    def write(self) -> None:
        """Log what was counted since the last summary (nothing when nothing was)."""
        if self._summary is not None:
            self._summary.cancel()
            self._summary = None
        if not self._counts:
            return
        now = asyncio.get_running_loop().time()
        reasons = "; ".join(f"{count} {self._described(reason)}" for reason, count in self._counts.most_common())
        since = "" if self._last_summary is None else f" in the last {now - self._last_summary:.0f} s"
        self._log.warning("webhook refused%s: %s", since, reasons)
        self._counts.clear()
        self._examples.clear()
        self._last_summary = now

    def _described(self, reason: str) -> str:
        example = self._examples.get(reason)
        return reason if example is None else f"{reason} (one: {example})"


class CountedInstead(logging.Filter):
    """For the web server's own logger: its per-request errors (a malformed request line, a header
    over the size limit, a body that never came) become counts in the summary, not lines."""

    def __init__(self, refusals: Refusals) -> None:
        super().__init__()
        self._refusals = refusals

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True  # debug lines are off unless someone asked for them
        error = record.exc_info[1] if record.exc_info else None
        # Counted by the error's type, so that a summary stays one short line whatever is sent.
        self._refusals.add(f"failed ({type(error).__name__})" if error else "failed", str(error or record.getMessage()))
        return False
