"""The buttons of the welcome, the form and its review, and of the terms to agree to again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from handlers.core.buttons import ButtonData, Index, Name, Spelled, Ticked, YesNo


@dataclass(frozen=True)
class ChooseLanguage(ButtonData, code="lang"):
    language: Name


@dataclass(frozen=True)
class ChooseRole(ButtonData, code="role"):
    role: Name


@dataclass(frozen=True)
class AgreeToTerms(ButtonData, code="consent"):
    agreed: YesNo


@dataclass(frozen=True)
class AgreeToNewTerms(ButtonData, code="rc"):
    """The terms changed since the person agreed (handlers.intake.consent)."""

    agreed: YesNo


@dataclass(frozen=True)
class Resume(ButtonData, code="resume"):
    """Back after a while: carry on where they were, or start over."""

    carry_on: Annotated[bool, Spelled("over", "go")]


@dataclass(frozen=True)
class StartOver(ButtonData, code="over"):
    """ "Start over" asks first: really delete the answers given?"""

    confirmed: YesNo


@dataclass(frozen=True)
class StopRegistering(ButtonData, code="cancel"):
    confirmed: YesNo


@dataclass(frozen=True)
class ChooseTimeZone(ButtonData, code="tz"):
    index: Index  # in handlers.intake.status.TIME_ZONES


@dataclass(frozen=True)
class Answer(ButtonData, code="a"):
    """An option of a choice question, or a number of a number question."""

    question: Name
    value: Name


@dataclass(frozen=True)
class SkipQuestion(ButtonData, code="s"):
    question: Name


@dataclass(frozen=True)
class KeepAnswer(ButtonData, code="k"):
    """Under a question asked again (edit, /back): keep the answer it has."""

    question: Name


@dataclass(frozen=True)
class ClearAnswer(ButtonData, code="x"):
    """Under an optional question asked again: remove its answer, said in so many words (Skip keeps it)."""

    question: Name


@dataclass(frozen=True)
class Meant(ButtonData, code="dym"):
    """Yes or No to "Did you mean …?" under a typed answer that looked a little off (handlers.intake.near_misses)."""

    question: Name
    agreed: YesNo


@dataclass(frozen=True)
class OtherAnswer(ButtonData, code="o"):
    """ "Other (type it)": the answer comes as text next."""

    question: Name


@dataclass(frozen=True)
class Tick(ButtonData, code="t"):
    """Tick or untick an option of a several-choice question; says which, so a double tap cannot undo itself."""

    question: Name
    value: Name
    on: Ticked


@dataclass(frozen=True)
class DoneTicking(ButtonData, code="d"):
    question: Name


@dataclass(frozen=True)
class EditAnswer(ButtonData, code="e"):
    question: Name


@dataclass(frozen=True)
class Submit(ButtonData, code="submit"):
    pass


@dataclass(frozen=True)
class FinishEditing(ButtonData, code="edited"):
    """Done under the review of a submitted registration changed with /edit."""
