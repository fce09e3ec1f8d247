"""`frontdoor run` as a real subprocess, pointed at the emulator and a SQLite file."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
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
        webhook_port: int | None = None,
        open_files: int | None = None,
    ) -> None:
        """`webhook_port`: run as a webhook worker listening there, instead of long polling;
        `open_files`: the worker's limit of open files (soft and hard), as a small server's might be."""
        self.telegram = telegram
        self.webhook_port = webhook_port
        self.open_files = open_files
        self.extra_environment = environment or {}
        self.workdir = workdir
        self.database_url = database_url or f"sqlite+aiosqlite:///{workdir / 'frontdoor.db'}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / "bot.log"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.webhook_port}/telegram"

    def _ready(self) -> Callable[[], bool]:
        """Polling has begun, or the webhook is set and answers its health check."""
        if self.webhook_port is None:
            polls_before = len(self.telegram.calls_to("getUpdates"))
            return lambda: len(self.telegram.calls_to("getUpdates")) > polls_before
        registrations_before = len(self.telegram.calls_to("setWebhook"))
        return lambda: (
            len(self.telegram.calls_to("setWebhook")) > registrations_before and _listening(self.webhook_port or 0)
        )

    async def start(self) -> None:
        ready = self._ready()
        self._spawn()
        assert self.process is not None
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while not ready():
            if self.process.poll() is not None:
                raise AssertionError(f"the bot exited with {self.process.returncode}:\n{self.log.read_text()}")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the bot did not start:\n{self.log.read_text()}")
            await asyncio.sleep(0.05)

    async def exit_status(self) -> int:
        """Run `frontdoor run` expecting it to stop by itself (it could not start); its exit status."""
        self._spawn()
        assert self.process is not None
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while (status := self.process.poll()) is None:
            if asyncio.get_running_loop().time() > deadline:
                self.kill()
                raise AssertionError(f"the bot did not stop by itself:\n{self.log.read_text()}")
            await asyncio.sleep(0.05)
        return status

    def _spawn(self) -> None:
        arguments = ["run"] if self.webhook_port is None else ["run", "--webhook", self.webhook_url]
        if self.webhook_port is not None:
            arguments += ["--listen", f"127.0.0.1:{self.webhook_port}"]
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "FRONTDOOR_BOT_TOKEN": self.telegram.token,
            "FRONTDOOR_TELEGRAM_API_URL": self.telegram.url,
            "FRONTDOOR_DATABASE_URL": self.database_url,
            "FRONTDOOR_TELEGRAM_LIBRARY": self.telegram.library,
            # The test people answer within milliseconds, no person can; the emulator limits
            # nothing unless a test asks it to, and such a test keeps Telegram's one a second.
            "FRONTDOOR_CHAT_INTERVAL": "0",
            # For the same reason, a script's pace would be taken for a flood (bot.flood): a test of
            # floods sets the person's allowance back to a person's.
            "FRONTDOOR_PERSON_BURST": "100000",
            **self.extra_environment,
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", *arguments],
                cwd=self.workdir,
                env=environment,
                stdout=log,
                stderr=log,
                preexec_fn=None if self.open_files is None else self._limit_open_files,
            )

    def _limit_open_files(self) -> None:
        """In the child, before it runs the bot."""
        assert self.open_files is not None
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))

    def open_file_count(self) -> int:
        """How many files (sockets included) the running bot has open now."""
        assert self.process is not None
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def kill(self) -> None:
        """SIGKILL: no clean-up, as in a crash or a pulled plug."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    async def terminate(self) -> int:
        """SIGTERM, as a process manager stops a worker; the exit status once it has stopped by itself."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while (status := self.process.poll()) is None:
            if asyncio.get_running_loop().time() > deadline:
                self.kill()
                raise AssertionError(f"the bot did not stop on SIGTERM:\n{self.log.read_text()}")
            await asyncio.sleep(0.05)
        return status

    def stop(self) -> None:
        stop(self.process)


def stop(process: subprocess.Popen[bytes] | None) -> None:
    """SIGINT, as Ctrl-C stops the bot; SIGKILL if it has not stopped 15 seconds later."""
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)


def free_port() -> int:
    """A port nobody listens on now, on 127.0.0.1, for a webhook worker."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
