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
from typing import Final

OFFICIAL_LANGUAGES: Final = frozenset({"en", "fr"})
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
    """A reason for a suggestion's place; handlers.render words it in the reader's language."""

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


def suggest(seeker: Seeker, candidates: list[Candidate], *, limit: int | None = 3) -> list[Suggestion]:
    """The best `limit` (None: all) eligible connectors, best first, each with the reasons for its place."""
    scored: list[tuple[tuple[int, float], Suggestion]] = []
    seeker_words = words(seeker.occupation)
    for candidate in candidates:
        if not eligible(candidate):
            continue
        reasons: list[Reason] = []
        score = 0
        if seeker.sector and seeker.sector in candidate.sectors:
            score += 1000
            reasons.append(Reason(Why.SAME_SECTOR))
        shared_words = sorted(seeker_words & words(candidate.job_title))
        if shared_words:
            score += 100 * min(len(shared_words), 3)
            reasons.append(Reason(Why.OCCUPATION_WORDS, {"words": ", ".join(shared_words)}))
        shared_languages = sorted((seeker.languages & candidate.languages) - OFFICIAL_LANGUAGES - {"other"})
        if shared_languages:
            score += 50
            reasons.append(Reason(Why.SHARED_LANGUAGE, {"languages": ", ".join(shared_languages)}))
        common = len(candidate.slots)
        score += min(common, 10) * 2
        reasons.append(Reason(Why.COMMON_TIMES, {"count": common}))
        left = candidate.capacity - candidate.used_this_month
        score += left
        reasons.append(Reason(Why.CAPACITY_LEFT, {"count": left}))
        if candidate.last_matched_at is None:
            reasons.append(Reason(Why.NEVER_MATCHED))
        # Ties go to whoever waited longest since their last match (never matched first).
        waited = -candidate.last_matched_at.timestamp() if candidate.last_matched_at else float("inf")
        scored.append(((score, waited), Suggestion(candidate.id, score, tuple(reasons))))
    scored.sort(key=lambda item: (item[0][0], item[0][1], -item[1].connector_id), reverse=True)
    return [suggestion for _, suggestion in scored[:limit]]
