"""The Bot API as the outbox sender sees it (bot.delivery.Deliver): what was sent, answered as told."""

from __future__ import annotations

from typing import Any

from bot.delivery import Delivery


class Telegram:
    """A delivery function that records what it sent and answers as told (`answers`: a text's answer)."""

    def __init__(self, answers: dict[str, Delivery] | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.answers = answers or {}

    async def __call__(self, chat_id: int, payload: dict[str, Any]) -> Delivery:
        answer = self.answers.pop(payload["text"], Delivery("sent"))
        if answer.outcome == "sent":
            self.sent.append((chat_id, payload["text"]))
        return answer
