"""Who may meet whom is a pure function: the hard requirements hold for any profiles (hypothesis), the way
to meet follows one rule, and the reasons read as words."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalogs import PROJECT_CATALOGS
from handlers.core.program import load_program
from handlers.matching.reasons import left_out_text, reason_text, stored_in_words
from handlers.matching.scoring import (
    Candidate,
    Reason,
    Seeker,
    Unmet,
    Why,
    points,
    rank,
    stored_reason,
    way,
    words,
)
from handlers.matching.ways import agreed_way, open_ways
from handlers.meetings.follow_up_effects import contact_details

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
LANGUAGES = ["en", "fr", "ar", "zh", "uk", "other"]
MODES = ["in_person", "video", "phone", "any", None]
COMMUNITIES = ["kitchener", "waterloo", "cambridge", "guelph"]
SECTORS = ["it", "engineering", "health", "arts", "other"]
EN = PROJECT_CATALOGS.translator("en")

seekers = st.builds(
    Seeker,
    id=st.just(1),
    sector=st.none() | st.sampled_from(SECTORS),
    occupation=st.sampled_from(["Registered nurse", "Software developer", ""]),
    languages=st.frozensets(st.sampled_from(LANGUAGES), max_size=3),
    mode=st.sampled_from(MODES),
    reach=st.frozensets(st.sampled_from(COMMUNITIES), max_size=3),  # empty: a community typed as "other"
    related=st.frozensets(st.sampled_from(SECTORS[:4]), max_size=2),
)
candidates = st.builds(
    Candidate,
    id=st.integers(min_value=2, max_value=10_000),
    sectors=st.frozensets(st.sampled_from(SECTORS), max_size=3),
    job_title=st.sampled_from(["Software engineer", "Nurse manager", ""]),
    languages=st.frozensets(st.sampled_from(LANGUAGES), max_size=3),
    capacity=st.integers(min_value=1, max_value=4),
    used_this_month=st.integers(min_value=0, max_value=5),
    last_matched_at=st.none() | st.just(NOW),
    slots=st.lists(st.just(NOW), max_size=3).map(tuple),
    paused=st.booleans(),
    met_before=st.booleans(),
    mode=st.sampled_from(MODES),
    communities=st.frozensets(st.sampled_from(COMMUNITIES), max_size=3),
)


def accepts(choice: str | None) -> set[str]:
    return {"in_person", "video", "phone"} if choice in ("any", None) else {choice}


def first_unmet(seeker: Seeker, candidate: Candidate) -> Unmet | None:
    """The issue's requirements, written again plainly, in the order causes are counted."""
    ways = accepts(seeker.mode) & accepts(candidate.mode)
    if not seeker.reach & candidate.communities:
        ways.discard("in_person")
    checks = [
        (Unmet.LANGUAGE, bool((seeker.languages & candidate.languages) - {"other"})),
        (Unmet.WAY_TO_MEET, bool(ways)),
        (Unmet.MET_BEFORE, not candidate.met_before),
        (Unmet.PAUSED, not candidate.paused),
        (Unmet.FULL, candidate.used_this_month < candidate.capacity),
        (Unmet.NO_TIME, bool(candidate.slots)),
    ]
    return next((unmet for unmet, met in checks if not met), None)


@settings(max_examples=400, deadline=None)
@given(seekers, st.lists(candidates, max_size=10, unique_by=lambda c: c.id))
def test_no_suggestion_ever_breaks_a_hard_requirement_and_every_other_connector_is_counted_by_why(
    seeker: Seeker, pool: list[Candidate]
) -> None:
    ranking = rank(seeker, pool, limit=None)
    by_id = {candidate.id: candidate for candidate in pool}
    for suggestion in ranking.found:
        candidate = by_id[suggestion.connector_id]
        assert first_unmet(seeker, candidate) is None
        assert (seeker.languages & candidate.languages) - {"other"}, "a language both speak"
        assert suggestion.way in accepts(seeker.mode) & accepts(candidate.mode)
        assert suggestion.score == points(seeker, words(seeker.occupation), candidate, len(candidate.slots))
        if suggestion.way == "in_person":
            assert seeker.reach & candidate.communities, "in person only where the volunteer meets near them"
    expected = Counter(first_unmet(seeker, c) for c in pool)
    assert len(ranking.found) == expected.pop(None, 0)
    assert ranking.left_out == expected
    in_field = [suggestion.in_field for suggestion in ranking.found]
    assert in_field == sorted(in_field, reverse=True), "the newcomer's field and related ones come first"


