"""The WhatsApp webhook takes only what Meta sends: its verification with our token, and POSTs
signed with the app's secret. Anything else is refused and changes nothing in the database."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp

from tests.e2e.store import Store
from tests.e2e.whatsapp_emulator import APP_SECRET, VERIFY_TOKEN, CloudApiEmulator, sign
from tests.e2e.whatsapp_process import WhatsAppProcess


async def test_meta_verifies_the_webhook_with_our_token_and_nobody_else_can(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    assert await whatsapp.verify("subscribe", VERIFY_TOKEN, "1158201444") == (200, "1158201444")
    assert (await whatsapp.verify("subscribe", "guessed", "1158201444"))[0] == 403
    assert (await whatsapp.verify("subscribe", VERIFY_TOKEN.upper(), "1158201444"))[0] == 403
    assert (await whatsapp.verify("unsubscribe", VERIFY_TOKEN, "1158201444"))[0] == 403


async def test_a_forged_or_unsigned_message_is_refused_and_changes_nothing(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    amal = whatsapp.user("15195550123", "Amal")
    await amal.send("Hello")
    await amal.wait_for("Which language would you like to use?")
    store = Store(whatsapp_bot.database_url)
    before = {table: await store.count(table) for table in ("processed_updates", "incoming_updates", "outbox")}
    seen = len(amal.inbox)
    body = json.dumps(whatsapp.update(amal, {"type": "text", "text": {"body": "/delete"}})).encode()

    assert await whatsapp.post(body, secret=None) == 401, "unsigned"
    assert await whatsapp.post(body, secret="guessed-" + APP_SECRET) == 401, "signed with another secret"
    assert await whatsapp.post(body, secret=None, signature="sha256=" + "0" * 64) == 401, "a made-up signature"
    signed_other = json.dumps(whatsapp.update(amal, {"type": "text", "text": {"body": "Hi"}})).encode()
    assert await whatsapp.post(body, secret=None, signature=sign(signed_other, APP_SECRET)) == 401, "another body's"

    assert {table: await store.count(table) for table in before} == before, "nothing stored, handled or sent"
    assert len(amal.inbox) == seen
    log = whatsapp_bot.log.read_text()
    assert "refused" in log and APP_SECRET not in log, "counted in the log, without the secret"


async def test_a_message_meta_delivers_twice_is_answered_once(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    amal = whatsapp.user("15195550124", "Amal")
    body = json.dumps(whatsapp.update(amal, {"type": "text", "text": {"body": "Hello"}})).encode()
    whatsapp.last_from[amal.wa_id] = whatsapp.now

    assert await whatsapp.post(body, secret=APP_SECRET) == 200
    await amal.wait_for("Which language would you like to use?")
    assert await whatsapp.post(body, secret=APP_SECRET) == 200, "Meta did not get our answer in time"

    await amal.press("English")
    await amal.wait_for("Are you new to the region")
    assert sum("Which language would you like to use?" in m.text for m in amal.inbox) == 1, "asked once"
    assert await Store(whatsapp_bot.database_url).count("processed_updates") == 2


async def test_healthz_reports_the_whatsapp_sender(whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.get(f"http://127.0.0.1:{whatsapp_bot.port}/healthz") as response:
            status, health = response.status, await response.json()
    assert status == 200 and health["status"] == "ok"
    assert health["database"]["outbox_pending"] == 0 and health["sender"]["workers"] == 1


async def test_a_number_whose_digits_are_a_coordinator_s_telegram_id_is_no_coordinator(
    whatsapp: CloudApiEmulator, tmp_path: Path
) -> None:
    """FRONTDOOR_COORDINATORS names Telegram user ids: a phone number with the same digits is someone else."""
    worker = WhatsAppProcess(whatsapp, tmp_path, environment={"FRONTDOOR_COORDINATORS": "4915112345678"})
    await worker.start()
    try:
        stranger = whatsapp.user("4915112345678", "Stranger")
        await stranger.send("/pending")
        await stranger.wait_for("Sorry, I do not know that command.")
        assert not any("waiting for review" in message.text for message in stranger.inbox)
    finally:
        worker.stop()
