"""Why a connector was suggested, and why others were not, in words a coordinator reads.

`/match`, the suggestions coordinators get, `frontdoor match --dry-run` and the export's matches
sheet all word reasons here: "same sector; shares French; 4 meeting times in common", and, when
nobody suits, "3 connectors share no language, 2 have no common time and 1 is paused".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Final

from babel.lists import format_list

from handlers.core.program import Program
from handlers.core.render import display_answer
from handlers.core.translator import N_, Translator, babel_locale
from handlers.matching.scoring import Reason, Unmet, Why, stored_reason

PLAIN: Final = {
    Why.SAME_SECTOR: N_("same sector"),
    Why.RELATED_SECTOR: N_("related sector"),
    Why.NEVER_MATCHED: N_("not matched before"),
    Why.OUTSIDE_FIELD: N_("from another field"),
    # As proposals made before reasons kept their counts have them:
    Why.OCCUPATION_WORDS: N_("occupation in common"),
    Why.COMMON_TIMES: N_("meeting times in common"),
    Why.CAPACITY_LEFT: N_("room left this month"),
    Why.SHARED_LANGUAGE: N_("a language in common"),
}
COUNTED: Final = frozenset({Why.OCCUPATION_WORDS, Why.COMMON_TIMES, Why.CAPACITY_LEFT})


def _counted(t: Translator, why: Why, count: int) -> str:
    # Each plural written out where it is translated, so that the extractor sees it as one.
    if why is Why.OCCUPATION_WORDS:
        text = t.ngettext("{count} occupation word in common", "{count} occupation words in common", count)
    elif why is Why.COMMON_TIMES:
        text = t.ngettext("{count} meeting time in common", "{count} meeting times in common", count)
    else:
        text = t.ngettext(
            "{count} more meeting possible this month", "{count} more meetings possible this month", count
        )
    return text.format(count=count)


def _left_out(t: Translator, cause: Unmet, count: int) -> str:
    texts: dict[Unmet, Callable[[], str]] = {
        Unmet.LANGUAGE: lambda: t.ngettext(
            "{count} volunteer shares no language", "{count} volunteers share no language", count
        ),
        Unmet.WAY_TO_MEET: lambda: t.ngettext(
            "{count} volunteer has no way to meet in common", "{count} volunteers have no way to meet in common", count
        ),
        Unmet.MET_BEFORE: lambda: t.ngettext(
            "{count} volunteer was proposed before", "{count} volunteers were proposed before", count
        ),
        Unmet.PAUSED: lambda: t.ngettext("{count} volunteer is paused", "{count} volunteers are paused", count),
        Unmet.FULL: lambda: t.ngettext(
            "{count} volunteer has no room left this month", "{count} volunteers have no room left this month", count
        ),
        Unmet.NO_TIME: lambda: t.ngettext(
            "{count} volunteer has no common time", "{count} volunteers have no common time", count
        ),
    }
    return texts[cause]().format(count=count)


def languages_named(t: Translator, program: Program, codes: str) -> str:
    """Language codes ("fr, ar") as the reader names them ("French and Arabic")."""
    try:
        question = program.forms["connectee"].question("languages")
    except KeyError:  # a program whose newcomers are not asked: the codes themselves
        return codes
    return display_answer(t, question, codes.split(", "))


def reason_text(t: Translator, program: Program, reason: Reason) -> str:
    values = reason.values
    if reason.why is Why.OCCUPATION_WORDS and "words" in values:
        # The shared words are listed in the reader's own way ("software and developer", "软件和开发")
        words = format_list(str(values["words"]).split(", "), locale=babel_locale(t.language))
        return t.gettext("occupation in common: {words}").format(words=words)
    if reason.why is Why.SHARED_LANGUAGE and values.get("languages"):
        return t.gettext("shares {languages}").format(
            languages=languages_named(t, program, str(values.get("languages", "")))
        )
    if reason.why in COUNTED and "count" in values:
        return _counted(t, reason.why, int(values["count"]))
    return t.gettext(PLAIN.get(reason.why, PLAIN[Why.NEVER_MATCHED]))


def reasons_text(t: Translator, program: Program, reasons: Iterable[Reason]) -> str:
    return format_list([reason_text(t, program, reason) for reason in reasons], locale=babel_locale(t.language))


def stored_in_words(t: Translator, program: Program) -> Callable[[list[str]], str]:
    """The reasons a proposal keeps ("sector", "language:fr", "times:4") in words, listed as the
    reader's language lists; what is no reason of ours (written by hand, say) stays as it is.
    Remembers what it worded: a program's proposals share a few hundred sets of reasons."""

    @lru_cache(maxsize=4096)
    def worded(stored: tuple[str, ...]) -> str:
        read = [(text, stored_reason(text)) for text in stored]
        worded = [text if reason is None else reason_text(t, program, reason) for text, reason in read]
        return format_list(worded, locale=babel_locale(t.language))

    return lambda stored: worded(tuple(str(text) for text in stored or ()))


def left_out_text(t: Translator, left_out: Counter[Unmet]) -> str:
    """Why connectors were left out, biggest cause first: "3 connectors share no language and 1 is paused"."""
    parts = [
        _left_out(t, cause, count)
        for cause, count in sorted(left_out.items(), key=lambda item: (-item[1], list(Unmet).index(item[0])))
    ]
    return format_list(parts, locale=babel_locale(t.language)) if parts else ""
