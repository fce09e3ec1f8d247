"""The follow-up questions as data, like the intake's form: one step per question, read top to bottom.

A step says what is asked (a msgid, or a function of whom it is asked when the text needs
values), how it is answered (choices on buttons, a scale of numbers on one row, or typed text
with a Skip button), under which answer key it is stored, what the answer does beyond being
stored (an effect of handlers/meetings/follow_up_effects.py) and which step follows. The interpreter in
handlers/meetings/follow_ups.py asks a step and takes its answer. Step keys and answer keys are stored in
follow-up rows and exported (docs/export.md), so they never change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

from handlers.core.model import FollowUp, Participant, Role
from handlers.core.people import name
from handlers.core.translator import N_, Translator
from handlers.intake.answers import Invalid, check_length, clean_text
from handlers.meetings.follow_up_effects import (
    Effect,
    after_no_show,
    available_again,
    meeting_happened,
    referral_added,
    referral_detail,
)

REFERRAL_LIMIT: Final = 200  # characters of a referral's name, role or organization
NEXT_STEP_LIMIT: Final = 1000
SKIP: Final = "skip"


@dataclass(frozen=True)
class Asking:
    """A question being put: to whom, about whom, on which follow-up, in the person's language."""

    person: Participant
    other: Participant
    follow_up: FollowUp
    t: Translator

    @property
    def them(self) -> str:
        return name(self.other, self.t)


@dataclass(frozen=True)
class ByRole:
    """The next step when it depends on whether a connectee or a connector answers."""

    connectee: str | None
    connector: str | None


Next = str | None | Mapping[str, str | None] | ByRole
"""The step after this one: always the same, chosen by the answer, or by the role; None: done."""


@dataclass(frozen=True)
class Step:
    """One follow-up question: what is asked, how it is answered and stored, and what follows."""

    key: str
    text: str | Callable[[Asking], str]  # a msgid, or the translated text made for whom is asked
    choices: Mapping[str, str] = field(default_factory=dict)  # value -> label msgid, a button on each row
    offered: Callable[[Asking], Mapping[str, str]] | None = None  # the buttons shown, when not all choices
    scale: tuple[str, ...] = ()  # numbers on one row, stored as a number
    typed: Callable[[str], str | Invalid] | None = None  # reads a typed answer; Skip is its button
    answer: str | None = None  # the answer key it is stored under
    effect: Effect | None = None
    then: Next = None
    thanks: bool = True  # the closing thanks when no step follows; False where the effect says its own
    said: tuple[str, str] | None = None  # the values a typed yes and a typed no choose ("لا": That's all)

    @property
    def accepts(self) -> frozenset[str]:
        """What a button of this step may carry: Skip, a number of the scale, a choice or a way on."""
        if self.typed is not None:
            return frozenset({SKIP})
        ways_on = self.then.keys() if isinstance(self.then, Mapping) else ()
        return frozenset({*self.scale, *self.choices, *ways_on})

    def ask(self, asking: Asking) -> str:
        return asking.t.gettext(self.text) if isinstance(self.text, str) else self.text(asking)

    def choices_for(self, asking: Asking) -> Mapping[str, str]:
        """The choices shown to this person: value -> label msgid."""
        return self.choices if self.offered is None else self.offered(asking)

    def after(self, answer: str | None, role: Role) -> str | None:
        """The key of the step that follows `answer`; None when the follow-up is done."""
        if isinstance(self.then, ByRole):
            return self.then.connectee if role is Role.CONNECTEE else self.then.connector
        if isinstance(self.then, Mapping):
            return self.then[answer or ""]
        return self.then


def typed_up_to(limit: int) -> Callable[[str], str | Invalid]:
    """A typed answer read as text of at most `limit` characters; an empty one asks again."""

    def read(raw: str) -> str | Invalid:
        text = clean_text(raw)
        return check_length(text, limit) if text else Invalid(N_("Please type your answer, or tap Skip."))

    return read


# ---------------------------------------------------------------- texts that need values


def _how_did_it_go(asking: Asking) -> str:
    t = asking.t
    text = t.gettext("Hello {name}! How did your meeting with {other} go? Did it take place?")
    return text.format(name=name(asking.person, t), other=asking.them)


def _referrals_so_far(asking: Asking) -> str:
    t, added = asking.t, _referrals_added(asking)
    if added == 0:
        text = t.gettext(
            "Did {name} refer you to other people? Please add each one: the program counts these connections."
        )
        return text.format(name=asking.them)
    text = t.ngettext(
        "You have added {count} contact. Did {name} refer you to anyone else?",
        "You have added {count} contacts. Did {name} refer you to anyone else?",
        added,
    )
    return text.format(count=added, name=asking.them)


def _add_or_done(asking: Asking) -> Mapping[str, str]:
    if _referrals_added(asking) == 0:
        return {"add": N_("Add a contact"), "done": N_("No one")}
    return {"add": N_("Add another contact"), "done": N_("That's all")}


def _referrals_added(asking: Asking) -> int:
    return int(asking.follow_up.answers.get("referral_count", 0))


