"""`frontdoor run --whatsapp` as a real subprocess, pointed at the Cloud API emulator and a SQLite file."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.bot_process import ROOT, START_TIMEOUT, _listening, free_port, stop
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.whatsapp_emulator import APP_SECRET, PHONE_NUMBER_ID, TOKEN, VERIFY_TOKEN, CloudApiEmulator


class WhatsAppProcess:
    def __init__(
        self,
        whatsapp: CloudApiEmulator,
        workdir: Path,
        environment: dict[str, str] | None = None,
        telegram: BotApiEmulator | None = None,
    ) -> None:
        """`telegram`: serve its door too, in the same process (`run --whatsapp --telegram`)."""
        self.whatsapp = whatsapp
        self.telegram = telegram
        self.extra_environment = environment or {}
        self.workdir = workdir
        self.port = free_port()
        self.database_url = f"sqlite+aiosqlite:///{workdir / 'frontdoor.db'}"
        self.log = workdir / "bot.log"
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "FRONTDOOR_WHATSAPP_TOKEN": TOKEN,
            "FRONTDOOR_WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "FRONTDOOR_WHATSAPP_APP_SECRET": APP_SECRET,
            "FRONTDOOR_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "FRONTDOOR_WHATSAPP_API_URL": self.whatsapp.url,
            "FRONTDOOR_DATABASE_URL": self.database_url,
            # As for Telegram's tests (tests.e2e.bot_process): test people answer within milliseconds.
            "FRONTDOOR_CHAT_INTERVAL": "0",
            "FRONTDOOR_WHATSAPP_PAIR_INTERVAL": "0",
            "FRONTDOOR_PERSON_BURST": "100000",
            **self.extra_environment,
        }
        arguments = ["run", "--whatsapp", "--listen", f"127.0.0.1:{self.port}"]
        polls_before = 0
        if self.telegram is not None:
            arguments.append("--telegram")
            environment |= {
                "FRONTDOOR_BOT_TOKEN": self.telegram.token,
                "FRONTDOOR_TELEGRAM_API_URL": self.telegram.url,
                "FRONTDOOR_TELEGRAM_LIBRARY": self.telegram.library,
            }
            polls_before = len(self.telegram.calls_to("getUpdates"))
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", *arguments], cwd=self.workdir, env=environment, stdout=log, stderr=log
            )
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while not _listening(self.port) or (
            self.telegram is not None and len(self.telegram.calls_to("getUpdates")) == polls_before
        ):
            if self.process.poll() is not None:
                raise AssertionError(f"the bot exited with {self.process.returncode}:\n{self.log.read_text()}")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the bot did not start:\n{self.log.read_text()}")
            await asyncio.sleep(0.05)
        self.whatsapp.webhook_url = f"http://127.0.0.1:{self.port}/whatsapp"

    def stop(self) -> None:
        stop(self.process)
