"""Tests of the Bot API emulator itself: raw HTTP in every encoding, and aiogram's real client."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from PIL import Image

from tests.e2e.emulator import BotApiEmulator, EmulatedUser, SentMessage


@pytest.fixture
def library() -> str:
    """The emulator is tested, not the bot: on one library, aiogram, whose client these tests use too."""
    return "aiogram"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def bot(telegram: BotApiEmulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.url))
    async with Bot(telegram.token, session=session) as client:
        yield client


async def api(
    http: aiohttp.ClientSession, telegram: BotApiEmulator, method: str, *, token: str | None = None, **params: Any
) -> tuple[int, dict[str, Any]]:
    """POST a JSON body, the way many non-aiogram clients call the Bot API."""
    url = f"{telegram.url}/bot{token or telegram.token}/{method}"
    async with http.post(url, json=params) as response:
        return response.status, await response.json()


async def api_form(
    http: aiohttp.ClientSession, telegram: BotApiEmulator, method: str, **params: str
) -> tuple[int, dict[str, Any]]:
    """POST urlencoded strings, nested objects as JSON strings, the way aiogram does without files."""
    async with http.post(f"{telegram.url}/bot{telegram.token}/{method}", data=params) as response:
        return response.status, await response.json()


def greeted(telegram: BotApiEmulator, user_id: int = 42, **kwargs: Any) -> EmulatedUser:
    """A user who has written to the bot, so the bot may write back."""
    person = telegram.user(user_id, **kwargs)
    person.send("/start")
    return person


# ---------------------------------------------------------------------- the HTTP surface


async def test_serves_only_loopback_and_checks_the_token(telegram: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    assert telegram.url.startswith("http://127.0.0.1:")
    status, body = await api(http, telegram, "getMe")
    assert (status, body["ok"]) == (200, True)
    assert body["result"]["id"] == 123456
    assert body["result"]["is_bot"] is True
    assert body["result"]["username"] == "frontdoor_test_bot"

    async with http.get(f"{telegram.url}/bot{telegram.token}/getme") as response:  # GET, any case
        assert response.status == 200

    assert await api(http, telegram, "getMe", token="999:other") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    status, body = await api(http, telegram, "sendPoll", chat_id=1)
    assert (status, body["description"]) == (404, "Not Found")
    assert [call.status for call in telegram.calls] == [200, 200, 401, 404]


async def test_query_string_and_json_strings_are_decoded(telegram: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    greeted(telegram)
    markup = json.dumps({"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]})
    url = f"{telegram.url}/bot{telegram.token}/sendMessage"
    async with http.post(url, params={"chat_id": "42"}, data={"text": "Привіт", "reply_markup": markup}) as response:
        body = await response.json()
    assert body["ok"], body
    assert body["result"]["text"] == "Привіт"
    assert body["result"]["reply_markup"] == {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    assert telegram.calls[-1].params == {
        "chat_id": 42,
        "text": "Привіт",
        "reply_markup": {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]},
    }


async def test_multipart_document_the_telegram_way(telegram: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    ann = greeted(telegram)
    form = aiohttp.FormData()
    form.add_field("chat_id", "42")
    form.add_field("reply_markup", json.dumps({"inline_keyboard": [[{"text": "Again", "callback_data": "again"}]]}))
    form.add_field("document", b"%PDF-1.4", filename="form.pdf", content_type="application/pdf")
    async with http.post(f"{telegram.url}/bot{telegram.token}/sendDocument", data=form) as response:
        body = await response.json()
    assert body["ok"], body
    assert body["result"]["document"]["file_name"] == "form.pdf"
    assert body["result"]["document"]["mime_type"] == "application/pdf"
    assert "caption" not in body["result"]
    assert (ann.last_message().document_bytes, ann.last_message().buttons()) == (b"%PDF-1.4", ["Again"])

    empty = aiohttp.FormData({"chat_id": "42"})
    empty.add_field("document", b"", filename="empty.txt")
    async with http.post(f"{telegram.url}/bot{telegram.token}/sendDocument", data=empty) as response:
        assert (response.status, (await response.json())["description"]) == (400, "Bad Request: file must be non-empty")


async def test_send_message_needs_a_chat_the_user_opened(telegram: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    status, body = await api(http, telegram, "sendMessage", chat_id=42, text="hi")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")

    ann = greeted(telegram, first_name="Ann", language_code="uk")  # the user's /start is message 1
    status, body = await api(http, telegram, "sendMessage", chat_id=42, text="hi")
    assert status == 200
    message = body["result"]
    assert message["message_id"] == 2
    assert message["chat"] == {"id": 42, "type": "private", "first_name": "Ann"}
    assert message["from"]["is_bot"] is True and message["from"]["id"] == 123456
    assert isinstance(message["date"], int) and "reply_markup" not in message
    _, body = await api(http, telegram, "sendMessage", chat_id=42, text="again")
    assert body["result"]["message_id"] == 3
    assert [m.text for m in ann.inbox] == ["hi", "again"]
    assert ann.last_message().message_id == 3


async def test_text_limits(telegram: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    greeted(telegram)
    assert (await api(http, telegram, "sendMessage", chat_id=42, text="x" * 4096))[0] == 200
    status, body = await api(http, telegram, "sendMessage", chat_id=42, text="x" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    for params in ({"text": ""}, {"text": "  "}, {}):
        status, body = await api(http, telegram, "sendMessage", chat_id=42, **params)
        assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    assert len(telegram.messages(42)) == 1


async def test_edit_message_text_and_reply_markup(telegram: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    ann = greeted(telegram)
    keyboard = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    _, body = await api(http, telegram, "sendMessage", chat_id=42, text="Pick", reply_markup=keyboard)
    message_id = body["result"]["message_id"]

    status, body = await api(
        http, telegram, "editMessageText", chat_id=42, message_id=message_id, text="Pick", reply_markup=keyboard
    )
    assert status == 400
    assert body["description"].startswith("Bad Request: message is not modified: ")

    # Editing the text without reply_markup drops the keyboard, as Telegram does.
    status, body = await api(http, telegram, "editMessageText", chat_id=42, message_id=message_id, text="Picked A")
    assert status == 200 and "reply_markup" not in body["result"] and "edit_date" in body["result"]
    assert (ann.inbox[0].text, ann.inbox[0].reply_markup, ann.inbox[0].edits) == ("Picked A", None, 1)

    status, body = await api(
        http, telegram, "editMessageReplyMarkup", chat_id=42, message_id=message_id, reply_markup=keyboard
    )
    assert status == 200 and ann.inbox[0].buttons() == ["A"] and ann.inbox[0].edits == 2
    status, body = await api(
        http, telegram, "editMessageReplyMarkup", chat_id=42, message_id=message_id, reply_markup=keyboard
    )
    assert status == 400 and "not modified" in body["description"]

    status, body = await api(http, telegram, "editMessageText", chat_id=42, message_id=999, text="x")
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")


# ---------------------------------------------------------------------- updates


async def test_get_updates_offset_limit_and_forgetting(telegram: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    ann = telegram.user(42)
    ids = [ann.send("one"), ann.send("/start@frontdoor_test_bot now"), ann.send_photo()]
    assert ids == [1000, 1001, 1002]

    _, body = await api_form(http, telegram, "getUpdates", limit="2")
    assert [u["update_id"] for u in body["result"]] == [1000, 1001]
    start = body["result"][1]["message"]
    assert start["entities"] == [{"type": "bot_command", "offset": 0, "length": 25}]
    assert start["from"] == {"id": 42, "is_bot": False, "first_name": "Test", "language_code": "en"}
    assert start["chat"]["id"] == 42

    _, body = await api_form(http, telegram, "getUpdates", offset="1001")
    assert [u["update_id"] for u in body["result"]] == [1001, 1002]
    assert "text" not in body["result"][1]["message"] and len(body["result"][1]["message"]["photo"]) == 2

    _, body = await api_form(http, telegram, "getUpdates", offset="1003")
    assert body["result"] == []
    _, body = await api_form(http, telegram, "getUpdates", offset="1000")  # confirmed updates are gone
    assert body["result"] == []
    assert ann.send_sticker() == 1003


async def test_long_poll_waits_then_returns_as_soon_as_an_update_arrives(
    telegram: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    started = time.monotonic()
    _, body = await api(http, telegram, "getUpdates", timeout=1)
    assert body["result"] == [] and 0.9 <= time.monotonic() - started < 2

    ann = telegram.user(42)
    asyncio.get_running_loop().call_later(0.2, ann.send, "hello")
    started = time.monotonic()
    _, body = await api(http, telegram, "getUpdates", timeout=5)
    assert [u["message"]["text"] for u in body["result"]] == ["hello"]
    assert time.monotonic() - started < 1.5


async def test_a_newer_get_updates_ends_the_older_one_with_409(
    telegram: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    older = asyncio.create_task(api(http, telegram, "getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    assert (await api(http, telegram, "getUpdates"))[0] == 200
    status, body = await asyncio.wait_for(older, 1)
    assert status == 409 and body["description"].startswith("Conflict: terminated by other getUpdates request")


async def test_resend_delivers_the_same_update_again_past_the_offset(
    telegram: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    ann = telegram.user(42)
    first = ann.send("hello")
    _, body = await api(http, telegram, "getUpdates")
    _, body = await api(http, telegram, "getUpdates", offset=first + 1)
    assert body["result"] == []

    ann.resend(first)
    _, body = await api(http, telegram, "getUpdates", offset=first + 1)
    assert [(u["update_id"], u["message"]["text"]) for u in body["result"]] == [(first, "hello")]
    _, body = await api(http, telegram, "getUpdates", offset=first + 1)
    assert body["result"] == []


# ---------------------------------------------------------------------- keyboards and callbacks


async def test_callback_data_is_limited_to_64_bytes(telegram: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    greeted(telegram)

    def keyboard(data: str) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": "ok", "callback_data": "a"}, {"text": "b", "callback_data": data}]]}

    assert (await api(http, telegram, "sendMessage", chat_id=42, text="t", reply_markup=keyboard("é" * 32)))[0] == 200
    for data in ("é" * 32 + "x", "x" * 65, ""):
        status, body = await api(http, telegram, "sendMessage", chat_id=42, text="t", reply_markup=keyboard(data))
        assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    status, body = await api(
        http, telegram, "sendMessage", chat_id=42, text="t", reply_markup={"inline_keyboard": [[{"text": "x"}]]}
    )
    assert status == 400 and "Text buttons are unallowed" in body["description"]


async def test_press_finds_inline_buttons_and_answer_callback_query_once(
    telegram: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    ann = greeted(telegram)
    await api(http, telegram, "getUpdates")
    old = {"inline_keyboard": [[{"text": "Old", "callback_data": "old"}]]}
    new = {
        "inline_keyboard": [
            [{"text": "✅ Monday", "callback_data": "mon"}, {"text": "Tuesday", "callback_data": "tue"}]
        ]
    }
    await api(http, telegram, "sendMessage", chat_id=42, text="first", reply_markup=old)
    await api(http, telegram, "sendMessage", chat_id=42, text="second", reply_markup=new)
    assert ann.last_message().buttons() == ["✅ Monday", "Tuesday"]
    assert ann.last_message().button_data() == ["mon", "tue"]

    monday = ann.press("Monday")  # the only button containing the label
    old_press = ann.press("Old")  # found on an older message
    with pytest.raises(LookupError, match="Tuesday"):
        ann.press("Wednesday")
    _, body = await api(http, telegram, "getUpdates", offset=monday)
    queries = [u["callback_query"] for u in body["result"]]
    assert [(q["data"], q["message"]["text"], q["from"]["id"]) for q in queries] == [
        ("mon", "second", 42),
        ("old", "first", 42),
    ]
    assert queries[0]["id"] != queries[1]["id"] and queries[0]["chat_instance"]

    status, body = await api(http, telegram, "answerCallbackQuery", callback_query_id=queries[0]["id"], text="Saved")
    assert (status, body["result"]) == (200, True)
    assert telegram.callback(monday).answer_text == "Saved"
    assert not telegram.callback(old_press).answered
    status, body = await api(http, telegram, "answerCallbackQuery", callback_query_id=queries[0]["id"])
    assert (status, body["description"]) == (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )
    status, _ = await api(http, telegram, "answerCallbackQuery", callback_query_id="nope")
    assert status == 400


async def test_reply_keyboard_is_remembered_until_removed(
    telegram: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    ann = greeted(telegram)
    keyboard = {"keyboard": [[{"text": "Share my number", "request_contact": True}], ["Skip"]], "resize_keyboard": True}
    _, body = await api(http, telegram, "sendMessage", chat_id=42, text="Your phone?", reply_markup=keyboard)
    assert "reply_markup" not in body["result"]  # Telegram never echoes reply keyboards
    assert ann.last_message().reply_keyboard == keyboard and ann.reply_keyboard == keyboard
    await api(http, telegram, "sendMessage", chat_id=42, text="Typing…")  # the keyboard stays

    ann.phone = "15195550123"  # as real clients often send it: no '+'
    contact = ann.press("Share my number")
    skip = ann.press("Skip")
    _, body = await api(http, telegram, "getUpdates")
    updates = {u["update_id"]: u["message"] for u in body["result"]}
    assert updates[contact]["contact"] == {"phone_number": "15195550123", "first_name": "Test", "user_id": 42}
    assert "text" not in updates[contact]
    assert updates[skip]["text"] == "Skip"

    await api(http, telegram, "sendMessage", chat_id=42, text="Thanks", reply_markup={"remove_keyboard": True})
    assert ann.reply_keyboard is None
    assert ann.last_message().reply_keyboard == {"remove_keyboard": True}
    with pytest.raises(LookupError):
        ann.press("Skip")


# ---------------------------------------------------------------------- faults


async def test_block_rate_limit_and_fail_next(telegram: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    greeted(telegram, 1)
    greeted(telegram, 2)
    telegram.block(1)
    assert await api(http, telegram, "sendMessage", chat_id=1, text="hi") == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )

    telegram.rate_limit = (100, 1)  # a chat: a short burst (3), then one message a second, edits included
    assert (await api(http, telegram, "sendMessage", chat_id=2, text="one"))[0] == 200
    first = telegram.messages(2)[-1].message_id
    assert (await api(http, telegram, "sendMessage", chat_id=2, text="two"))[0] == 200
    assert (await api(http, telegram, "editMessageText", chat_id=2, message_id=first, text="one ✔"))[0] == 200
    status, body = await api(http, telegram, "editMessageText", chat_id=2, message_id=first, text="one ✔✔")
    assert (status, body["parameters"]) == (429, {"retry_after": 1})
    assert body["description"] == "Too Many Requests: retry after 1"
    telegram.rate_limit = None

    telegram.fail_next("sendMessage", status=500, times=2)
    assert [(await api(http, telegram, "sendMessage", chat_id=2, text="x"))[0] for _ in range(3)] == [500, 500, 200]
    assert [m.text for m in telegram.messages(2)] == ["one ✔", "two", "x"]


async def test_wait_for_and_wait_idle(telegram: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    ann = greeted(telegram)

    async def fake_bot() -> None:
        await api(http, telegram, "getUpdates")
        await asyncio.sleep(0.1)
        await api(http, telegram, "sendMessage", chat_id=42, text="Welcome!")
        await api(http, telegram, "sendMessage", chat_id=42, text="Pick a language")

    seen = len(ann.inbox)
    task = asyncio.create_task(fake_bot())
    message = await ann.wait_for("language", after=seen, timeout=2)
    assert isinstance(message, SentMessage) and message.text == "Pick a language"
    assert (await ann.wait_for(lambda m: m.text.startswith("Wel"))).text == "Welcome!"
    await task
    await ann.wait_idle(quiet=0.1, timeout=2)

    with pytest.raises(AssertionError, match=r"(?s)Goodbye.*Pick a language"):
        await ann.wait_for("Goodbye", after=0, timeout=0.1)
    with pytest.raises(AssertionError, match="Welcome"):
        await ann.wait_for("Welcome", after=len(ann.inbox), timeout=0.1)
    ann.send("anyone there?")
    with pytest.raises(AssertionError, match="never fetched"):
        await ann.wait_idle(quiet=0.05, timeout=0.2)


async def test_refuse_connections_drops_open_connections_and_comes_back_on_the_same_port(
    telegram: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    url = telegram.url
    assert (await api(http, telegram, "getMe"))[0] == 200  # leaves a keep-alive connection in the pool
    poll = asyncio.create_task(api(http, telegram, "getUpdates", timeout=5))
    await asyncio.sleep(0.05)

    await telegram.refuse_connections(0.3)
    assert not telegram.listening
    with pytest.raises(aiohttp.ClientError):
        await poll
    with pytest.raises(aiohttp.ClientConnectionError):
        await api(http, telegram, "getMe")

    await telegram.wait_listening(timeout=2)
    assert telegram.url == url
    assert (await api(http, telegram, "getMe"))[0] == 200


# ---------------------------------------------------------------------- aiogram's real client


async def test_aiogram_inline_keyboard_round_trip(telegram: BotApiEmulator, bot: Bot) -> None:
    ann = greeted(telegram, first_name="Ann")
    updates = await bot.get_updates(timeout=1)
    assert [u.message.text for u in updates if u.message] == ["/start"]
    offset = updates[-1].update_id + 1

    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="English", callback_data="lang:en")],
            [InlineKeyboardButton(text="Українська", callback_data="lang:uk")],
        ]
    )
    sent = await bot.send_message(42, "Choose a language", reply_markup=markup)
    assert sent.message_id == 2 and sent.chat.id == 42
    assert sent.reply_markup is not None and sent.reply_markup.model_dump() == markup.model_dump()
    assert ann.last_message().buttons() == ["English", "Українська"]

    pressed = ann.press("Українська")
    updates = await bot.get_updates(offset=offset, timeout=1)
    assert [u.update_id for u in updates] == [pressed]
    query = updates[0].callback_query
    assert query is not None and query.data == "lang:uk" and query.from_user.language_code == "en"
    assert query.message is not None and query.message.message_id == sent.message_id

    assert await bot.answer_callback_query(query.id, text="Saved") is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)

    edited = await bot.edit_message_text("Мову вибрано", chat_id=42, message_id=sent.message_id, reply_markup=markup)
    assert edited.text == "Мову вибрано" and ann.last_message().edits == 1
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("Мову вибрано", chat_id=42, message_id=sent.message_id, reply_markup=markup)

    forged = ann.press_data("lang:xx", message_id=999)
    updates = await bot.get_updates(offset=pressed + 1, timeout=1)
    assert [u.update_id for u in updates] == [forged]
    assert isinstance(updates[0].callback_query.message, InaccessibleMessage)


async def test_aiogram_long_poll_and_reply_keyboards(telegram: BotApiEmulator, bot: Bot) -> None:
    ann = telegram.user(42)
    asyncio.get_running_loop().call_later(0.2, ann.send, "hello")
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    assert [u.message.text for u in updates if u.message] == ["hello"]
    assert time.monotonic() - started < 1.5

    keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Share", request_contact=True)]])
    await bot.send_message(42, "Phone?", reply_markup=keyboard)
    assert ann.reply_keyboard == {"keyboard": [[{"text": "Share", "request_contact": True}]]}
    await bot.send_message(42, "Done", reply_markup=ReplyKeyboardRemove())
    assert ann.reply_keyboard is None


async def test_aiogram_limits_and_faults(telegram: BotApiEmulator, bot: Bot) -> None:
    greeted(telegram, 1)
    greeted(telegram, 2)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(1, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(1, "")  # aiogram leaves the empty text out of the request
    too_long = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="d" * 65)]])
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(1, "x", reply_markup=too_long)

    telegram.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(1, "x")
    assert retry.value.retry_after == 3
    telegram.fail_next("sendMessage", status=502)
    with pytest.raises(TelegramServerError):
        await bot.send_message(1, "x")

    telegram.block(2)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(2, "x")
    assert (await bot.send_message(1, "fine")).text == "fine"
    assert [call.status for call in telegram.calls_to("sendMessage")] == [400, 400, 400, 429, 502, 403, 200]


async def test_aiogram_send_document_and_commands(telegram: BotApiEmulator, bot: Bot) -> None:
    ann = greeted(telegram)
    data = "name,phone\nÄnn,+1519\n".encode()
    sent = await bot.send_document(42, BufferedInputFile(data, filename="export.csv"), caption="Your export")
    assert sent.document is not None
    document = sent.document
    assert (document.file_name, document.mime_type, document.file_size) == ("export.csv", "text/csv", len(data))
    assert sent.caption == "Your export"
    stored = ann.last_message()
    assert (stored.document_name, stored.document_bytes, stored.text) == ("export.csv", data, "Your export")

    again = await bot.send_document(42, sent.document.file_id)  # re-sending by file_id works too
    assert again.document is not None and ann.last_message().document_bytes == data

    commands = [BotCommand(command="start", description="Почати"), BotCommand(command="status", description="Стан")]
    assert await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(), language_code="uk")
    assert await bot.set_my_commands([BotCommand(command="start", description="Start")])
    assert telegram.commands[("uk", "all_private_chats")] == [
        {"command": "start", "description": "Почати"},
        {"command": "status", "description": "Стан"},
    ]
    assert telegram.commands[(None, "default")] == [{"command": "start", "description": "Start"}]
    listed = await bot.get_my_commands(language_code="uk", scope=BotCommandScopeAllPrivateChats())
    assert [command.command for command in listed] == ["start", "status"]
    assert await bot.delete_my_commands()
    assert (None, "default") not in telegram.commands
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start!", description="x")])
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []


async def test_aiogram_send_photo_within_telegram_s_limits(telegram: BotApiEmulator, bot: Bot) -> None:
    ann = greeted(telegram)

    def png(width: int, height: int) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (width, height), "white").save(out, format="PNG")
        return out.getvalue()

    week = png(1000, 840)
    sent = await bot.send_photo(42, BufferedInputFile(week, filename="picture.png"), caption="The week")
    assert sent.photo is not None and (sent.photo[-1].width, sent.photo[-1].height) == (1000, 840)
    assert sent.caption == "The week"
    stored = ann.last_message()
    assert (stored.photo_bytes, stored.photo_size, stored.text) == (week, (1000, 840), "The week")
    with pytest.raises(TelegramBadRequest, match="PHOTO_INVALID_DIMENSIONS"):
        await bot.send_photo(42, BufferedInputFile(png(2100, 100), filename="strip.png"))  # sides' ratio over 20
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(42, BufferedInputFile(b"not a picture", filename="picture.png"))
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_photo(42, BufferedInputFile(week, filename="picture.png"), caption="x" * 1025)
    with pytest.raises(TelegramBadRequest, match="no text in the message to edit"):
        await bot.edit_message_text("text", chat_id=42, message_id=sent.message_id)


async def test_aiogram_sees_refused_connections_as_network_errors(telegram: BotApiEmulator, bot: Bot) -> None:
    assert (await bot.get_me()).username == "frontdoor_test_bot"
    await telegram.refuse_connections(0.3)
    with pytest.raises(TelegramNetworkError):
        await bot.get_me()
    await telegram.wait_listening(timeout=2)
    assert (await bot.get_me()).id == 123456


async def test_aiogram_dispatcher_polls_it(telegram: BotApiEmulator, bot: Bot) -> None:
    """The real polling loop (offsets, long polls, handlers) against the emulator, driven by a user."""
    dispatcher = Dispatcher()

    @dispatcher.message(CommandStart())
    async def start(message: Message) -> None:
        go = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]])
        await message.answer(f"Welcome, {message.from_user.first_name if message.from_user else '?'}", reply_markup=go)

    @dispatcher.callback_query(F.data == "go")
    async def go(query: CallbackQuery) -> None:
        await query.answer("Going")
        if isinstance(query.message, Message):
            await query.message.edit_text("Gone")

    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        ann = telegram.user(7, first_name="Ann")
        ann.send("/start")
        welcome = await ann.wait_for("Welcome, Ann", timeout=5)
        pressed = ann.press("Go")
        await ann.wait_for(lambda m: m.message_id == welcome.message_id and m.text == "Gone", timeout=5)
        await ann.wait_idle(quiet=0.1, timeout=5)
        assert telegram.callback(pressed).answer_text == "Going"
        assert ann.inbox[0].buttons() == [] and ann.inbox[0].edits == 1
    finally:
        await dispatcher.stop_polling()
        await polling


# ---------------------------------------------------------------------- webhook delivery


@dataclass
class Received:
    """One request the webhook endpoint got."""

    body: dict[str, Any]
    secret: str | None  # the X-Telegram-Bot-Api-Secret-Token header
    content_type: str

    @property
    def update_id(self) -> int:
        return int(self.body["update_id"])


class WebhookEndpoint:
    """The bot's side of a webhook: an aiohttp server on 127.0.0.1 that records what it gets.

    It answers 401 to a wrong or missing secret when `secret` is set, else the
    next of `answers` (a status, a JSON body or a prepared response), else 200
    with ``{}``; before answering it sleeps the next of `delays`, if any.
    """

    def __init__(self) -> None:
        self.secret: str | None = None
        self.answers: deque[int | dict[str, Any] | web.Response] = deque()
        self.delays: deque[float] = deque()
        self.received: list[Received] = []
        self.in_flight = self.peak = 0
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def update_ids(self) -> list[int]:
        return [request.update_id for request in self.received]

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append(Received(await request.json(), secret, request.content_type))
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.delays.popleft() if self.delays else 0)
        finally:
            self.in_flight -= 1
        if self.secret is not None and secret != self.secret:
            return web.Response(status=401, text="Unauthorized")
        answer = self.answers.popleft() if self.answers else 200
        if isinstance(answer, web.Response):
            return answer
        if isinstance(answer, dict):
            return web.json_response(answer)
        return web.Response(status=answer)


@pytest.fixture
async def endpoint() -> AsyncIterator[WebhookEndpoint]:
    server = WebhookEndpoint()
    await server.start()
    yield server
    await server.stop()


async def until(condition: Callable[[], object], what: str, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.01)


async def webhook_info(http: aiohttp.ClientSession, telegram: BotApiEmulator) -> dict[str, Any]:
    status, body = await api(http, telegram, "getWebhookInfo")
    assert status == 200, body
    result: dict[str, Any] = body["result"]
    return result


async def test_webhook_gets_updates_in_order_with_the_secret_and_get_updates_gives_409(
    telegram: BotApiEmulator, http: aiohttp.ClientSession, endpoint: WebhookEndpoint
) -> None:
    ann = telegram.user(42)
    before = ann.send("queued before the webhook")
    status, body = await api(http, telegram, "setWebhook", url=endpoint.url, secret_token="S3cret_-token")
    assert (status, body["result"]) == (200, True)
    ids = [before, ann.send("/start"), ann.press_data("go", message_id=1), ann.send("three")]

    await until(lambda: len(endpoint.received) == 4, "four deliveries")
    assert endpoint.update_ids() == ids
    assert {(r.secret, r.content_type) for r in endpoint.received} == {("S3cret_-token", "application/json")}
    assert endpoint.received[1].body["message"]["text"] == "/start"
    assert endpoint.received[2].body["callback_query"]["data"] == "go"
    await until(lambda: not telegram.pending_updates, "2xx answers confirm the updates")
    assert [(d.update_id, d.status, d.error) for d in telegram.webhook_deliveries] == [(i, 200, None) for i in ids]
    await ann.wait_idle(quiet=0.05, timeout=2)

    assert await webhook_info(http, telegram) == {
        "url": endpoint.url,
        "has_custom_certificate": False,
        "pending_update_count": 0,
        "max_connections": 40,
    }
    status, body = await api(http, telegram, "getUpdates")
    assert status == 409
    assert body["description"].startswith("Conflict: can't use getUpdates method while webhook is active")


async def test_set_webhook_ends_a_waiting_long_poll(
    telegram: BotApiEmulator, http: aiohttp.ClientSession, endpoint: WebhookEndpoint
) -> None:
    poll = asyncio.create_task(api(http, telegram, "getUpdates", timeout=5))
    await asyncio.sleep(0.05)
    await api(http, telegram, "setWebhook", url=endpoint.url)
    status, body = await asyncio.wait_for(poll, 1)
    assert (status, body["description"]) == (409, "Conflict: terminated by setWebhook request")
    first = telegram.user(42).send("hi")
    await until(lambda: endpoint.update_ids() == [first], "the webhook, not the poll, gets the update")


async def test_webhook_failures_are_retried_in_chat_order_and_reported(
    telegram: BotApiEmulator, http: aiohttp.ClientSession, endpoint: WebhookEndpoint
) -> None:
    redirect = web.Response(status=307, headers={"Location": "http://example.com/stolen"})
    endpoint.answers.extend([500, redirect])
    await api(http, telegram, "setWebhook", url=endpoint.url)
    ann = telegram.user(42)
    one, two = ann.send("one"), ann.send("two")

    await until(lambda: not telegram.pending_updates, "two failures, then 2xx answers confirm both updates")
    assert endpoint.update_ids() == [one, one, one, two]  # "two" waits until "one" is delivered
    assert [(d.update_id, d.status, d.error) for d in telegram.webhook_deliveries] == [
        (one, 500, "Wrong response from the webhook: 500 Internal Server Error"),
        (one, 307, "Wrong response from the webhook: 307 Temporary Redirect"),  # not followed
        (one, 200, None),
        (two, 200, None),
    ]
    info = await webhook_info(http, telegram)
    assert info["pending_update_count"] == 0
    assert info["last_error_message"] == "Wrong response from the webhook: 307 Temporary Redirect"
    assert abs(info["last_error_date"] - time.time()) < 5


async def test_an_unreachable_or_slow_webhook_keeps_the_update_pending(
    telegram: BotApiEmulator, http: aiohttp.ClientSession, endpoint: WebhookEndpoint
) -> None:
    port = endpoint.port
    await endpoint.stop()
    await api(http, telegram, "setWebhook", url=endpoint.url)
    ann = telegram.user(42)
    first = ann.send("anyone there?")

    await until(lambda: telegram.webhook_deliveries and telegram.webhook_deliveries[0].error, "a failed attempt")
    assert (telegram.webhook_deliveries[0].status, telegram.webhook_deliveries[0].error) == (None, "Connection refused")
    info = await webhook_info(http, telegram)
    assert (info["pending_update_count"], info["last_error_message"]) == (1, "Connection refused")
    with pytest.raises(AssertionError, match="never fetched"):
        await ann.wait_idle(quiet=0.01, timeout=0.1)

    telegram.webhook_timeout = 0.2
    endpoint.delays.append(1.0)  # the first answer comes too late
    await endpoint.start(port)
    await until(lambda: endpoint.update_ids() == [first, first], "a timeout, then the update again")
    await until(lambda: not telegram.pending_updates, "the second POST confirms it")
    assert telegram.webhook_deliveries[-2].error == "Read timeout expired"
    assert telegram.webhook_deliveries[-1].ok
    assert (await webhook_info(http, telegram))["last_error_message"] == "Read timeout expired"


async def test_set_webhook_refuses_other_hosts_and_bad_secret_tokens(
    telegram: BotApiEmulator, http: aiohttp.ClientSession, endpoint: WebhookEndpoint
) -> None:
    for url in (
        "https://example.com/hook",
        "http://10.1.2.3:8080/hook",
        "http://127.0.0.1.nip.io/hook",
        "http://127.0.0.1@example.com/hook",
        "ftp://127.0.0.1/hook",
        "http://127.0.0.1:99999/hook",
        "not a url",
    ):
        status, body = await api(http, telegram, "setWebhook", url=url)
        assert (status, body["description"][:24]) == (400, "Bad Request: bad webhook"), url
    for secret in ("with space", "a+b/c=", "ключ", "x:y"):
        status, body = await api(http, telegram, "setWebhook", url=endpoint.url, secret_token=secret)
        assert (status, body["description"]) == (400, "Bad Request: secret token contains unallowed characters")
    status, body = await api(http, telegram, "setWebhook", url=endpoint.url, secret_token="x" * 257)
    assert (status, body["description"]) == (400, "Bad Request: secret token is too long")

    assert telegram.webhook_url is None
    first = telegram.user(42).send("hello")
    _, body = await api(http, telegram, "getUpdates")  # no webhook: polling still works
    assert [u["update_id"] for u in body["result"]] == [first]
    assert telegram.webhook_deliveries == [] and endpoint.received == []

    status, _ = await api(http, telegram, "setWebhook", url=endpoint.url, secret_token="x" * 256)
    assert status == 200
    await until(lambda: not telegram.pending_updates, "the unconfirmed update delivered")
    assert endpoint.update_ids() == [first]
    assert endpoint.received[0].secret == "x" * 256
    status, _ = await api(http, telegram, "setWebhook", url=endpoint.url.replace("127.0.0.1", "localhost"))
    assert status == 200
    second = telegram.user(42).send("again")
    await until(lambda: endpoint.update_ids() == [first, second], "delivery to localhost")
    assert endpoint.received[1].secret is None  # the new webhook has no secret


async def test_delete_webhook_stops_deliveries_and_polling_takes_over(
    telegram: BotApiEmulator, http: aiohttp.ClientSession, endpoint: WebhookEndpoint
) -> None:
    await api(http, telegram, "setWebhook", url=endpoint.url)
    ann = telegram.user(42)
    first = ann.send("one")
    await until(lambda: not telegram.pending_updates, "the first update delivered")

    assert (await api(http, telegram, "deleteWebhook"))[0] == 200
    second = ann.send("two")
    await asyncio.sleep(0.3)
    assert endpoint.update_ids() == [first]
    assert await webhook_info(http, telegram) == {"url": "", "has_custom_certificate": False, "pending_update_count": 1}
    _, body = await api(http, telegram, "getUpdates")
    assert [u["update_id"] for u in body["result"]] == [second]

    await api(http, telegram, "setWebhook", url=endpoint.url)  # the unconfirmed update goes to the new webhook
    await until(lambda: not telegram.pending_updates, "the pending update delivered")
    assert endpoint.update_ids() == [first, second]
    assert (await api(http, telegram, "setWebhook", url=""))[0] == 200  # an empty url removes the webhook
    assert telegram.webhook_url is None
    third = ann.send("three")
    _, body = await api(http, telegram, "getUpdates", offset=second + 1)
    assert [u["update_id"] for u in body["result"]] == [third]
    assert endpoint.update_ids() == [first, second]


async def test_redeliver_and_forged_requests(
    telegram: BotApiEmulator, http: aiohttp.ClientSession, endpoint: WebhookEndpoint
) -> None:
    endpoint.secret = "right"
    await api(http, telegram, "setWebhook", url=endpoint.url, secret_token="right")
    first = telegram.user(42).send("hello")
    await until(lambda: not telegram.pending_updates, "the update delivered")

    assert await telegram.redeliver(first) == 200
    assert endpoint.update_ids() == [first, first]
    assert endpoint.received[0] == endpoint.received[1]
    assert [d.redelivered for d in telegram.webhook_deliveries] == [False, True]

    forged = {"update_id": 1, "message": {"text": "forged"}}
    assert await telegram.post_to_webhook(forged, "wrong") == 401
    assert await telegram.post_to_webhook(forged, None) == 401
    assert await telegram.post_to_webhook(forged, "right") == 200
    assert [r.secret for r in endpoint.received[2:]] == ["wrong", None, "right"]
    assert len(telegram.webhook_deliveries) == 2  # forged requests are not deliveries

    await api(http, telegram, "deleteWebhook")
    with pytest.raises(RuntimeError, match="no webhook"):
        await telegram.redeliver(first)


async def test_get_webhook_info_shows_a_rejected_secret_until_the_webhook_is_set_again(
    telegram: BotApiEmulator, http: aiohttp.ClientSession, endpoint: WebhookEndpoint
) -> None:
    endpoint.secret = "the-bots-secret"
    params = {"url": endpoint.url, "max_connections": 5, "allowed_updates": ["message", "callback_query"]}
    await api(http, telegram, "setWebhook", secret_token="another-secret", **params)
    telegram.user(42).send("hello")
    await until(lambda: len(telegram.webhook_deliveries) >= 2, "a retry")

    info = await webhook_info(http, telegram)
    assert info["last_error_message"] == "Wrong response from the webhook: 401 Unauthorized"
    assert (info["pending_update_count"], info["max_connections"]) == (1, 5)
    assert info["allowed_updates"] == ["message", "callback_query"]

    await api(http, telegram, "setWebhook", secret_token="the-bots-secret", **params)
    await until(lambda: not telegram.pending_updates, "delivery with the right secret")
    info = await webhook_info(http, telegram)
    assert "last_error_message" not in info and "last_error_date" not in info


async def test_max_connections_and_one_update_at_a_time_per_chat(
    telegram: BotApiEmulator, http: aiohttp.ClientSession, endpoint: WebhookEndpoint
) -> None:
    people = [telegram.user(user_id) for user_id in (1, 2, 3)]
    ids = {person.user_id: [person.send("a"), person.send("b")] for person in people}
    endpoint.delays.extend([0.1] * 6)  # long enough for the first two to overlap
    await api(http, telegram, "setWebhook", url=endpoint.url, max_connections=2)

    await until(lambda: len(endpoint.received) == 6, "six deliveries")
    assert endpoint.peak == 2
    assert set(endpoint.update_ids()[:2]) == {ids[1][0], ids[2][0]}  # in queue order, one per chat
    for user_id, expected in ids.items():
        received = [r.update_id for r in endpoint.received if r.body["message"]["chat"]["id"] == user_id]
        assert received == expected

    for asked, kept in ((0, 1), (1000, 100)):
        await api(http, telegram, "setWebhook", url=endpoint.url, max_connections=asked)
        assert (await webhook_info(http, telegram))["max_connections"] == kept


async def test_allowed_updates_and_methods_in_the_webhook_answer(
    telegram: BotApiEmulator, http: aiohttp.ClientSession, endpoint: WebhookEndpoint
) -> None:
    ann = telegram.user(42)
    endpoint.answers.extend(
        [
            {"method": "sendMessage", "chat_id": 42, "text": "Answered in the reply"},
            {"method": "getMe"},  # Telegram does not run getters from a webhook answer
        ]
    )
    await api(http, telegram, "setWebhook", url=endpoint.url, allowed_updates=["message"])
    ann.press_data("not asked for", message_id=1)
    first, second = ann.send("one"), ann.send("two")

    await ann.wait_for("Answered in the reply", timeout=2)
    await until(lambda: not telegram.pending_updates, "both messages delivered")
    assert endpoint.update_ids() == [first, second]  # no callback_query
    assert [(call.method, call.status) for call in telegram.calls if call.method != "setWebhook"] == [
        ("sendMessage", 200)
    ]


async def test_stop_ends_deliveries_under_way_and_closes_its_client(
    http: aiohttp.ClientSession, endpoint: WebhookEndpoint
) -> None:
    telegram = BotApiEmulator()
    await telegram.start()
    endpoint.delays.append(5.0)
    await api(http, telegram, "setWebhook", url=endpoint.url)
    telegram.user(42).send("hello")
    await until(lambda: endpoint.received, "a delivery under way")

    await telegram.stop()
    assert [task for task in asyncio.all_tasks() if task.get_name().startswith("webhook")] == []
    assert telegram._client is None
    assert len(telegram.pending_updates) == 1  # never confirmed
    assert telegram.webhook_deliveries[0].status is None


async def test_aiogram_webhook_handler_against_it(telegram: BotApiEmulator, bot: Bot) -> None:
    """aiogram's own webhook request handler: secret check, updates in, a method in the answer."""
    dispatcher = Dispatcher()

    @dispatcher.message(CommandStart())
    async def start(message: Message) -> Any:
        go = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]])
        return message.answer("Welcome", reply_markup=go)  # not awaited: sent back in the webhook's answer

    @dispatcher.callback_query(F.data == "go")
    async def go(query: CallbackQuery) -> None:
        await query.answer("Going")
        if isinstance(query.message, Message):
            await query.message.edit_text("Gone")

    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token="s3cret", handle_in_background=False).register(app, "/hook")
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        allowed = dispatcher.resolve_used_update_types()
        assert await bot.set_webhook(url, secret_token="s3cret", allowed_updates=allowed)

        ann = telegram.user(7, first_name="Ann")
        ann.send("/start")
        welcome = await ann.wait_for("Welcome", timeout=2)
        pressed = ann.press("Go")
        await ann.wait_for(lambda m: m.message_id == welcome.message_id and m.text == "Gone", timeout=2)
        await ann.wait_idle(quiet=0.05, timeout=2)
        assert telegram.callback(pressed).answer_text == "Going"
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count, info.last_error_message) == (url, 0, None)
        assert await telegram.post_to_webhook({"update_id": 1}, "wrong") == 401
    finally:
        await bot.delete_webhook()
        await runner.cleanup()
