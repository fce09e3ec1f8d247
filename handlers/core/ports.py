"""What a flow needs from the outside, as Protocols the storage and the runtime implement."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from handlers.core.channel import Capabilities
from handlers.core.link_ports import Links
from handlers.core.model import (
    Conversation,
    Erasure,
    FollowUp,
    Meeting,
    Participant,
    Proposal,
    Referral,
    Role,
    TeamMessage,
)
from handlers.core.program import Program
from handlers.core.translator import Translations


class Participants(Protocol):
    """Registrations. Implementations never commit: the unit of work does, once per update."""

    async def create(
        self,
        conversation: Conversation,
        *,
        role: Role,
        language: str,
        consent_version: str,
        now: datetime,
        consent_language: str | None = None,
    ) -> Participant:
        """A participant who agreed to `consent_version`, read in `consent_language` (None: in `language`)."""

    async def get(self, participant_id: int, *, lock: bool = False) -> Participant | None:
        """`lock`: read as it is now, and held until the commit, for a decision about them that someone
        else (another coordinator) may be making at the same moment."""

    async def save_answer(self, participant: Participant, key: str, value: Any, now: datetime) -> None: ...

    async def forget_answer(self, participant: Participant, key: str, now: datetime) -> None: ...

    async def update(self, participant: Participant, now: datetime) -> None:
        """Store the participant's role, language, status, dates and time zone."""

    async def agree(self, participant: Participant, version: str, language: str, now: datetime) -> None:
        """Record their agreement to consent text `version` shown in `language` (earlier ones stay on record)."""

    async def delete(self, participant: Participant) -> None: ...


@dataclass
class Context:
    """Everything a conversation flow may use while handling one event.

    `submitted` is set by the flow when this event submitted a registration, for what follows it;
    `edited`, when it closed a change to a submitted one (/edit): the keys of the answers changed.
    `meeting_agreed` is set by the front desk before the flow, for /status: the person has a meeting
    agreed (to come or held), so nobody is looked for them any more and /edit is closed.
    """

    conversation: Conversation
    participants: Participants
    program: Program
    translations: Translations
    now: datetime
    capabilities: Capabilities  # of the channel the event came from
    submitted: int | None = None
    edited: tuple[str, ...] | None = None
    meeting_agreed: bool = False


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

    async def waiting_connectees(
        self, limit: int, now: datetime, *, after: tuple[datetime, int] | None = None
    ) -> list[Participant]:
        """Approved connectees with no open or confirmed proposal, not paused and not held after a missed
        meeting, longest waiting first (by approval, then id); `after`: those after this (reviewed_at, id)."""

    async def connectors_for(
        self, connectee_id: int, month_start: datetime, now: datetime, *, only: int | None = None
    ) -> list[ConnectorRecord]:
        """Every approved connector (or only the one with id `only`) with what matching needs about them."""

    async def connectors(self, month_start: datetime, now: datetime) -> list[ConnectorRecord]:
        """Every approved connector as connectors_for has them, but for no connectee (met_before False)."""

    async def proposed_before(self, connectee_ids: list[int]) -> dict[int, set[int]]:
        """For each of these connectees, the connectors ever proposed to them, whatever came of it."""

    async def create_proposal(
        self, connectee_id: int, connector_id: int, reasons: list[str], now: datetime
    ) -> Proposal: ...

    async def proposal(self, match_id: int, *, lock: bool = False) -> Proposal | None: ...

    async def save_proposal(self, proposal: Proposal, now: datetime) -> None: ...

    async def current_proposals(self, participant_id: int, role: Role) -> list[Proposal]:
        """The participant's open or confirmed proposals, newest first."""

    async def hold(self, proposal: Proposal, starts: list[datetime], minutes: int) -> list[datetime]:
        """Put slots on hold for this proposal; those another proposal took meanwhile are left out."""

    async def release(self, match_id: int) -> None:
        """Drop every hold of this proposal."""

    async def book(
        self, proposal: Proposal, start: datetime, end: datetime, mode: str, now: datetime
    ) -> Meeting | None:
        """A scheduled meeting, or None when that connector already has one at that time."""

    async def meeting(self, meeting_id: int, *, lock: bool = False) -> Meeting | None: ...

    async def scheduled_meeting(self, match_id: int) -> Meeting | None: ...

    async def save_meeting(self, meeting: Meeting, now: datetime) -> None: ...

    async def language_of(self, channel: str, user_id: int) -> str | None:
        """The language someone chose in the chat (for coordinators, who need not register)."""

    async def time_zone_of(self, channel: str, user_id: int) -> str | None:
        """The time zone someone chose with /timezone, if they registered (coordinators need not)."""


