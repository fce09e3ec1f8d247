"""Which connector suits a connectee best, and why: a pure function over plain profiles.

Order of what counts, as the issue asks: the same sector first; occupation words in common; a
shared language other than English or French; meeting times in common in the coming days; the
capacity left this month; then whoever was matched least recently. A connector who met or was
proposed to this connectee before, who is paused, at capacity or has no common time is left out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Final

OFFICIAL_LANGUAGES: Final = frozenset({"en", "fr"})
# What counts, in points: a shared sector outweighs everything else together (at_most_without_sector).
SECTOR_POINTS: Final = 1000
WORD_POINTS: Final = 100  # per occupation word in common, up to MAX_WORDS
MAX_WORDS: Final = 3
LANGUAGE_POINTS: Final = 50
TIME_POINTS: Final = 2  # per common meeting time, up to MAX_TIMES
MAX_TIMES: Final = 10
# Words too common in job titles to say anything about a shared field.
COMMON_WORDS: Final = frozenset(
    {"and", "the", "of", "for", "senior", "junior", "lead", "manager", "assistant", "specialist", "officer", "de", "et"}
)


@dataclass(frozen=True)
class Seeker:
    """The connectee as matching sees them."""

    id: int
    sector: str | None
    occupation: str
    languages: frozenset[str]


@dataclass(frozen=True)
class Candidate:
    """A connector as matching sees them; `slots` are the meeting starts both could make."""

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


class Why(StrEnum):
    """A reason for a suggestion's place; handlers.core.render words it in the reader's language."""

    SAME_SECTOR = "sector"
    OCCUPATION_WORDS = "words"  # values: words
    SHARED_LANGUAGE = "language"  # values: languages (codes)
    COMMON_TIMES = "times"  # values: count
    CAPACITY_LEFT = "capacity"  # values: count
    NEVER_MATCHED = "new"


@dataclass(frozen=True)
class Reason:
    why: Why
    values: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    connector_id: int
    score: int
    reasons: tuple[Reason, ...]


@lru_cache(maxsize=4096)  # the same job titles are compared with every newcomer of a sweep
def words(text: str) -> frozenset[str]:
    """Meaningful words of an occupation or job title, case and accents folded ("Ingénieure" = "ingenieure")."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return frozenset(word.removesuffix("s") for word in re.findall(r"\w{3,}", plain) if word not in COMMON_WORDS)


def eligible(candidate: Candidate) -> bool:
    return (
        not candidate.met_before
        and not candidate.paused
        and candidate.used_this_month < candidate.capacity
        and bool(candidate.slots)
    )


def _score(seeker: Seeker, seeker_words: frozenset[str], candidate: Candidate, common: int) -> tuple[int, list[Reason]]:
    """The candidate's points and the reasons for them, with `common` meeting times in common."""
    reasons: list[Reason] = []
    score = 0
    if seeker.sector and seeker.sector in candidate.sectors:
        score += SECTOR_POINTS
        reasons.append(Reason(Why.SAME_SECTOR))
    shared_words = sorted(seeker_words & words(candidate.job_title))
    if shared_words:
        score += WORD_POINTS * min(len(shared_words), MAX_WORDS)
        reasons.append(Reason(Why.OCCUPATION_WORDS, {"words": ", ".join(shared_words)}))
    shared_languages = sorted((seeker.languages & candidate.languages) - OFFICIAL_LANGUAGES - {"other"})
    if shared_languages:
        score += LANGUAGE_POINTS
        reasons.append(Reason(Why.SHARED_LANGUAGE, {"languages": ", ".join(shared_languages)}))
    score += min(common, MAX_TIMES) * TIME_POINTS
    reasons.append(Reason(Why.COMMON_TIMES, {"count": common}))
    left = candidate.capacity - candidate.used_this_month
    score += left
    reasons.append(Reason(Why.CAPACITY_LEFT, {"count": left}))
    if candidate.last_matched_at is None:
        reasons.append(Reason(Why.NEVER_MATCHED))
    return score, reasons


def waited(candidate: Candidate) -> float:
    """Ties go to whoever waited longest since their last match (never matched first)."""
    return -candidate.last_matched_at.timestamp() if candidate.last_matched_at else float("inf")


def best_possible(seeker: Seeker, seeker_words: frozenset[str], candidate: Candidate) -> int:
    """The most points the candidate could have, whatever their meeting times in common."""
    return _score(seeker, seeker_words, candidate, MAX_TIMES)[0]


def at_most_without_sector(left: int) -> int:
    """The most points a candidate without the seeker's sector can have, with `left` capacity left."""
    return WORD_POINTS * MAX_WORDS + LANGUAGE_POINTS + TIME_POINTS * MAX_TIMES + left


def suggest(seeker: Seeker, candidates: list[Candidate], *, limit: int | None = 3) -> list[Suggestion]:
    """The best `limit` (None: all) eligible connectors, best first, each with the reasons for its place."""
    scored: list[tuple[tuple[int, float], Suggestion]] = []
    seeker_words = words(seeker.occupation)
    for candidate in candidates:
        if not eligible(candidate):
            continue
        score, reasons = _score(seeker, seeker_words, candidate, len(candidate.slots))
        scored.append(((score, waited(candidate)), Suggestion(candidate.id, score, tuple(reasons))))
    scored.sort(key=lambda item: (item[0][0], item[0][1], -item[1].connector_id), reverse=True)
    return [suggestion for _, suggestion in scored[:limit]]
