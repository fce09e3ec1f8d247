"""Which connector suits a connectee best, and why: pure functions over plain profiles.

First the hard requirements, never traded for points (`unmet`): at least one language both speak
(any, English and French included; "another language" is nobody's in common), a way to meet both
accept (in person only where the connector can meet near the connectee: handlers.matching.ways),
never proposed to this connectee before, not paused, room left this month, and a meeting time in
common. Then the points, field first: the same sector; a related sector (the program file's
[matching] related_sectors); occupation words in common; a shared language other than English or
French; meeting times in common in the coming days; the capacity left this month; then whoever was
matched least recently.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Final

from handlers.matching.ways import agreed_way, open_ways

OFFICIAL_LANGUAGES: Final = frozenset({"en", "fr"})
NOBODYS: Final = frozenset({"other"})  # "another language", "another sector": never in common
# What counts, in points: the same sector outweighs everything below it together, and so does a
# related sector (`at_most_outside_field`).
SECTOR_POINTS: Final = 1000
RELATED_POINTS: Final = 500
WORD_POINTS: Final = 100  # per occupation word in common, up to MAX_WORDS
MAX_WORDS: Final = 3
LANGUAGE_POINTS: Final = 50  # a language in common other than English or French
TIME_POINTS: Final = 2  # per common meeting time, up to MAX_TIMES
MAX_TIMES: Final = 10
# Words too common in job titles to say anything about a shared field.
COMMON_WORDS: Final = frozenset(
    {"and", "the", "of", "for", "senior", "junior", "lead", "manager", "assistant", "specialist", "officer", "de", "et"}
)


@dataclass(frozen=True)
class Seeker:
    """The connectee as matching sees them.

    `related`: the sectors related to theirs; `reach`: the communities where they can meet in person
    (theirs and the nearby ones; none when they typed their community).
    """

    id: int
    sector: str | None
    occupation: str
    languages: frozenset[str]
    mode: str | None = None
    reach: frozenset[str] = frozenset()
    related: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    """A connector as matching sees them; `slots` are the meeting starts both could make.

    `communities`: where they can meet in person (none: they did not say, so not in person).
    """

    id: int
    sectors: frozenset[str]
    job_title: str
    languages: frozenset[str]
    capacity: int
    used_this_month: int
    last_matched_at: datetime | None
    slots: tuple[datetime, ...] = ()
    paused: bool = False
    met_before: bool = False  # proposed to, met or declined this connectee before
    mode: str | None = None
    communities: frozenset[str] = frozenset()


class Unmet(StrEnum):
    """A hard requirement a pair fails; `unmet` gives the first, in this order, so causes can be counted."""

    LANGUAGE = "language"  # no language in common
    WAY_TO_MEET = "way"  # no way to meet both accept
    MET_BEFORE = "met_before"  # proposed to this connectee before
    PAUSED = "paused"
    FULL = "full"  # no room left this month
    NO_TIME = "times"  # no meeting time in common


class Why(StrEnum):
    """A reason for a suggestion's place; handlers.matching.reasons words it in the reader's language.

    The values are stored with each proposal (Reason.stored) and never change.
    """

    SAME_SECTOR = "sector"
    RELATED_SECTOR = "related"
    OCCUPATION_WORDS = "words"  # values: words (live), count
    SHARED_LANGUAGE = "language"  # values: languages (codes, ", ")
    COMMON_TIMES = "times"  # values: count
    CAPACITY_LEFT = "capacity"  # values: count
    NEVER_MATCHED = "new"
    OUTSIDE_FIELD = "outside"  # neither the same nor a related sector: said so to both


@dataclass(frozen=True)
class Reason:
    why: Why
    values: dict[str, str | int] = field(default_factory=dict)

    @property
    def stored(self) -> str:
        """As a proposal keeps it: "sector", "language:fr,ar", "times:4"; never a word anyone typed."""
        if "languages" in self.values:
            return f"{self.why.value}:{str(self.values['languages']).replace(', ', ',')}"
        if "count" in self.values:
            return f"{self.why.value}:{self.values['count']}"
        return self.why.value


def stored_reason(text: str) -> Reason | None:
    """A reason as a proposal keeps it (older proposals kept the kind alone); None for anything else."""
    kind, _, value = text.partition(":")
    try:
        why = Why(kind)
    except ValueError:
        return None
    if not value:
        return Reason(why)
    if why is Why.SHARED_LANGUAGE:
        return Reason(why, {"languages": ", ".join(value.split(","))})
    return Reason(why, {"count": int(value)}) if value.isascii() and value.isdigit() else Reason(why)


@dataclass(frozen=True)
class Suggestion:
    connector_id: int
    score: int
    reasons: tuple[Reason, ...]
    way: str = ""  # the way they would meet (handlers.matching.ways)

    @property
    def in_field(self) -> bool:
        """From the connectee's sector or a related one."""
        return any(reason.why in (Why.SAME_SECTOR, Why.RELATED_SECTOR) for reason in self.reasons)


