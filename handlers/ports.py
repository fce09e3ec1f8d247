"""What a flow needs from the outside, as Protocols the storage and the runtime implement."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from handlers.i18n import Translations
from handlers.model import Conversation, Match, Meeting, Participant, Role
from handlers.program import Program


class Participants(Protocol):
    """Registrations. Implementations never commit: the unit of work does, once per update."""

    async def create(
        self, conversation: Conversation, *, role: Role, language: str, consent_version: str, now: datetime
    ) -> Participant: ...

    async def get(self, participant_id: int) -> Participant | None: ...

    async def save_answer(self, participant: Participant, key: str, value: Any, now: datetime) -> None: ...

    async def forget_answer(self, participant: Participant, key: str, now: datetime) -> None: ...

    async def update(self, participant: Participant, now: datetime) -> None:
        """Store the participant's role, language, status, dates and time zone."""

    async def delete(self, participant: Participant) -> None: ...


@dataclass
class Context:
    """Everything a conversation flow may use while handling one event.

    `submitted` is set by the flow when this event submitted a registration, for what follows it.
    """

    conversation: Conversation
    participants: Participants
    program: Program
    translations: Translations
    now: datetime
    submitted: int | None = None


@dataclass
class ConnectorRecord:
    """An approved connector as matching needs them, loaded for many at once (no query per connector)."""

    participant: Participant
    used_this_month: int  # proposals open or confirmed since the month began
    last_matched_at: datetime | None
    met_before: bool  # any earlier proposal with the connectee in question
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)  # meetings and holds ahead


class Matchmaking(Protocol):
    """Applications, proposals, slot holds and meetings. Never commits."""

    async def applications(self, limit: int) -> tuple[list[Participant], int]:
        """Submitted registrations waiting for review, oldest first, and how many there are."""

    async def waiting_connectees(self, limit: int) -> list[Participant]:
        """Approved connectees with no open or confirmed proposal, longest waiting first."""

    async def connectors_for(
        self, connectee_id: int, month_start: datetime, now: datetime, *, only: int | None = None
    ) -> list[ConnectorRecord]:
        """Every approved connector (or only the one with id `only`) with what matching needs about them."""

    async def create_match(self, connectee_id: int, connector_id: int, reasons: list[str], now: datetime) -> Match: ...

    async def match(self, match_id: int, *, lock: bool = False) -> Match | None: ...

    async def save_match(self, match: Match, now: datetime) -> None: ...

    async def current_match(self, participant_id: int, role: Role) -> list[Match]:
        """The participant's open or confirmed proposals, newest first."""

    async def hold(self, match: Match, starts: list[datetime], minutes: int) -> list[datetime]:
        """Put slots on hold for this proposal; those another proposal took meanwhile are left out."""

    async def release(self, match_id: int) -> None:
        """Drop every hold of this proposal."""

    async def book(self, match: Match, start: datetime, end: datetime, mode: str, now: datetime) -> Meeting | None:
        """A scheduled meeting, or None when that connector already has one at that time."""

    async def meeting(self, meeting_id: int, *, lock: bool = False) -> Meeting | None: ...

    async def scheduled_meeting(self, match_id: int) -> Meeting | None: ...

    async def save_meeting(self, meeting: Meeting, now: datetime) -> None: ...

    async def language_of(self, channel: str, user_id: int) -> str | None:
        """The language someone chose in the chat (for coordinators, who need not register)."""


class Jobs(Protocol):
    """Work with a due time (nudges, expiries, reminders), run by the job runner once each."""

    async def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any]) -> None:
        """Add a job; a job with the same key already there is kept as it is."""


@dataclass
class Office:
    """What the program-wide flows use: matching, meetings, coordinators, timers."""

    participants: Participants
    matchmaking: Matchmaking
    jobs: Jobs
    program: Program
    translations: Translations
    now: datetime
    coordinators: frozenset[int]
    channel: str  # where coordinators are reached
