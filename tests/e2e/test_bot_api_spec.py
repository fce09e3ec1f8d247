"""The emulator refuses what Telegram refuses, by the published Bot API (bot-api.json): requests real
Telegram answers with 400, sent as a JSON body and as a form (aiogram's way), and through aiogram."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from tests.e2e.bot_api_spec import BadRequest, BotApiSpec
from tests.e2e.emulator import BotApiEmulator

START = {"command": "start", "description": "Register"}


def button(**fields: Any) -> dict[str, Any]:
    return {"inline_keyboard": [[fields]]}


REFUSED = [
    ("setMyCommands", {"commands": [START], "language_code": "zh-Hans"}, "invalid language code specified"),
    ("setMyCommands", {"commands": [START], "language_code": "EN"}, "invalid language code specified"),
    ("setMyCommands", {"commands": [START], "language_code": "fil"}, "invalid language code specified"),
    ("setMyCommands", {"commands": [{"command": "Start", "description": "x"}]}, "BOT_COMMAND_INVALID"),
    ("setMyCommands", {"commands": [{"command": "s" * 33, "description": "x"}]}, "BOT_COMMAND_INVALID"),
    (
        "setMyCommands",
        {"commands": [{"command": "start", "description": "x" * 257}]},
        "BOT_COMMAND_DESCRIPTION_INVALID",
    ),
    ("setMyCommands", {"commands": [START] * 101}, "BOT_COMMANDS_TOO_MUCH"),
    (
        "setMyCommands",
        {"commands": [{"command": "start"}]},
        "can't parse commands JSON object: Can't find field \"description\" in BotCommand",
    ),
    (
        "setMyCommands",
        {"commands": [START], "scope": {"type": "chat"}},
        "can't parse scope JSON object: Can't find field \"chat_id\" in BotCommandScopeChat",
    ),
    (
        "sendMessage",
        {"chat_id": 42, "text": "hi", "disable_web_page_previews": True},
        'unknown parameter "disable_web_page_previews" for sendMessage',
    ),
    ("sendMessage", {"text": "hi"}, "chat_id is empty"),
    ("sendMessage", {"chat_id": 42}, "message text is empty"),
    ("sendMessage", {"chat_id": 42, "text": " \n "}, "message text is empty"),
    ("sendMessage", {"chat_id": 42, "text": "x" * 4097}, "message is too long"),
    (
        "sendMessage",
        {"chat_id": 42, "text": "hi", "reply_markup": button(text="A", callback_data="é" * 33)},
        "BUTTON_DATA_INVALID",
    ),
    (
        "sendMessage",
        {"chat_id": 42, "text": "hi", "reply_markup": button(text="A", callback_data="")},
        "BUTTON_DATA_INVALID",
    ),
    (
        "sendMessage",
        {"chat_id": 42, "text": "hi", "reply_markup": button(text=" ", callback_data="a")},
        "text of InlineKeyboardButton must be non-empty",
    ),
    (
        "sendMessage",
        {"chat_id": 42, "text": "hi", "reply_markup": {"keyboard": [[{"text": ""}]]}},
        "text of KeyboardButton must be non-empty",
    ),
    (
        "sendMessage",
        {"chat_id": 42, "text": "hi", "reply_markup": button(callback_data="a")},
        "can't parse reply markup JSON object: Can't find field \"text\" in InlineKeyboardButton",
    ),
    (
        "sendMessage",
        {"chat_id": 42, "text": "hi", "reply_markup": {"keyboard": [[{"text": ["Yes"]}]]}},
        'can\'t parse reply markup JSON object: Field "text" of KeyboardButton must be of type String',
    ),
    (
        "sendMessage",
        {"chat_id": 42, "text": "hi", "link_preview_options": {"is_disabled": "yes"}},
        'can\'t parse link preview options JSON object: Field "is_disabled" of LinkPreviewOptions must be of type Boolean',
    ),
    (
        "sendMessage",
        {"chat_id": 42, "text": "hi", "reply_parameters": {"quote": "hi"}},
        "can't parse reply parameters JSON object: Can't find field \"message_id\" in ReplyParameters",
    ),
    (
        "sendMessage",
        {"chat_id": 42, "text": "hi", "disable_notification": "maybe"},
        'parameter "disable_notification" must be of type Boolean',
    ),
    ("getUpdates", {"timeout": "soon"}, 'parameter "timeout" must be of type Integer'),
    ("answerCallbackQuery", {"callback_query_id": "1", "text": "x" * 201}, "MESSAGE_TOO_LONG"),
]


def as_form(params: dict[str, Any]) -> dict[str, str]:
    """What aiogram sends: strings as they are, everything else JSON-serialized."""
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in params.items()}


@pytest.fixture
def library() -> str:
    """The emulator is tested, not the bot: on one library, aiogram, whose client these tests use too."""
    return "aiogram"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.mark.parametrize("encoding", ["json", "form"])
@pytest.mark.parametrize(("method", "params", "description"), REFUSED)
async def test_a_request_real_telegram_refuses_gets_its_400(
    method: str,
    params: dict[str, Any],
    description: str,
    encoding: str,
    telegram: BotApiEmulator,
    http: aiohttp.ClientSession,
) -> None:
    telegram.user(42).send("/start")  # the chat is open: only the request itself is wrong
    body = {"json": params} if encoding == "json" else {"data": as_form(params)}
    async with http.post(f"{telegram.url}/bot{telegram.token}/{method}", **body) as response:
        answer = await response.json()
    assert (response.status, answer) == (
        400,
        {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"},
    )
    assert telegram.messages(42) == [] and telegram.commands == {}


@pytest.mark.parametrize("encoding", ["json", "form"])
async def test_what_telegram_takes_is_taken_in_either_encoding(
    encoding: str, telegram: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    telegram.user(42).send("/start")
    accepted = [
        ("setMyCommands", {"commands": [START], "language_code": "zh", "scope": {"type": "all_private_chats"}}),
        ("setMyCommands", {"commands": [START] * 100, "language_code": ""}),
        (
            "sendMessage",
            {"chat_id": "42", "text": "x" * 4096, "reply_markup": button(text="A", callback_data="é" * 32)},
        ),
        ("sendMessage", {"chat_id": 42, "text": f"<b>{'x' * 4096}</b>", "parse_mode": "HTML"}),
        ("sendMessage", {"chat_id": 42, "text": "hi", "link_preview_options": {"is_disabled": True}}),
        ("sendMessage", {"chat_id": 42, "text": "hi", "reply_markup": {"keyboard": [["Yes"], [{"text": "No"}]]}}),
        ("sendMessage", {"chat_id": 42, "text": "hi", "reply_markup": {"remove_keyboard": True}}),
        ("setWebhook", {"url": ""}),  # "use an empty string to remove webhook integration"
    ]
    for method, params in accepted:
        body = {"json": params} if encoding == "json" else {"data": as_form(params)}
        async with http.post(f"{telegram.url}/bot{telegram.token}/{method}", **body) as response:
            assert response.status == 200, (method, await response.json())
    assert telegram.commands[("zh", "all_private_chats")] == [START]
    assert len(telegram.messages(42)) == 5


async def test_aiogram_publishing_a_menu_under_zh_hans_meets_telegram_s_refusal(telegram: BotApiEmulator) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.url))
    async with Bot(telegram.token, session=session) as bot:
        with pytest.raises(TelegramBadRequest, match="invalid language code specified"):
            await bot.set_my_commands([BotCommand(command="start", description="注册")], language_code="zh-Hans")
        assert await bot.set_my_commands([BotCommand(command="start", description="注册")], language_code="zh")
        telegram.user(42).send("/start")
        keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="x" * 65)]])
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(42, "Pick", reply_markup=keyboard)
    assert telegram.commands == {("zh", "default"): [{"command": "start", "description": "注册"}]}


def test_the_checker_types_what_a_form_sends_as_the_published_api_declares_it() -> None:
    spec = BotApiSpec.published()
    typed = spec.check("getUpdates", {"offset": "1001", "timeout": "10", "allowed_updates": '["message"]'})
    assert typed == {"offset": 1001, "timeout": 10, "allowed_updates": ["message"]}
    assert spec.check("sendMessage", {"chat_id": "@channel", "text": "hi"})["chat_id"] == "@channel"
    assert not spec.knows("sendTelepathy")
    with pytest.raises(BadRequest, match='parameter "document" is required'):
        spec.check("sendDocument", {"chat_id": "1"})
