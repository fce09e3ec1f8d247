"""`frontdoor run` on jemalloc where it is installed: memory a busy moment freed goes back to the system.

Why: over a half-hour soak at 50 updates a second, python-telegram-bot's `frontdoor run` grew by
some 10 MB (+ 8 to 11 %) while what its objects held stayed flat (docs/benchmarks.md, "The
allocator"). Python's own allocator gives a 1 MiB arena back only once every object in it is gone,
and a few long-lived objects made in a busy moment keep whole arenas; glibc's malloc
(PYTHONMALLOC=malloc) kept as much. jemalloc, with every object handed to it, gives a page back once
it has stayed free for a few seconds, so the process follows what it holds.

How: an allocator cannot be changed once Python has allocated anything, so `run` starts itself
again, the same command line in the same process (its id, its signals, its output unchanged), with
jemalloc loaded first (LD_PRELOAD) and Python's objects allocated through it (PYTHONMALLOC=malloc).
`FRONTDOOR_ALLOCATOR=python` keeps Python's own; an environment that sets LD_PRELOAD or
PYTHONMALLOC itself is left as it is.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final, NoReturn

JEMALLOC: Final = "jemalloc"
PYTHON: Final = "python"
CHOICES: Final = (JEMALLOC, PYTHON)
# What Debian calls the package, for the line that says jemalloc was not found.
PACKAGE: Final = "libjemalloc2"

Find = Callable[[str], str | None]  # a library's name: the file the dynamic loader would load, or None
Exec = Callable[[str, list[str], dict[str, str]], NoReturn]


def restart_on_jemalloc(
    choice: str,
    environ: Mapping[str, str] = os.environ,
    find: Find = ctypes.util.find_library,
    execute: Exec = os.execve,
) -> None:
    """Start this process again on jemalloc if `choice` asks for it, it is installed and nothing
    chose an allocator already; otherwise return and go on with the allocator in use."""
    if choice != JEMALLOC or not sys.platform.startswith("linux"):
        return
    if chosen_elsewhere(environ):
        return  # by whoever started us, or by this function before the restart
    library = find(JEMALLOC)
    if library is None or not sys.executable:
        return  # `in_use` says so in the log once the bot runs
    sys.stdout.flush()
    sys.stderr.flush()
    execute(sys.executable, list(sys.orig_argv), {**environ, "LD_PRELOAD": library, "PYTHONMALLOC": "malloc"})


def chosen_elsewhere(environ: Mapping[str, str]) -> bool:
    """Whether the environment chose an allocator already (a preloaded one, or Python's setting)."""
    return "LD_PRELOAD" in environ or "PYTHONMALLOC" in environ


def in_use(maps: Path = Path("/proc/self/maps")) -> str:
    """The allocator Python's objects come from in this process: jemalloc, malloc (the C library's,
    or whatever LD_PRELOAD put there) or python (its own)."""
    if os.environ.get("PYTHONMALLOC") != "malloc":
        return PYTHON
    try:
        return JEMALLOC if JEMALLOC in maps.read_text() else "malloc"
    except OSError:
        return "malloc"


def described(choice: str, maps: Path = Path("/proc/self/maps"), find: Find = ctypes.util.find_library) -> str:
    """The allocator in use, for the log at start; where jemalloc was asked for and is missing, how to get it."""
    used = in_use(maps)
    if used == JEMALLOC:
        return "jemalloc"
    if used != PYTHON:
        return "malloc (PYTHONMALLOC=malloc)"
    if choice == JEMALLOC and not chosen_elsewhere(os.environ) and find(JEMALLOC) is None:
        return f"Python's own allocator (jemalloc is not installed: on Debian, apt install {PACKAGE})"
    return "Python's own allocator"