class Jobs(Protocol):
    """Work with a due time (nudges, expiries, reminders), run by the job runner once each."""

    async def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any]) -> None:
        """Add a job; a job with the same key already there is kept as it is."""


class FollowUps(Protocol):
    """Follow-ups after meetings and the referrals they record. Never commits."""

    async def start(
        self, meeting: Meeting, person: Participant, kind: str, step: str, now: datetime
    ) -> FollowUp | None:
        """A new follow-up at `step`; None when this person already has this kind for this meeting."""

    async def get(self, follow_up_id: int, *, lock: bool = False) -> FollowUp | None: ...

    async def save(self, follow_up: FollowUp, now: datetime) -> None: ...

    async def awaiting_text(self, participant_id: int, steps: frozenset[str]) -> FollowUp | None:
        """The person's newest open follow-up whose open question is one of `steps` (typed answers)."""

    async def add_referral(
        self,
        follow_up: FollowUp,
        meeting: Meeting,
        name: str | None,
        role: str | None,
        organization: str | None,
        now: datetime,
    ) -> Referral: ...

    async def referral_by_code(self, code: str) -> Referral | None: ...

    async def invitee_opened(self, referral_id: int, user_id: int) -> None:
        """Someone opened the personal link (the first one to open it counts)."""

    async def invitee_registered(self, user_id: int, participant_id: int) -> None:
        """A registration by someone who opened a referral link: record who registered through it."""


class TeamMessages(Protocol):
    """What people wrote to the program's team (/contact) and the team's answers. Never commits."""

    async def add(self, conversation: Conversation, text: str, now: datetime) -> TeamMessage:
        """A person's message to the team, from this chat; it gets its number."""

    async def get(self, message_id: int) -> TeamMessage | None: ...

    async def answered(self, message: TeamMessage, text: str, now: datetime) -> None:
        """The team's answer to `message`, kept with it (the person's data as much as their question)."""


@dataclass(frozen=True)
class DigestWindow:
    """The moments a digest counts from: what is new `since`, meetings until `soon_until`, what is late."""

    since: datetime
    now: datetime
    soon_until: datetime  # the end of tomorrow, in the program's time zone
    stale_before: datetime  # a proposal not answered since then is late
    overdue_before: datetime  # a follow-up nudged before then and still not answered is overdue
    waiting_before: datetime  # a connectee waiting for a connector since before then waits too long


@dataclass
class DigestFigures:
    """What a coordinator's digest reports. The lists hold the first few; the counts say how many in all."""

    registered: dict[Role, int]
    waiting_review: int
    review_waiting: list[Participant]  # the applications waiting longest
    unanswered_proposals: list[tuple[Proposal, Participant, Participant]]  # no answer for over the nudge time
    unanswered_count: int
    meetings_soon: list[tuple[Meeting, Participant, Participant]]  # today and tomorrow, program's time
    soon_count: int
    overdue_follow_ups: list[tuple[FollowUp, Participant]]  # nudged and still not answered
    overdue_count: int
    waiting_connectees: int  # approved, no connector free for them
    meetings_held: int
    no_shows: int
    referrals: int
    jobs: int
    unreachable: list[Participant]  # the bot cannot write to them (they blocked it)
    unreachable_count: int
    long_waiting: list[Participant]  # waiting for a connector since before `waiting_before`, longest first
    long_waiting_count: int
    missed_meeting: list[Participant]  # held from matching after a missed meeting, until they or a coordinator ask
    missed_meeting_count: int


@dataclass(frozen=True)
class Funnel:
    """Newcomers at each step of the program in a period, each counted once a step: registered,
    approved, proposed a meeting, met (held), referred to a contact, reported work."""

    registered: int
    approved: int
    proposed: int
    met: int
    referred: int
    found_work: int


@dataclass(frozen=True)
class HeldMessages:
    """People with messages held until they write again (a channel's reply window closed): how many,
    and for each (template kind, language) a held message would go as, how many of them."""

    people: int
    by_template: dict[tuple[str, str], int]


class Reports(Protocol):
    """What coordinators read: the digest's figures and a search."""

    async def digest(self, window: DigestWindow) -> DigestFigures: ...

    async def held(self) -> HeldMessages:
        """The messages held outside people's reply windows, on every channel."""

    async def funnel(self, since: datetime, until: datetime) -> Funnel: ...

    async def waiting_days(self, day: str, waiting: int, first: str) -> list[tuple[str, int]]:
        """Keep `waiting` as `day`'s count (the day's latest), and return the counts kept from `first`
        to `day` (ISO dates), oldest first."""

    async def find(self, text: str, limit: int) -> list[Participant]:
        """Participants whose id, name, occupation, job title, organization, e-mail or phone contains `text`."""


