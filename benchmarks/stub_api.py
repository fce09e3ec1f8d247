"""An in-process Bot API for the benchmarks: a Telegram library's client whose server is a StubBotAPI.

`stub_client` gives either library's (python-telegram-bot's from benchmarks.stub_ptb).

`StubSession` is an aiogram `BaseSession`: each call is serialized as a real session serializes it
(`prepare_value`, the form fields) and the answer is parsed from JSON text by aiogram's own
`check_response`, so the bot pays aiogram's costs both ways; only the HTTP round trip is missing.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

from benchmarks.telegram_stub import TOKEN, StubBotAPI
from bot.channels import telegram_aiogram
from bot.channels.telegram_library import Client


class StubSession(BaseSession):
    """An aiogram session whose server is a StubBotAPI in this process."""

    def __init__(self, api: StubBotAPI) -> None:
        super().__init__()
        self.stub = api

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        files: dict[str, Any] = {}
        fields: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:
                fields[key] = prepared
        status, body = await self.stub.answer(method.__api_method__, fields)
        response = self.check_response(bot=bot, method=method, status_code=status, content=json.dumps(body))
        return response.result  # type: ignore[return-value]

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""

    async def close(self) -> None:
        return None


def stub_bot(api: StubBotAPI) -> Bot:
    return Bot(TOKEN, session=StubSession(api))


def stub_client(api: StubBotAPI, library: str = "aiogram") -> Client:
    """The library's client, its calls answered by `api`; python-telegram-bot's imported only when asked for."""
    if library == "ptb":
        from benchmarks.stub_ptb import stub_client as ptb_client

        return ptb_client(api)
    return telegram_aiogram.AiogramClient(stub_bot(api))