def test_the_way_agreed_is_hers_if_possible_then_the_volunteers_then_in_person_near_her_then_video() -> None:
    nearby, far = True, False
    assert agreed_way("video", "any", open_ways("video", "any", in_person_nearby=nearby)) == "video"
    assert agreed_way("any", "phone", open_ways("any", "phone", in_person_nearby=nearby)) == "phone"
    assert agreed_way("any", "any", open_ways("any", "any", in_person_nearby=nearby)) == "in_person"
    assert agreed_way("any", "any", open_ways("any", "any", in_person_nearby=far)) == "video"
    assert open_ways("in_person", "any", in_person_nearby=far) == frozenset(), "too far: no way"
    assert open_ways("video", "in_person", in_person_nearby=nearby) == frozenset()


def test_a_newcomer_who_typed_her_community_meets_by_video_or_phone_and_another_language_is_nobodys() -> None:
    typed = Seeker(1, "health", "Nurse", frozenset({"fr", "other"}), mode="any", reach=frozenset())
    volunteer = Candidate(2, frozenset({"health"}), "", frozenset({"fr", "other"}), 2, 0, None, (NOW,), mode="any")
    assert way(typed, volunteer) == "video"
    in_person = Candidate(3, frozenset(), "", frozenset({"fr"}), 2, 0, None, (NOW,), mode="in_person")
    assert rank(typed, [in_person]).left_out == Counter({Unmet.WAY_TO_MEET: 1})
    other_only = Candidate(4, frozenset({"health"}), "", frozenset({"other"}), 2, 0, None, (NOW,), mode="any")
    assert rank(typed, [other_only]).left_out == Counter({Unmet.LANGUAGE: 1})
    registered_before = Candidate(5, frozenset(), "", frozenset({"fr"}), 2, 0, None, (NOW,), mode="in_person")
    near = Seeker(6, None, "", frozenset({"fr"}), mode="in_person", reach=frozenset({"kitchener"}))
    assert way(near, registered_before) is None, "no meeting places on record: not in person"


def test_reasons_are_stored_with_their_values_and_read_back_in_words() -> None:
    reasons = [
        Reason(Why.SAME_SECTOR),
        Reason(Why.OCCUPATION_WORDS, {"words": "nurse", "count": 1}),
        Reason(Why.SHARED_LANGUAGE, {"languages": "fr, en"}),
        Reason(Why.COMMON_TIMES, {"count": 4}),
    ]
    stored = [reason.stored for reason in reasons]
    assert stored == ["sector", "words:1", "language:fr,en", "times:4"], "never the words anyone typed"
    assert stored_reason("language:fr,en") == Reason(Why.SHARED_LANGUAGE, {"languages": "fr, en"})
    worded = stored_in_words(EN, load_program())
    assert (
        worded(stored)
        == "same sector, 1 occupation word in common, shares English and French, and 4 meeting times in common"
    )
    assert worded(["sector", "times", "capacity", "new"]) == (
        "same sector, meeting times in common, room left this month, and not matched before"
    ), "a proposal stored before reasons kept their values"
    assert worded(["related", "outside", "same sector"]) == "related sector, from another field, and same sector"


def test_why_nobody_suits_is_counted_biggest_cause_first() -> None:
    left_out = Counter({Unmet.PAUSED: 1, Unmet.LANGUAGE: 3, Unmet.NO_TIME: 2})
    assert left_out_text(EN, left_out) == (
        "3 volunteers share no language, 2 volunteers have no common time, and 1 volunteer is paused"
    )


def test_the_occupation_words_in_common_are_listed_in_the_readers_own_way() -> None:
    words = Reason(Why.OCCUPATION_WORDS, {"words": "developer, software", "count": 2})
    program = load_program()
    assert reason_text(EN, program, words) == "occupation in common: developer and software"
    chinese = reason_text(PROJECT_CATALOGS.translator("zh-Hans"), program, words)
    assert "developer和software" in chinese and ", " not in chinese


def test_a_referred_contacts_details_take_the_readers_comma() -> None:
    typed = ("Omar Khalil", None, "OpenText")
    assert contact_details(EN, typed) == "Omar Khalil, OpenText"
    assert contact_details(PROJECT_CATALOGS.translator("ar"), typed) == "Omar Khalil، OpenText"
    assert (
        contact_details(PROJECT_CATALOGS.translator("zh-Hans"), ("张伟", "人事经理", "OpenText"))
        == "张伟，人事经理，OpenText"
    )
