"""Numbers read from button data and command arguments: ASCII digits within a range, or nothing.

Anyone can send a bot any callback data and any command text, so every id or index they carry is
read here, strictly and totally: never an exception, whatever the input. `str.isdigit()` will not
do: it is true for "²", which `int()` refuses, and for "٣" or "３", which `int()` reads as 3, so a
forged button crashed its handler (retried, then "something went wrong") or named a record nobody
was shown. A number past PostgreSQL's `integer` (or SQLite's 64 bits) fails in the database, so
ids are checked against that range here too. The caller turns None into "This button has
expired" for a button (handlers.core.buttons reads every button's fields through here) or the
command's usage line for a command.
"""

from __future__ import annotations

import re
from typing import Final

DATABASE_IDS: Final = range(1, 2**31)
"""A row's id or a proposal's turn (its version): PostgreSQL `integer` columns, counted from 1."""

_DIGITS: Final = re.compile("[0-9]+")  # ASCII only: no sign, space, superscript or other script


def number(text: str, allowed: range) -> int | None:
    """`text` as a whole number in `allowed`, written in ASCII digits only; None for anything else."""
    if not allowed or len(text) > len(str(allowed[-1])) or not _DIGITS.fullmatch(text):
        return None  # the length first: int() of a huge string is slow, and no such number is allowed
    value = int(text)
    return value if value in allowed else None


def database_id(text: str) -> int | None:
    """`text` as a record's id (or a proposal's turn); None if it cannot be one."""
    return number(text, DATABASE_IDS)