def _next_step(asking: Asking) -> str:
    text = asking.t.gettext(
        "Last question: what is your next step? (For example: contact the people {name} suggested.)"
    )
    return text.format(name=asking.them)


def _how_many_referred(asking: Asking) -> str:
    return asking.t.gettext("How many people did you refer {name} to?").format(name=asking.them)


def _work_search(asking: Asking) -> str:
    t, days = asking.t, int(asking.follow_up.kind.removeprefix("work_"))
    text = t.ngettext(
        "Hello {name}! It has been {days} day since you met {other}. How is your work search going?",
        "Hello {name}! It has been {days} days since you met {other}. How is your work search going?",
        days,
    )
    return text.format(name=name(asking.person, t), days=days, other=asking.them)


def _sorry_they_did_not_come(asking: Asking) -> str:
    t = asking.t
    if asking.person.role is Role.CONNECTEE:
        text = t.gettext("We are sorry {name} did not come. What would you like to do?")
    else:
        text = t.gettext("We are sorry {name} did not come. Would you like to offer them another time?")
    return text.format(name=asking.them)


NO_SHOW_CHOICES: Final = {
    "again": N_("Try another time"),
    "other": N_("Meet someone else"),
    "none": N_("No, thank you"),
}


def _no_show_choices(asking: Asking) -> Mapping[str, str]:
    """A connectee may meet someone else; a connector may leave it there."""
    shown = ("again", "other") if asking.person.role is Role.CONNECTEE else ("again", "none")
    return {value: NO_SHOW_CHOICES[value] for value in shown}


# ---------------------------------------------------------------- the steps

AFTER_MEETING: Final = "happened"
"""The first question to both sides after a meeting."""
ABOUT_WORK: Final = "work"
"""The first question to the connectee weeks after a meeting that happened."""

STEPS: Final = (
    Step(
        "happened",
        _how_did_it_go,
        choices={
            "yes": N_("Yes, we met"),
            "no_show": N_("The other person did not come"),
            "rescheduled": N_("We rescheduled"),
        },
        answer="happened",
        effect=meeting_happened,
        then={"yes": "useful", "no_show": "no_show", "rescheduled": None},
    ),
    Step(
        "useful",
        N_("How useful was the conversation, from 1 (not at all) to 5 (very)?"),
        scale=("1", "2", "3", "4", "5"),
        answer="useful",
        then=ByRole(connectee="referrals", connector="referred"),
    ),
    # The connectee adds each contact they were referred to, one detail at a time. The buttons'
    # labels change once one is added, so they are offered, not choices; the one pressed is echoed
    # as its value, as it always was.
    Step(
        "referrals",
        _referrals_so_far,
        offered=_add_or_done,
        then={"add": "ref_name", "done": "next_step"},
        said=("add", "done"),
    ),
    Step(
        "ref_name",
        N_("What is the contact's name?"),
        typed=typed_up_to(REFERRAL_LIMIT),
        effect=referral_detail("name"),
        then="ref_role",
    ),
    Step(
        "ref_role",
        N_("What is their role or job title?"),
        typed=typed_up_to(REFERRAL_LIMIT),
        effect=referral_detail("role"),
        then="ref_org",
    ),
    Step(
        "ref_org",
        N_("Which organization do they work for?"),
        typed=typed_up_to(REFERRAL_LIMIT),
        effect=referral_added,
        then="referrals",
    ),
    Step("next_step", _next_step, typed=typed_up_to(NEXT_STEP_LIMIT), answer="next_step"),
    # The connector says how many people they referred the connectee to, and whether to meet another.
    Step(
        "referred",
        _how_many_referred,
        scale=("0", "1", "2", "3", "4", "5"),
        answer="referred_count",
        then="again",
    ),
    Step(
        "again",
        N_("Thank you! Would you like to meet another newcomer?"),
        choices={
            "yes": N_("Yes, gladly"),
            "not_now": N_("Not now"),
            "pause": N_("Pause me for a month"),
        },
        answer="again",
        effect=available_again,
        said=("yes", "not_now"),
    ),
    # The present side of a meeting the other missed.
    Step(
        "no_show",
        _sorry_they_did_not_come,
        choices=NO_SHOW_CHOICES,
        offered=_no_show_choices,
        answer="after_no_show",
        effect=after_no_show,
        thanks=False,
    ),
    # Weeks later, the connectee alone: work.
    Step(
        "work",
        _work_search,
        choices={
            "employed_in_field": N_("I work in my field"),
            "employed_outside_field": N_("I work outside my field"),
            "looking": N_("Still looking"),
            "studying": N_("Studying"),
            "other": N_("Other"),
        },
        answer="work",
        then="helped",
    ),
    Step(
        "helped",
        N_("Did the program help you?"),
        choices={"yes": N_("Yes"), "a_little": N_("A little"), "no": N_("No")},
        answer="helped",
        said=("yes", "no"),
    ),
)

BY_KEY: Final = {step.key: step for step in STEPS}
KEYS: Final = frozenset(BY_KEY)
TYPED: Final = frozenset(step.key for step in STEPS if step.typed is not None)
"""The steps answered by typing: a message from the person may be their answer."""


def step_named(key: str | None) -> Step | None:
    return BY_KEY.get(key or "")
