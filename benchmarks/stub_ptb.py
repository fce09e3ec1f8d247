"""The in-process stub Bot API for python-telegram-bot: a `BaseRequest` whose server is a StubBotAPI.

Each call's parameters are serialized as python-telegram-bot serializes them for HTTP (its
`RequestData.json_parameters`, the form fields) and the answer is handed back as JSON bytes for it
to parse, so the bot pays the library's costs both ways, as with aiogram (benchmarks.stub_api);
only the HTTP round trip is missing.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.request import BaseRequest, RequestData

from benchmarks.telegram_stub import TOKEN, StubBotAPI
from bot.channels import telegram_ptb
from bot.channels.telegram_library import Client


class StubRequest(BaseRequest):
    def __init__(self, api: StubBotAPI) -> None:
        self.stub = api

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        fields = dict(request_data.json_parameters) if request_data else {}
        status, body = await self.stub.answer(url.rsplit("/", 1)[-1], fields)
        return status, json.dumps(body).encode()


def stub_client(api: StubBotAPI) -> Client:
    return telegram_ptb.make_client(TOKEN, "http://stub", transport=StubRequest(api))