@dataclass
class Ranking:
    """Suggestions best first, and the connectors left out, counted by the first requirement they fail."""

    found: list[Suggestion]
    left_out: Counter[Unmet] = field(default_factory=Counter)


@lru_cache(maxsize=4096)  # the same job titles are compared with every newcomer of a sweep
def words(text: str) -> frozenset[str]:
    """Meaningful words of an occupation or job title, case and accents folded ("Ingénieure" = "ingenieure")."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return frozenset(word.removesuffix("s") for word in re.findall(r"\w{3,}", plain) if word not in COMMON_WORDS)


def shared_languages(seeker: Seeker, candidate: Candidate) -> frozenset[str]:
    return (seeker.languages & candidate.languages) - NOBODYS


def ways(seeker: Seeker, candidate: Candidate) -> frozenset[str]:
    """The ways they can meet: both accept it, and in person only near the connectee."""
    return open_ways(seeker.mode, candidate.mode, in_person_nearby=bool(seeker.reach & candidate.communities))


def way(seeker: Seeker, candidate: Candidate) -> str | None:
    """The way they would meet (handlers.matching.ways.agreed_way); None when there is none."""
    return agreed_way(seeker.mode, candidate.mode, ways(seeker, candidate))


def unmet_before_times(seeker: Seeker, candidate: Candidate) -> Unmet | None:
    """The first hard requirement they fail but a common time (which costs most to find out); None: all met."""
    if not shared_languages(seeker, candidate):
        return Unmet.LANGUAGE
    if not ways(seeker, candidate):
        return Unmet.WAY_TO_MEET
    if candidate.met_before:
        return Unmet.MET_BEFORE
    if candidate.paused:
        return Unmet.PAUSED
    if candidate.used_this_month >= candidate.capacity:
        return Unmet.FULL
    return None


def unmet(seeker: Seeker, candidate: Candidate) -> Unmet | None:
    """The first hard requirement the pair fails, in Unmet's order; None when they may be proposed."""
    return unmet_before_times(seeker, candidate) or (None if candidate.slots else Unmet.NO_TIME)


def open_to_proposals(candidate: Candidate) -> bool:
    """Not paused and with room this month: whether a connector may be proposed to anyone now."""
    return not candidate.paused and candidate.used_this_month < candidate.capacity


def in_field(seeker: Seeker, candidate: Candidate) -> Why | None:
    """SAME_SECTOR, RELATED_SECTOR, or None when the connector is from another field."""
    if seeker.sector is None or seeker.sector in NOBODYS:
        return None
    if seeker.sector in candidate.sectors:
        return Why.SAME_SECTOR
    return Why.RELATED_SECTOR if seeker.related & candidate.sectors else None


