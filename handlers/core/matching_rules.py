"""The program file's [matching] section: how applications are reviewed, who may meet whom, and the timings.

handlers.core.program reads the whole file and hands [matching] here, with the forms' options, so
that the tables naming communities and sectors can be checked against what the forms offer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Final, TypeVar

from handlers.core.questions import Fail, Option, within

E = TypeVar("E", bound=StrEnum)
NO_TABLE: Final[Mapping[str, frozenset[str]]] = MappingProxyType({})


class MatchMode(StrEnum):
    AUTO = "auto"  # the best connector is asked directly
    COORDINATOR = "coordinator"  # a coordinator picks from the top three


class OutsideField(StrEnum):
    """What automatic matching does when the best connector free is from neither the newcomer's
    sector nor a related one."""

    WAIT = "wait"  # propose nobody; the newcomer is told they wait for someone from their field
    OFFER = "offer"  # propose, and the offer says plainly the volunteer is from another field
    COORDINATOR = "coordinator"  # coordinators get the suggestions, marked; the newcomer is told a coordinator helps


@dataclass(frozen=True)
class MatchingRules:
    """How matching, meeting slots and their timings work ([matching] in the program file).

    `nearby`: for a newcomer's community (an option value), the other communities they can reach for
    a meeting in person. `related_sectors`: for a sector, the sectors whose volunteers know it well
    enough to come next after its own. Both hold option values; a key missing is an empty set.
    """

    auto_approve: bool = False
    match_mode: MatchMode = MatchMode.AUTO
    meeting_minutes: int = 30
    horizon_days: int = 14
    notice_hours: int = 24
    slots_offered: int = 3
    nudge_after_hours: int = 48
    expire_after_hours: int = 48
    reminder_hours: tuple[int, ...] = (24, 2)
    outside_field: OutsideField = OutsideField.COORDINATOR
    waiting_alert_days: int = 14
    nearby: Mapping[str, frozenset[str]] = field(default_factory=lambda: NO_TABLE)
    related_sectors: Mapping[str, frozenset[str]] = field(default_factory=lambda: NO_TABLE)

    def reachable(self, community: str) -> frozenset[str]:
        """Where a newcomer living in `community` can meet in person: there, and the nearby communities."""
        return _reach(community, self.nearby.get(community, frozenset()))

    def related(self, sector: str) -> frozenset[str]:
        return self.related_sectors.get(sector, frozenset())


@lru_cache(maxsize=256)  # asked for every newcomer of a sweep: a program has a few communities
def _reach(community: str, nearby: frozenset[str]) -> frozenset[str]:
    return nearby | {community}


# Whole-number settings of [matching]: the smallest and largest value that makes sense.
_MATCHING_NUMBERS: Final = {
    "meeting_minutes": (15, 120),
    "horizon_days": (2, 60),
    "notice_hours": (1, 168),
    "slots_offered": (1, 5),
    "nudge_after_hours": (1, 720),
    "expire_after_hours": (1, 720),
    "waiting_alert_days": (1, 365),
}
_KNOWN: Final = frozenset(
    {"auto_approve", "match_mode", "reminder_hours", "outside_field", "nearby", "related_sectors", *_MATCHING_NUMBERS}
)


def parse_matching(
    raw: Any, fail: Fail, *, communities: tuple[Option, ...], sectors: tuple[Option, ...]
) -> MatchingRules:
    """[matching], checked; `communities` and `sectors` are the newcomer form's options for those questions."""
    if not isinstance(raw, dict):
        raise fail("must be a table of settings")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise fail(f"unknown setting {unknown[0]!r} (known: {', '.join(sorted(_KNOWN))})")
    numbers: dict[str, int] = {}
    for name, (low, high) in _MATCHING_NUMBERS.items():
        value = raw.get(name, getattr(MatchingRules, name))
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise fail(f"{name} must be a whole number from {low} to {high}")
        numbers[name] = value
    auto_approve = raw.get("auto_approve", False)
    if not isinstance(auto_approve, bool):
        raise fail("auto_approve must be true or false")
    reminders = raw.get("reminder_hours", [24, 2])
    if not isinstance(reminders, list) or not all(
        isinstance(hours, int) and not isinstance(hours, bool) and 1 <= hours <= 168 for hours in reminders
    ):
        raise fail("reminder_hours must be a list of whole numbers of hours from 1 to 168")
    return MatchingRules(
        auto_approve=auto_approve,
        match_mode=_choice(raw, "match_mode", MatchMode.AUTO, fail),
        reminder_hours=tuple(sorted(set(reminders), reverse=True)),
        outside_field=_choice(raw, "outside_field", OutsideField.COORDINATOR, fail),
        nearby=_nearby(raw.get("nearby", {}), communities, fail),
        related_sectors=_related(raw.get("related_sectors", []), sectors, fail),
        **numbers,
    )


def _choice(raw: dict[str, Any], name: str, default: E, fail: Fail) -> E:
    try:
        return type(default)(raw.get(name, default.value))
    except ValueError:
        allowed = " or ".join(f'"{member.value}"' for member in type(default))
        raise fail(f"{name} must be {allowed}") from None


def _values(names: list[Any], options: tuple[Option, ...], what: str, fail: Fail) -> list[str]:
    """The options a table names, by their values or as they are written (a community's name)."""
    values = []
    for name in names:
        value = next((option.value for option in options if name in (option.value, option.label)), None)
        if value is None:
            known = ", ".join(option.label if what == "community" else option.value for option in options)
            raise fail(f"names {name!r}, which is not a {what} (one of {known})")
        values.append(value)
    return values


def _nearby(raw: Any, communities: tuple[Option, ...], fail: Fail) -> Mapping[str, frozenset[str]]:
    """nearby = { Kitchener = ["Waterloo", "Cambridge"], … }: from each community, the others a newcomer reaches."""
    if not isinstance(raw, dict) or not all(isinstance(reached, list) for reached in raw.values()):
        raise fail('nearby must be a table of lists of communities, like { Kitchener = ["Waterloo", "Cambridge"] }')
    if raw and not communities:
        raise fail("nearby needs the newcomers' form to ask for their community (a choice question 'community')")
    table: dict[str, frozenset[str]] = {}
    for home, reached in raw.items():
        values = _values([home, *reached], communities, "community", within(fail, "nearby "))
        table[values[0]] = frozenset(values[1:]) - {values[0]}
    return MappingProxyType(table)


def _related(raw: Any, sectors: tuple[Option, ...], fail: Fail) -> Mapping[str, frozenset[str]]:
    """related_sectors = [["it", "engineering"], …]: groups of sectors; each is related to the others of its groups."""
    if not isinstance(raw, list) or not all(isinstance(group, list) and len(group) >= 2 for group in raw):
        raise fail('related_sectors must be a list of groups of two or more sectors, like [["it", "engineering"]]')
    if raw and not sectors:
        raise fail("related_sectors needs the newcomers' form to ask for their sector (a choice question 'sector')")
    related: dict[str, set[str]] = {}
    for group in raw:
        values = _values(group, sectors, "sector", within(fail, "related_sectors "))
        for value in values:
            related.setdefault(value, set()).update(other for other in values if other != value)
    return MappingProxyType({sector: frozenset(others) for sector, others in related.items()})
