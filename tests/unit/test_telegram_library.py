"""Which Telegram library `frontdoor run` uses, that it imports that one only, and that both
libraries' failures reach the sender as the same outcome."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage
from telegram.error import NetworkError, TimedOut

from bot.channels import telegram_aiogram, telegram_library, telegram_ptb
from bot.channels.telegram_library import Refusal, Refused, delivery_of, refusal_of, token_is_valid
from bot.config import load_settings
from bot.delivery import Delivery

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token"
METHOD = SendMessage(chat_id=1, text="Hello")


def imported_by_run(library: str) -> list[str]:
    """The Telegram libraries (and their foundations) in a fresh process once `run`'s client is made."""
    code = (
        "import json, sys\n"
        "from bot import serve\n"
        "from bot.config import load_settings\n"
        "serve.make_client(load_settings(env_file=None))\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules} & set(sys.argv[1:]))))\n"
    )
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "FRONTDOOR_BOT_TOKEN": TOKEN,
        "FRONTDOOR_TELEGRAM_LIBRARY": library,
    }
    found = subprocess.run(
        [sys.executable, "-c", code, "aiogram", "telegram", "pydantic", "httpx", "aiohttp"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return list(json.loads(found.stdout))


def test_aiogram_is_the_default_and_python_telegram_bot_is_chosen_by_name() -> None:
    assert load_settings({}, env_file=None).telegram_library == "aiogram"
    assert load_settings({"FRONTDOOR_TELEGRAM_LIBRARY": "ptb"}, env_file=None).telegram_library == "ptb"


def test_polling_on_python_telegram_bot_never_imports_aiogram_nor_its_http_client() -> None:
    assert imported_by_run("ptb") == ["httpx", "telegram"]  # aiohttp: only a webhook worker's server


def test_running_on_aiogram_never_imports_python_telegram_bot() -> None:
    assert imported_by_run("aiogram") == ["aiogram", "aiohttp", "pydantic"]


def test_a_token_is_checked_the_same_whichever_library_runs() -> None:
    assert token_is_valid("123456:ABC-def_ghi")
    assert not token_is_valid("123456")
    assert not token_is_valid("abc:def")
    assert not token_is_valid("123456:")
    assert not token_is_valid("123456:abc def")


def clients() -> tuple[telegram_aiogram.AiogramClient, telegram_ptb.PtbClient]:
    """Both libraries' clients, never connected (no call is made)."""
    nowhere = "http://127.0.0.1:9"
    return telegram_aiogram.make_client(TOKEN, nowhere), telegram_ptb.make_client(TOKEN, nowhere)


def ptb_answer(status: int, description: str, retry_after: int | None = None) -> telegram_ptb.Answered:
    """What python-telegram-bot's request raises for Telegram's answer (bot.channels.telegram_ptb.Request)."""
    body: dict[str, object] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return telegram_ptb.Answered(status, json.dumps(body).encode())


# The same failure, as each library raises it; and what the sender is told to do about it.
FAILURES = [
    (
        TelegramRetryAfter(METHOD, "Too Many Requests: retry after 7", 7),
        ptb_answer(429, "Too Many Requests: retry after 7", retry_after=7),
        Delivery("retry", detail="429", retry_after=7.0),
    ),
    (
        TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user"),
        ptb_answer(403, "Forbidden: bot was blocked by the user"),
        Delivery("blocked", detail="Forbidden: bot was blocked by the user"),
    ),
    (
        TelegramBadRequest(METHOD, "Bad Request: message is too long"),
        ptb_answer(400, "Bad Request: message is too long"),
        Delivery("rejected", detail="Bad Request: message is too long"),
    ),
    (
        TelegramBadRequest(METHOD, "Bad Request: message is not modified: specified new message content"),
        ptb_answer(400, "Bad Request: message is not modified: specified new message content"),
        Delivery("sent"),
    ),
    (
        TelegramServerError(METHOD, "Internal Server Error"),
        ptb_answer(500, "Internal Server Error"),
        Delivery("retry", detail="Internal Server Error"),
    ),
    (
        TelegramNotFound(METHOD, "Not Found"),
        ptb_answer(404, "Not Found"),
        Delivery("retry", detail="Not Found"),
    ),
]


@pytest.mark.parametrize(("aiogram_error", "ptb_error", "expected"), FAILURES)
def test_a_failed_delivery_means_the_same_on_both_libraries(
    aiogram_error: Exception, ptb_error: Exception, expected: Delivery
) -> None:
    aiogram, ptb = clients()
    for client, error in ((aiogram, aiogram_error), (ptb, ptb_error)):
        refusal = refusal_of(client, error)
        assert refusal is not None
        assert delivery_of(refusal) == expected, (client, error)


def test_telegram_out_of_reach_is_tried_again_later_on_both_libraries() -> None:
    aiogram, ptb = clients()
    for client, error in (
        (aiogram, TelegramNetworkError(METHOD, "Cannot connect to host 127.0.0.1:9")),
        (ptb, NetworkError("httpx.ConnectError: All connection attempts failed")),
        (ptb, TimedOut()),
        (aiogram, TimeoutError()),
        (ptb, ConnectionRefusedError(111, "Connection refused")),
    ):
        refusal = refusal_of(client, error)
        assert refusal is not None and refusal.kind == "unreachable", (client, error)
        assert delivery_of(refusal).outcome == "retry"
        assert Refused("getMe", refusal).line().startswith("Telegram could not be reached at start (getMe): ")


def test_a_token_telegram_does_not_know_is_unauthorized_on_both_libraries() -> None:
    aiogram, ptb = clients()
    for client, error in (
        (aiogram, TelegramUnauthorizedError(METHOD, "Unauthorized")),
        (ptb, ptb_answer(401, "Unauthorized")),
    ):
        assert refusal_of(client, error) == Refusal("unauthorized", "Unauthorized")


def test_an_error_that_is_no_library_s_is_left_to_whoever_called() -> None:
    _, ptb = clients()
    assert refusal_of(ptb, KeyError("update_id")) is None


def test_a_library_not_installed_says_how_to_install_this_project_s_extra_not_a_package_of_that_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On PyPI "frontdoor" is someone else's package: the way in is this project's own folder.
    monkeypatch.setitem(sys.modules, "telegram", None)  # as if python-telegram-bot were not installed
    monkeypatch.delitem(sys.modules, "bot.channels.telegram_ptb")
    with pytest.raises(telegram_library.LibraryMissing) as missing:
        telegram_library.load("ptb")
    assert str(missing.value) == (
        f"python-telegram-bot is not installed here: {sys.executable} -m pip install -e '{ROOT}[ptb]'"
    )
    assert "pip install 'frontdoor" not in str(missing.value)
