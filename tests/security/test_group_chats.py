"""The bot added to a group: nothing said there is handled or answered, and nothing said there costs
a person anything in their own chat with the bot. On a real database, through each library's reading
of Telegram's JSON (as the webhook and long polling read it)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest

from bot.app import Frontdoor
from bot.channels import telegram_aiogram, telegram_ptb
from bot.channels.telegram_library import take
from bot.delivery import Delivery
from bot.flood import BURST
from bot.incoming import Incoming
from bot.sender import Sender
from tests.security.test_flooding import waiting_for

AMAL, GROUP = 601, -1001234567890
LIBRARIES = {"aiogram": telegram_aiogram, "ptb": telegram_ptb}


def sent_by_amal(update_id: int, text: str, chat: dict[str, Any]) -> bytes:
    """Telegram's JSON for a command Amal sends in `chat`."""
    message = {
        "message_id": update_id,
        "date": 1764000000,
        "from": {"id": AMAL, "is_bot": False, "first_name": "Amal", "language_code": "en"},
        "chat": chat,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


IN_THE_GROUP = {"id": GROUP, "type": "supergroup", "title": "Newcomers in Kitchener"}
IN_HER_CHAT = {"id": AMAL, "type": "private", "first_name": "Amal"}


@pytest.mark.parametrize("library", tuple(LIBRARIES))
async def test_commands_amal_sends_in_a_group_do_not_use_up_her_allowance_in_her_own_chat(
    app: Frontdoor, library: str
) -> None:
    delivered: dict[int, list[str]] = defaultdict(list)

    async def deliver(chat_id: int, payload: dict[str, Any]) -> Delivery:
        delivered[chat_id].append(payload["text"])
        return Delivery("sent")

    async def no_answer(_query: str, _toast: str | None) -> None:
        return None

    sender = Sender(app.sessions, "telegram", deliver, per_second=1000, chat_interval=0)
    incoming = Incoming(app, "telegram", sender, no_answer, consumers=1)
    client = LIBRARIES[library].make_client("123456:TEST", "http://127.0.0.1:9")
    try:
        # The bot is a member of a group; Amal taps /start there again and again (a group shows the
        # bot's commands too). Then, at the same moment, she opens her own chat with the bot.
        for update_id in range(1, 3 * int(BURST)):
            await take(incoming, client.parse(sent_by_amal(update_id, "/start", IN_THE_GROUP)))
        await take(incoming, client.parse(sent_by_amal(100, "/start", IN_HER_CHAT)))
    finally:
        await client.close()
    while (await app.handle_waiting("telegram", 32, lease=sender.lease)).received:
        pass
    await sender.settle(timeout=10)

    assert delivered[GROUP] + await waiting_for(app, GROUP) == [], "nothing is said in the group"
    amal_got = delivered[AMAL] + await waiting_for(app, AMAL)
    assert len(amal_got) == 1, "her own /start is answered, not skipped as a flood"
    assert "Which language would you like to use?" in amal_got[0]
