"""`frontdoor run` starts itself again on jemalloc (bot.allocator): the same process, on the new
allocator, answering as before; FRONTDOOR_ALLOCATOR=python keeps Python's own."""

from __future__ import annotations

import ctypes.util
from pathlib import Path

from tests.e2e.bot_process import BotProcess
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.script import answer
from tests.support import debian_packages


def jemalloc_or_skip() -> None:
    """Absent, the test is skipped here and fails under CI (CI=true), where .ci/run installs it."""
    if ctypes.util.find_library("jemalloc") is None:
        debian_packages.missing("jemalloc is not installed: apt-get install -y libjemalloc2")


def mapped(bot: BotProcess) -> str:
    assert bot.process is not None
    return Path(f"/proc/{bot.process.pid}/maps").read_text()


async def test_the_bot_runs_on_jemalloc_in_the_process_it_was_started_as(
    telegram: BotApiEmulator, bot: BotProcess
) -> None:
    jemalloc_or_skip()
    # The process the test started (its id) is the one on jemalloc: started again in place, not beside.
    assert "libjemalloc" in mapped(bot)
    assert "memory: jemalloc" in bot.log.read_text()
    await answer(telegram.user(9101, first_name="Amal"), "/start", "Which language would you like to use?")


async def test_python_s_own_allocator_when_the_setting_asks_for_it(telegram: BotApiEmulator, tmp_path: Path) -> None:
    bot = BotProcess(telegram, tmp_path, environment={"FRONTDOOR_ALLOCATOR": "python"})
    await bot.start()
    try:
        assert "libjemalloc" not in mapped(bot)
        assert "memory: Python's own allocator" in bot.log.read_text()
        await answer(telegram.user(9102, first_name="Bo"), "/start", "Which language would you like to use?")
    finally:
        bot.stop()
