"""Which allocator `frontdoor run` asks for (bot.allocator), without starting a process."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import pytest

from bot import allocator
from bot.config import SettingsError, load_settings


class Started(Exception):
    """What the recorded exec raises in place of starting the process again."""

    def __init__(self, path: str, arguments: list[str], environment: dict[str, str]) -> None:
        super().__init__(path)
        self.path, self.arguments, self.environment = path, arguments, environment


def record(path: str, arguments: list[str], environment: dict[str, str]) -> NoReturn:
    raise Started(path, arguments, environment)


def installed(name: str) -> str | None:
    return "libjemalloc.so.2" if name == "jemalloc" else None


def not_installed(_name: str) -> str | None:
    return None


def test_run_starts_itself_again_on_jemalloc_with_its_command_line_and_environment() -> None:
    with pytest.raises(Started) as started:
        allocator.restart_on_jemalloc("jemalloc", {"PATH": "/usr/bin", "FRONTDOOR_BOT_TOKEN": "1:x"}, installed, record)
    assert started.value.path == sys.executable
    assert started.value.arguments == sys.orig_argv
    assert started.value.environment == {
        "PATH": "/usr/bin",
        "FRONTDOOR_BOT_TOKEN": "1:x",
        "LD_PRELOAD": "libjemalloc.so.2",
        "PYTHONMALLOC": "malloc",
    }


@pytest.mark.parametrize(
    ("choice", "environment", "find"),
    [
        ("python", {}, installed),  # FRONTDOOR_ALLOCATOR=python
        ("jemalloc", {"PYTHONMALLOC": "malloc", "LD_PRELOAD": "libjemalloc.so.2"}, installed),  # after the restart
        ("jemalloc", {"PYTHONMALLOC": "debug"}, installed),  # someone chose Python's debug allocator
        ("jemalloc", {"LD_PRELOAD": "/opt/tcmalloc.so"}, installed),  # or preloaded another
        ("jemalloc", {}, not_installed),
    ],
)
def test_run_goes_on_as_it_is(choice: str, environment: dict[str, str], find: allocator.Find) -> None:
    allocator.restart_on_jemalloc(choice, environment, find, record)  # returns: no Started


def test_the_log_says_which_allocator_and_how_to_get_jemalloc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    maps = tmp_path / "maps"
    maps.write_text("7f00-7f01 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n")
    monkeypatch.delenv("PYTHONMALLOC", raising=False)
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    assert allocator.described("jemalloc", maps, not_installed) == (
        "Python's own allocator (jemalloc is not installed: on Debian, apt install libjemalloc2)"
    )
    # Installed, but this process was not started again (a caller ran `run` in its own process).
    assert allocator.described("jemalloc", maps, installed) == "Python's own allocator"
    assert allocator.described("python", maps, not_installed) == "Python's own allocator"
    monkeypatch.setenv("LD_PRELOAD", "/opt/tcmalloc.so")  # someone else's choice: nothing to install
    assert allocator.described("jemalloc", maps, not_installed) == "Python's own allocator"
    monkeypatch.setenv("PYTHONMALLOC", "malloc")
    assert allocator.described("jemalloc", maps, not_installed) == "jemalloc"
    maps.write_text("7f00-7f01 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6\n")
    assert allocator.described("jemalloc", maps, not_installed) == "malloc (PYTHONMALLOC=malloc)"


def test_the_setting_names_a_known_allocator() -> None:
    assert load_settings({}, env_file=None).allocator == "jemalloc"
    assert load_settings({"FRONTDOOR_ALLOCATOR": "python"}, env_file=None).allocator == "python"
    with pytest.raises(SettingsError, match="FRONTDOOR_ALLOCATOR: 'tcmalloc' is not one of jemalloc, python"):
        load_settings({"FRONTDOOR_ALLOCATOR": "tcmalloc"}, env_file=None)
