"""`frontdoor run` as a real subprocess, pointed at the emulator and a SQLite file."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.e2e.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90.0  # aiogram alone takes seconds to import on a small machine


class BotProcess:
    def __init__(
        self,
        telegram: BotApiEmulator,
        workdir: Path,
        database_url: str | None = None,
        environment: dict[str, str] | None = None,
    ) -> None:
        self.telegram = telegram
        self.extra_environment = environment or {}
        self.workdir = workdir
        self.database_url = database_url or f"sqlite+aiosqlite:///{workdir / 'frontdoor.db'}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / "bot.log"

    async def start(self) -> None:
        polls_before = len(self.telegram.calls_to("getUpdates"))
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "FRONTDOOR_BOT_TOKEN": self.telegram.token,
            "FRONTDOOR_TELEGRAM_API_URL": self.telegram.url,
            "FRONTDOOR_DATABASE_URL": self.database_url,
            # The test people answer within milliseconds, no person can; the emulator limits
            # nothing unless a test asks it to, and such a test keeps Telegram's one a second.
            "FRONTDOOR_CHAT_INTERVAL": "0",
            **self.extra_environment,
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"], cwd=self.workdir, env=environment, stdout=log, stderr=log
            )
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while len(self.telegram.calls_to("getUpdates")) == polls_before:
            if self.process.poll() is not None:
                raise AssertionError(f"the bot exited with {self.process.returncode}:\n{self.log.read_text()}")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the bot did not start polling:\n{self.log.read_text()}")
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no clean-up, as in a crash or a pulled plug."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
