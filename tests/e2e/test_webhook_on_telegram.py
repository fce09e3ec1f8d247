"""Webhook mode end to end: `frontdoor run --webhook URL --listen 127.0.0.1:PORT` against the emulator."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.bot_process import BotProcess, free_port
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.script import answer
from tests.e2e.store import Store


@pytest.fixture
async def worker(telegram: BotApiEmulator, tmp_path: Path, database_url: str) -> AsyncIterator[BotProcess]:
    """A webhook worker on a SQLite file, and on PostgreSQL where it is reachable."""
    process = BotProcess(telegram, tmp_path, database_url, webhook_port=free_port())
    await process.start()
    yield process
    process.stop()


async def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(
    telegram: BotApiEmulator, worker: BotProcess
) -> None:
    assert telegram.webhook_url == worker.webhook_url
    assert telegram.webhook_secret is not None and len(telegram.webhook_secret) >= 32, "generated, long"
    amal = telegram.user(501, first_name="Amal")
    await answer(amal, "/start", "Which language would you like to use?")
    store = Store(worker.database_url)
    handled = await store.count("processed_updates")
    forged = {
        "update_id": 999_999,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": {"id": 501, "type": "private"},
            "from": {"id": 501, "is_bot": False, "first_name": "Amal"},
            "text": "/delete",
        },
    }

    assert await telegram.post_to_webhook(forged, secret=None) == 401
    assert await telegram.post_to_webhook(forged, secret="guessed-" + "x" * 40) == 401
    assert await telegram.post_to_webhook(forged, secret=telegram.webhook_secret.upper()) == 401

    await amal.wait_idle()
    assert await store.count("incoming_updates") == 0
    assert await store.count("processed_updates") == handled
    assert "erase" not in amal.last_message().text.lower()
    log = worker.log.read_text()
    assert "refused" in log and telegram.webhook_secret not in log, "logged, without the secret"


async def test_a_retried_update_has_one_effect(telegram: BotApiEmulator, worker: BotProcess) -> None:
    amal = telegram.user(502, first_name="Amal")
    await answer(amal, "/start", "Which language would you like to use?")
    await answer(amal, "press:English", "Are you new to the region")
    await answer(amal, "press:I am new to the region", "")
    update_id = amal.press("I agree")
    await amal.wait_for("What name would you like us to call you?")
    replies = len(amal.inbox)

    assert await telegram.redeliver(update_id) == 200, "Telegram did not get our answer in time and sends it again"
    await amal.wait_idle(quiet=1.0)
    assert len(amal.inbox) == replies, "no second reply"
    assert await Store(worker.database_url).count("consents") == 1, "agreed once"

    await answer(amal, "Amal Haddad", "Which community do you live in?")


async def test_healthz_reports_the_database_and_the_sender(telegram: BotApiEmulator, worker: BotProcess) -> None:
    url = f"http://127.0.0.1:{worker.webhook_port}/healthz"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback, the test's own worker
        status, health = response.status, json.loads(response.read())
    assert status == 200
    assert health["status"] == "ok"
    assert health["database"]["ok"] is True and health["database"]["outbox_pending"] == 0
    assert health["sender"]["ok"] is True and health["sender"]["workers"] == 1
