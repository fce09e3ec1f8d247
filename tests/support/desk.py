"""Several people talking to the front desk in memory, no database: matching, meetings and follow-ups
as fast unit tests that read like the conversations they are.

Each person is a ChatClient whose every event goes through `handlers.front_desk.handle` with an
Office of in-memory ports (tests.support.memory*), as bot/pipeline.py builds it. A message a flow
writes to someone else (an Outgoing) is on their screen at once, laid out for their language as
bot/runtime.py's `queue` has it; there is no outbox to wait for. `run_jobs` runs the jobs due as
bot/job_runner.py does, but not its recurring ones (the digest, retention, pruning): no in-memory
test needs them yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NoReturn, cast

from bot.catalogs import PROJECT_CATALOGS, Catalogs
from bot.channels import telegram_capabilities
from bot.digest_picture import DigestPictures
from handlers import timers
from handlers.core.bidi import lay_out
from handlers.core.events import Outgoing
from handlers.core.link_ports import Links
from handlers.core.model import Participant, Role, Status, Step
from handlers.core.ports import (
    CoordinatorRoster,
    Exports,
    FollowUps,
    Office,
    PersonalData,
    Reports,
    RetentionRecords,
    TeamMessages,
)
from handlers.core.program import Program, load_program
from handlers.core.quoting import settled
from tests.support.chat import CHANNEL, ChatClient
from tests.support.clock import NOW
from tests.support.memory import MemoryJobs, MemoryParticipants, MemoryRoster
from tests.support.memory_follow_ups import MemoryFollowUps
from tests.support.memory_matching import MemoryMatchmaking


class Missing:
    """A port the desk has no fake of: using it fails and says which (write a fake when a test needs it)."""

    def __init__(self, port: str) -> None:
        self._port = port

    def __getattr__(self, method: str) -> NoReturn:
        raise AssertionError(f"the in-memory desk has no {self._port} port ({method}): add a fake for it")


class Desk:
    def __init__(
        self,
        *,
        program: Program | None = None,
        now: datetime = NOW,
        coordinators: Iterable[int] = (),
        catalogs: Catalogs = PROJECT_CATALOGS,
    ) -> None:
        self.program = program or load_program()
        self.now = now
        self.catalogs = catalogs
        self.coordinators = frozenset(coordinators)  # as FRONTDOOR_COORDINATORS names them
        self.capabilities = telegram_capabilities.capabilities(bot_username="frontdoor_test_bot")
        self.people: dict[int, ChatClient] = {}
        self.participants = MemoryParticipants()
        self.matchmaking = MemoryMatchmaking(self.participants, self._language_of)
        self.jobs = MemoryJobs()
        self.follow_ups = MemoryFollowUps()
        self.roster = MemoryRoster()

    def person(self, user_id: int, language: str = "en") -> ChatClient:
        """Someone opening the chat, their app in `language`."""
        self.people[user_id] = ChatClient(
            language_code=language,
            user_id=user_id,
            program=self.program,
            participants=self.participants,
            catalogs=self.catalogs,
            capabilities=self.capabilities,
            desk=self,
        )
        return self.people[user_id]

    async def registered(self, chat: ChatClient, role: str, answers: dict[str, Any]) -> Participant:
        """The short way past an intake: what a submitted one leaves (the registration with these
        answers, waiting for review, and the conversation done), without asking its questions."""
        conversation = chat.conversation
        conversation.language, conversation.role = chat.language_code or self.program.default_language, Role(role)
        participant = await self.participants.create(
            conversation,
            role=Role(role),
            language=conversation.language,
            consent_version=self.program.forms[role].consent.version,
            now=self.now,
        )
        participant.answers = dict(answers)
        participant.status, participant.submitted_at = Status.SUBMITTED, self.now
        await self.participants.update(participant, self.now)
        conversation.participant_id, conversation.step = participant.id, Step.DONE
        return participant

    def office(self) -> Office:
        """The ports a flow is given, as bot/runtime.py's `Runtime.office` (the partial fakes cast: they
        hold only what the flows under test call)."""
        return Office(
            participants=self.participants,
            matchmaking=self.matchmaking,
            jobs=self.jobs,
            program=self.program,
            translations=self.catalogs.translator,
            now=self.now,
            named_coordinators=self.coordinators,
            channel=CHANNEL,
            follow_ups=cast(FollowUps, self.follow_ups),
            reports=cast(Reports, Missing("Reports")),
            roster=cast(CoordinatorRoster, self.roster),
            exports=cast(Exports, Missing("Exports")),
            personal_data=cast(PersonalData, Missing("PersonalData")),
            retention=cast(RetentionRecords, Missing("RetentionRecords")),
            capabilities=self.capabilities,
            team_messages=cast(TeamMessages, Missing("TeamMessages")),
            pictures=DigestPictures(),
            links=cast(Links, Missing("Links")),
        )

    def deliver(self, messages: list[Outgoing]) -> None:
        """Messages to others onto their screens, each laid out for its reader (bot/runtime.py's queue)."""
        for message in messages:
            reader = self.people.get(message.chat_id) or self.person(message.chat_id)
            reader.show(settled(lay_out(message.reply, message.language)))

    async def run_jobs(self, at: datetime) -> None:
        """The clock moves to `at`; every job due then runs, oldest first, jobs it schedules for then too."""
        self.now = at
        while (job := self.jobs.next_due(at)) is not None:
            job.done = True
            self.deliver(await timers.run(job.kind, job.payload, self.office()))

    def _language_of(self, user_id: int) -> str | None:
        chat = self.people.get(user_id)
        return chat.conversation.language if chat else None
