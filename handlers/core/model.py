"""The records a conversation works on: the person's conversation state and their registration."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Step(StrEnum):
    """Where a conversation stands."""

    IDLE = "idle"  # nothing under way
    LANGUAGE = "language"
    ROLE = "role"
    CONSENT = "consent"
    QUESTION = "question"  # a form question is open (Conversation.question)
    OTHER = "other"  # "Other" was chosen: waiting for the typed answer
    REVIEW = "review"
    RESUME = "resume"  # /start during an intake: continue or start over?
    CANCEL = "cancel"  # /cancel during an intake: really delete the answers?
    DONE = "done"


class Role(StrEnum):
    CONNECTEE = "connectee"
    CONNECTOR = "connector"


class Status(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"  # waiting for a coordinator's review
    APPROVED = "approved"  # may be matched
    DECLINED = "declined"  # a coordinator declined the application
    ERASED = "erased"  # personal data erased; an anonymous record is kept for the program's counts


class Erasure(StrEnum):
    """Why a participant's personal data was erased."""

    REQUEST = "request"  # they sent /delete
    COORDINATOR = "coordinator"  # `frontdoor erase`, for a request made by other means
    RETENTION = "retention"  # inactive for longer than the program keeps data


@dataclass
class Conversation:
    """One person's place in the conversation, kept between updates and restarts."""

    channel: str
    user_id: int
    chat_id: int
    language: str | None = None
    step: Step = Step.IDLE
    role: Role | None = None
    participant_id: int | None = None
    question: str | None = None  # the open question's key
    history: list[str] = field(default_factory=list)  # keys asked, oldest first, for /back
    pending: list[str] = field(default_factory=list)  # ticked options not yet confirmed with Done
    editing: bool = False  # the open question came from the review screen
    paused_step: Step | None = None  # what RESUME / CANCEL / LANGUAGE interrupted
    writing_to_team: bool = False  # after /contact: their next message goes to the coordinators


@dataclass
class Participant:
    """A registration: who, in which role and language, consent, and every answer by question key."""

    id: int
    channel: str
    user_id: int
    chat_id: int
    role: Role
    language: str
    status: Status
    consent_version: str
    consented_at: datetime
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    time_zone: str | None = None  # their own, for video or phone meetings; None = the program's
    reviewed_at: datetime | None = None
    paused_until: datetime | None = None  # a connector on a break is not matched until then
    # Since when a connectee waits with no proposal, told so once (or their suggestions shown to coordinators).
    unmatched_since: datetime | None = None
    unreachable_since: datetime | None = None  # the channel said they blocked the bot
    # A connectee who did not come to a meeting: not matched again until they ask to be (the kind note's
    # button) or a coordinator /matches them.
    missed_meeting_at: datetime | None = None
    consent_language: str | None = None  # the language of the consent text they agreed to

    @property
    def first_name(self) -> str:
        name = str(self.answers.get("name") or "").strip()
        return name.split()[0] if name else ""


class ProposalStatus(StrEnum):
    """Where a proposal between one connectee and one connector stands."""

    OFFERED = "offered"  # waiting for the connector: pick a slot, or agree to the connectee's choice
    PROPOSED = "proposed"  # the connector picked a slot; waiting for the connectee
    CONFIRMED = "confirmed"  # both agreed: a meeting exists
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @property
    def open(self) -> bool:
        return self in (ProposalStatus.OFFERED, ProposalStatus.PROPOSED)


@dataclass
class Proposal:
    """A proposal: the slots held for it, the one on the table and who put it there.

    `version` grows at every turn so that buttons and timers of an earlier turn expire.
    """

    id: int
    connectee_id: int
    connector_id: int
    status: ProposalStatus
    slots: list[datetime]
    created_at: datetime
    updated_at: datetime
    version: int = 1
    slot: datetime | None = None  # the slot on the table
    asked_by: Role | None = None  # who put `slot` on the table
    reasons: list[str] = field(default_factory=list)
    ended_by: Role | None = None


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"  # replaced by a new proposal between the same two people


@dataclass
class Meeting:
    id: int
    match_id: int
    connectee_id: int
    connector_id: int
    starts_at: datetime
    ends_at: datetime
    mode: str
    status: MeetingStatus
    outcome: MeetingOutcome | None = None  # from the first follow-up answer
    absent_id: int | None = None  # who did not come, for a no-show


class MeetingOutcome(StrEnum):
    HELD = "held"
    NO_SHOW = "no_show"


MEETING_FOLLOW_UP = "meeting"  # the kind of follow-up right after a meeting, to both sides


def work_follow_up(days: int) -> str:
    """The kind of follow-up that asks the connectee about work `days` after the meeting."""
    return f"work_{days}"


class FollowUpStatus(StrEnum):
    ASKED = "asked"
    DONE = "done"


@dataclass
class FollowUp:
    """Questions to one person after one meeting; `step` is the open question, `answers` what they said.

    Answer keys (stable, they are exported): happened (yes | no_show | rescheduled), useful (1-5),
    next_step (text), referred_count (a number), again (yes | not_now | pause),
    work (employed_in_field | employed_outside_field | looking | studying | other), helped (yes | a_little | no).
    """

    id: int
    meeting_id: int
    participant_id: int
    role: Role
    kind: str  # MEETING_FOLLOW_UP or work_follow_up(days)
    status: FollowUpStatus
    step: str | None
    answers: dict[str, Any]
    asked_at: datetime
    nudged_at: datetime | None = None
    answered_at: datetime | None = None


@dataclass
class Referral:
    """A contact the connector referred the connectee to; `invite_code` is for their personal link."""

    id: int
    meeting_id: int
    connectee_id: int
    connector_id: int
    name: str | None
    role: str | None
    organization: str | None
    invite_code: str


@dataclass(frozen=True)
class TeamMessage:
    """A message a person wrote to the program's team with /contact (personal data: /mydata, /delete,
    retention). `chat_id` and `language` are where and how the team's answer reaches them."""

    id: int
    channel: str
    user_id: int
    chat_id: int
    participant_id: int | None  # None: someone not registered
    language: str
    text: str
    created_at: datetime
