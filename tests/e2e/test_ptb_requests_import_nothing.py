"""python-telegram-bot's requests try no import that fails: httpcore, under its httpx, imports sniffio
at every lock, event and semaphore it makes, and where sniffio was missing each was a search of
sys.path, about a tenth of `frontdoor run`'s CPU at 50 updates a second (docs/benchmarks.md, "The
soak's step at minute 26, explained"). Run in a process of its own: an audit hook cannot be removed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 20
# The bot's own client (bot.channels.telegram_ptb.make_client) against the emulator: once to open its
# connection, then REQUESTS more with every import they attempt noted.
SCRIPT = f"""
import asyncio, json, sys
from bot.channels.telegram_ptb import make_client
from tests.e2e.emulator import BotApiEmulator

async def main():
    async with BotApiEmulator() as telegram:
        client = make_client(telegram.token, telegram.url)
        await client.get_me()
        tried = []
        sys.addaudithook(lambda event, args: tried.append(args[0]) if event == "import" else None)
        names = [await client.get_me() for _ in range({REQUESTS})]
        await client.close()
    print(json.dumps({{"names": sorted(set(names)), "failed": sorted({{n for n in tried if n not in sys.modules}})}}))

asyncio.run(main())
"""


def test_twenty_requests_on_python_telegram_bot_try_no_import_that_fails() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["names"] == ["frontdoor_test_bot"], "every request was answered"
    assert seen["failed"] == [], f"imports tried and failed on every request: {seen['failed']}"
