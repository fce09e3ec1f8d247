"""A Bot API server's state for the benchmarks, answering like Telegram without a network.

`StubBotAPI` holds what a Telegram server would: the updates waiting for getUpdates (long polling,
with offset and timeout), the messages sent, and, when asked, Telegram's limits (30 messages a
second overall, one a second per chat), answering 429 with retry_after beyond them. It is reached
in the same process through benchmarks.stub_api.StubSession, or over HTTP (benchmarks.startup).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

TOKEN: Final = "123456789:AAbenchmarkbenchmarkbenchmarkbenchmk"
BOT_USER: Final[dict[str, Any]] = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Frontdoor",
    "username": "frontdoor_bench_bot",
}
SENDS: Final = frozenset({"sendMessage", "editMessageText", "sendDocument"})
UPDATES_PER_POLL: Final = 100  # Telegram's default getUpdates limit


@dataclass
class Call:
    """One Bot API call as the stub saw it: when (time.perf_counter()), which method, to which chat."""

    at: float
    method: str
    chat_id: int | None
    fields: dict[str, Any]


@dataclass
class StubBotAPI:
    """What the Telegram server holds; `limits` makes it answer 429 like Telegram beyond 30/s and 1/s per chat."""

    limits: bool = False
    per_second: int = 30
    chat_interval: float = 1.0
    retry_after: int = 1
    on_send: Callable[[Call], None] | None = None  # told of every message accepted (sendMessage, edits, documents)
    on_answer: Callable[[Call], None] | None = None  # told of every answerCallbackQuery
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    refused: int = 0  # 429s answered
    first_poll_at: float | None = None  # when a getUpdates first handed out updates
    _offset: int = 0
    _start: int = 0  # updates before this index were confirmed (below the offset)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _window: deque[float] = field(default_factory=deque)
    _chat_last: dict[int, float] = field(default_factory=dict)
    _message_ids: dict[int, int] = field(default_factory=dict)

    def offer(self, updates: list[dict[str, Any]]) -> None:
        """Updates Telegram now holds for the bot; a waiting long poll returns them at once."""
        self.updates.extend(updates)
        self._arrived.set()

    @property
    def confirmed(self) -> int:
        """The newest update id the bot has confirmed (its getUpdates offset, less one)."""
        return max(0, self._offset - 1)

    def sent(self) -> list[Call]:
        return [call for call in self.calls if call.method in SENDS]

    async def answer(self, method: str, fields: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) as Telegram would answer `method` with these form fields."""
        now = time.perf_counter()
        if method == "getUpdates":
            return 200, {"ok": True, "result": await self._get_updates(fields)}
        chat_id = int(fields["chat_id"]) if "chat_id" in fields else None
        if method in SENDS and chat_id is not None:
            if self.limits and not self._allowed(chat_id, now):
                self.refused += 1
                description = f"Too Many Requests: retry after {self.retry_after}"
                parameters = {"retry_after": self.retry_after}
                return 429, {"ok": False, "error_code": 429, "description": description, "parameters": parameters}
            call = Call(now, method, chat_id, fields)
            self.calls.append(call)
            if self.on_send is not None:
                self.on_send(call)
            return 200, {"ok": True, "result": self._message(method, chat_id, fields)}
        call = Call(now, method, chat_id, fields)
        self.calls.append(call)
        if method == "answerCallbackQuery" and self.on_answer is not None:
            self.on_answer(call)
        results: dict[str, Any] = {
            "getMe": BOT_USER,
            "getWebhookInfo": {"url": "", "has_custom_certificate": False, "pending_update_count": 0},
        }
        return 200, {"ok": True, "result": results.get(method, True)}

    async def _get_updates(self, fields: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(fields.get("offset") or 0)
        self._offset = max(self._offset, offset)
        limit = int(fields.get("limit") or UPDATES_PER_POLL)
        timeout = float(fields.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while True:
            ready = self._pending(limit)
            if ready or time.monotonic() >= deadline:
                if ready and self.first_poll_at is None:
                    self.first_poll_at = time.perf_counter()
                return ready
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=deadline - time.monotonic())
            except TimeoutError:
                pass

    def _pending(self, limit: int) -> list[dict[str, Any]]:
        # Confirmed updates (below the offset) are never handed out again, as Telegram forgets them.
        while self._start < len(self.updates) and self.updates[self._start]["update_id"] < self._offset:
            self._start += 1
        return self.updates[self._start : self._start + limit]

    def _allowed(self, chat_id: int, now: float) -> bool:
        """Telegram's limits: `per_second` messages in any second overall, one per `chat_interval` to a chat."""
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        if len(self._window) >= self.per_second:
            return False
        if now - self._chat_last.get(chat_id, float("-inf")) < self.chat_interval:
            return False
        self._window.append(now)
        self._chat_last[chat_id] = now
        return True

    def _message(self, method: str, chat_id: int, fields: dict[str, Any]) -> dict[str, Any] | bool:
        if method == "editMessageText":
            message_id = int(fields.get("message_id") or 0)
        else:
            message_id = self._message_ids.get(chat_id, 0) + 1
            self._message_ids[chat_id] = message_id
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Person"},
            "from": BOT_USER,
        }
        if method == "sendDocument":
            message["document"] = {"file_id": f"f{message_id}", "file_unique_id": f"u{message_id}"}
        else:
            message["text"] = fields.get("text", "")
        return message


class Owed:
    """The messages and button answers reaching `api`, counted until `owed` have: `done` is set then,
    and `last` is when the latest arrived (the end of a rate's measurement)."""

    def __init__(self, api: StubBotAPI, owed: int) -> None:
        self.owed, self.received, self.last = owed, 0, 0.0
        self.done = asyncio.Event()
        api.on_send = api.on_answer = self.on_call

    def on_call(self, call: Call) -> None:
        self.received += 1
        self.last = call.at
        if self.received >= self.owed:
            self.done.set()