class CoordinatorRoster(Protocol):
    """Coordinators who joined with a one-time code, the daily digests they were sent, and the audit of
    every /find and export."""

    async def members(self, channel: str) -> frozenset[int]: ...

    async def redeem(self, channel: str, user_id: int, code: str, now: datetime) -> bool:
        """Make `user_id` a coordinator if `code` is an unused, unexpired invitation (then used up)."""

    async def remove(self, channel: str, user_id: int) -> bool:
        """End the coordinator access `user_id` had by code (revoked, or their own /delete); False: had none."""

    async def record(self, channel: str, user_id: int, action: str, detail: str, records: int, now: datetime) -> None:
        """Audit a /find or an export: what (`detail`: the search's kind or the format) and how many
        participants' records it showed; never the search words or whose records."""

    async def last_digest(self, channel: str, user_id: int) -> datetime | None: ...

    async def digest_sent(self, channel: str, user_id: int, day: str, now: datetime) -> bool:
        """Record today's digest for this coordinator; False when it was recorded already (then don't send)."""

    async def digest_picture(self, channel: str, user_id: int) -> bool:
        """Whether this coordinator gets the digest's picture (yes, unless they turned it off)."""

    async def choose_digest_picture(self, channel: str, user_id: int, wanted: bool) -> None:
        """/digest picture on|off."""


@dataclass(frozen=True)
class Chart:
    """The digest's picture as words and numbers, all in the reader's language: the week's funnel
    (each step's label, count, and count as written) and the waiting list day by day."""

    language: str
    title: str
    steps: tuple[tuple[str, int, str], ...]
    trend_title: str
    trend: tuple[tuple[str, int, str], ...]  # a day's label, how many waited, as written; oldest first


class Pictures(Protocol):
    """Draws the digest's picture. A port, because which fonts draw which script is the machine's fact."""

    def draw(self, chart: Chart) -> bytes | None:
        """A PNG of `chart`, or None when no font here draws its language (then the digest goes as text)."""


class Exports(Protocol):
    """The funders' figures, for coordinators in chat (the export's files are made by the job runner)."""

    async def summary(self, since: datetime | None, until: datetime | None) -> dict[str, int]:
        """The funders' counts for a period: connectees, connectors, meetings_held, referrals, jobs_reported."""


class PersonalData(Protocol):
    """A person's own records, to show them and to erase them. Never commits."""

    async def everything(self, channel: str, user_id: int, participant_id: int | None) -> dict[str, Any]:
        """Every record about this person, ready for JSON but for its dates (datetimes)."""

    async def erase(self, participant_id: int, reason: Erasure, now: datetime) -> None:
        """Erase their personal data; an anonymous record stays for the program's counts."""

    async def forget_chat(self, channel: str, user_id: int, chat_id: int) -> None:
        """Erase what a chat kept without a registration: its conversation, messages, failed updates,
        a coordinator's access and digests."""

    async def prune(self, now: datetime) -> dict[str, int]:
        """Drop what served only delivery and bookkeeping once old; how many rows, by table."""

    async def inactive(self, before: datetime, limit: int) -> list[int]:
        """Participants not erased and not active since `before`, oldest first."""

    async def erased(self, since: datetime) -> dict[Erasure, int]:
        """How many were erased since `since`, by reason."""


class RetentionRecords(Protocol):
    """What retention checks before it anonymizes anyone (handlers.privacy.retention). Never commits."""

    async def newest_activity(self) -> datetime | None:
        """The newest time written by a person's message or by a job on record; None on an empty database."""

    async def remaining(self) -> int:
        """Participants not anonymized yet (the program that one run may take a share of)."""


@dataclass
class Office:
    """What the program-wide flows use: matching, meetings, coordinators, timers."""

    participants: Participants
    matchmaking: Matchmaking
    jobs: Jobs
    program: Program
    translations: Translations
    now: datetime
    named_coordinators: frozenset[int]  # in the settings (FRONTDOOR_COORDINATORS); people.coordinator_ids: all of them
    channel: str  # where coordinators are reached
    follow_ups: FollowUps
    reports: Reports
    roster: CoordinatorRoster
    exports: Exports
    personal_data: PersonalData
    retention: RetentionRecords
    capabilities: Capabilities  # of `channel`
    team_messages: TeamMessages
    pictures: Pictures
    links: Links  # a person's two doors made one (handlers.intake.linking)
    # The coordinators' own channel when `channel` is another door (a person on WhatsApp acted), and the
    # ids the settings name there: told too, on it (people.coordinator_seats); "" when `channel` is theirs.
    coordinators_channel: str = ""
    named_on_coordinators_channel: frozenset[int] = frozenset()
