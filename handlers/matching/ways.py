"""The ways two people can meet, and the one agreed for a pair: pure functions over their answers.

Each side answered "How would you like to meet?": in person, video, phone, or any of these. The
ways open to a pair are those both accept; in person only where the volunteer can meet in the
newcomer's community or one the newcomer can reach (the program file's [matching.nearby]). The way
agreed is the newcomer's own choice if it is open, else the volunteer's, else (both said "any") in
person if it is open, else video.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

IN_PERSON: Final = "in_person"
VIDEO: Final = "video"
PHONE: Final = "phone"
ANY: Final = "any"
MODES: Final = (IN_PERSON, VIDEO, PHONE)  # also the order of preference when both said "any"


def modes(choice: str | None) -> frozenset[str]:
    """The ways someone accepts: the one they chose, or all for "any" (or no answer)."""
    return frozenset(MODES) if choice in (ANY, None, "") else frozenset({str(choice)})


@lru_cache(maxsize=256)  # a sweep asks it for every newcomer and connector with room: a few answers in all
def open_ways(wanted: str | None, offered: str | None, *, in_person_nearby: bool) -> frozenset[str]:
    """The ways a newcomer who wants `wanted` and a volunteer who offers `offered` can meet."""
    both = modes(wanted) & modes(offered)
    return both if in_person_nearby else both - {IN_PERSON}


def agreed_way(wanted: str | None, offered: str | None, ways: frozenset[str]) -> str | None:
    """The way the pair meets, among the open `ways`; None when there is none."""
    for choice in (wanted, offered, *MODES):
        if choice in ways:
            return choice
    return min(ways) if ways else None  # a way a program of its own added, which both chose
