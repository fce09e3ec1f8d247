"""A confirmed meeting's buttons, and a follow-up question's."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core.buttons import ButtonData, Id, Name


@dataclass(frozen=True)
class OnMeeting(ButtonData, code=""):
    meeting_id: Id


@dataclass(frozen=True)
class AskToCancelMeeting(OnMeeting, code="mx"):
    pass


@dataclass(frozen=True)
class CancelMeeting(OnMeeting, code="my"):
    pass


@dataclass(frozen=True)
class KeepMeeting(OnMeeting, code="mn"):
    pass


@dataclass(frozen=True)
class RescheduleMeeting(OnMeeting, code="mr"):
    pass


@dataclass(frozen=True)
class FollowUpAnswer(ButtonData, code="fu"):
    """An answer to the open question of a follow-up (a step of handlers.meetings.follow_up_steps)."""

    follow_up_id: Id
    step: Name
    value: Name