def _score(seeker: Seeker, seeker_words: frozenset[str], candidate: Candidate, common: int) -> tuple[int, list[Reason]]:
    """The candidate's points and the reasons for them, with `common` meeting times in common."""
    field_ = in_field(seeker, candidate)
    score = SECTOR_POINTS if field_ is Why.SAME_SECTOR else RELATED_POINTS if field_ is Why.RELATED_SECTOR else 0
    reasons = [Reason(field_)] if field_ is not None else []
    shared_words = sorted(seeker_words & words(candidate.job_title))
    if shared_words:
        score += WORD_POINTS * min(len(shared_words), MAX_WORDS)
        reasons.append(Reason(Why.OCCUPATION_WORDS, {"words": ", ".join(shared_words), "count": len(shared_words)}))
    shared = shared_languages(seeker, candidate)
    if shared:
        if shared - OFFICIAL_LANGUAGES:
            score += LANGUAGE_POINTS
        # Their own languages first, then English and French.
        codes = sorted(shared, key=lambda code: (code in OFFICIAL_LANGUAGES, code))
        reasons.append(Reason(Why.SHARED_LANGUAGE, {"languages": ", ".join(codes)}))
    score += min(common, MAX_TIMES) * TIME_POINTS
    reasons.append(Reason(Why.COMMON_TIMES, {"count": common}))
    left = candidate.capacity - candidate.used_this_month
    score += left
    reasons.append(Reason(Why.CAPACITY_LEFT, {"count": left}))
    if candidate.last_matched_at is None:
        reasons.append(Reason(Why.NEVER_MATCHED))
    if field_ is None:
        reasons.append(Reason(Why.OUTSIDE_FIELD))
    return score, reasons


def waited(candidate: Candidate) -> float:
    """Ties go to whoever waited longest since their last match (never matched first)."""
    return -candidate.last_matched_at.timestamp() if candidate.last_matched_at else float("inf")


def points(seeker: Seeker, seeker_words: frozenset[str], candidate: Candidate, common: int) -> int:
    """The candidate's points with `common` meeting times in common, as `_score` counts them but without
    its reasons: a sweep weighs every connector with room against every newcomer (docs/benchmarks.md)."""
    field_ = in_field(seeker, candidate)
    score = SECTOR_POINTS if field_ is Why.SAME_SECTOR else RELATED_POINTS if field_ is Why.RELATED_SECTOR else 0
    score += WORD_POINTS * min(len(seeker_words & words(candidate.job_title)), MAX_WORDS)
    if (seeker.languages & candidate.languages) - NOBODYS - OFFICIAL_LANGUAGES:
        score += LANGUAGE_POINTS
    return score + min(common, MAX_TIMES) * TIME_POINTS + candidate.capacity - candidate.used_this_month


def best_possible(seeker: Seeker, seeker_words: frozenset[str], candidate: Candidate) -> int:
    """The most points the candidate could have, whatever their meeting times in common."""
    return points(seeker, seeker_words, candidate, MAX_TIMES)


def at_most_outside_field(left: int) -> int:
    """The most points a candidate from neither the seeker's sector nor a related one can have, with
    `left` capacity left."""
    return WORD_POINTS * MAX_WORDS + LANGUAGE_POINTS + TIME_POINTS * MAX_TIMES + left


def suggestion(seeker: Seeker, candidate: Candidate, seeker_words: frozenset[str] | None = None) -> Suggestion:
    """The candidate as a suggestion for the seeker (whether or not they may be proposed)."""
    found = words(seeker.occupation) if seeker_words is None else seeker_words
    score, reasons = _score(seeker, found, candidate, len(candidate.slots))
    return Suggestion(candidate.id, score, tuple(reasons), way(seeker, candidate) or "")


def rank(seeker: Seeker, candidates: list[Candidate], *, limit: int | None = 3) -> Ranking:
    """The best `limit` (None: all) connectors meeting every hard requirement, best first, each with
    the reasons for its place; and the others, counted by the first requirement they fail."""
    scored: list[tuple[tuple[int, float, int], Suggestion]] = []
    left_out: Counter[Unmet] = Counter()
    seeker_words = words(seeker.occupation)
    for candidate in candidates:
        failed = unmet(seeker, candidate)
        if failed is not None:
            left_out[failed] += 1
            continue
        found = suggestion(seeker, candidate, seeker_words)
        scored.append(((found.score, waited(candidate), -candidate.id), found))
    scored.sort(key=lambda item: item[0], reverse=True)
    return Ranking([found for _, found in scored[:limit]], left_out)


def suggest(seeker: Seeker, candidates: list[Candidate], *, limit: int | None = 3) -> list[Suggestion]:
    """The best `limit` (None: all) connectors meeting every hard requirement, best first."""
    return rank(seeker, candidates, limit=limit).found
