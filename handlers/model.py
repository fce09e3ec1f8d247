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
    SUBMITTED = "submitted"


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
