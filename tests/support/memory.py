"""In-memory ports (handlers.core.ports) the flow tests share: Participants, Jobs, the coordinators' roster."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handlers.core.model import Conversation, Participant, Role, Status


class MemoryParticipants:
    def __init__(self) -> None:
        self.rows: dict[int, Participant] = {}
        self._next_id = 1

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
        participant = Participant(
            id=self._next_id,
            channel=conversation.channel,
            user_id=conversation.user_id,
            chat_id=conversation.chat_id,
            role=role,
            language=language,
            status=Status.IN_PROGRESS,
            consent_version=consent_version,
            consented_at=now,
            consent_language=consent_language or language,
            created_at=now,
            updated_at=now,
        )
        self.rows[participant.id] = participant
        self._next_id += 1
        return participant

    async def get(self, participant_id: int, *, lock: bool = False) -> Participant | None:
        return self.rows.get(participant_id)

    async def save_answer(self, participant: Participant, key: str, value: Any, now: datetime) -> None:
        participant.answers[key] = value
        participant.updated_at = now

    async def forget_answer(self, participant: Participant, key: str, now: datetime) -> None:
        participant.answers.pop(key, None)

    async def agree(self, participant: Participant, version: str, language: str, now: datetime) -> None:
        participant.consent_version, participant.consent_language, participant.consented_at = version, language, now

    async def update(self, participant: Participant, now: datetime) -> None:
        participant.updated_at = now

    async def delete(self, participant: Participant) -> None:
        self.rows.pop(participant.id, None)


@dataclass
class Job:
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]
    done: bool = False


class MemoryJobs:
    """Jobs with a due time, one per key (a second schedule of a key keeps the first), as storage/jobs.py."""

    def __init__(self) -> None:
        self.rows: dict[str, Job] = {}

    async def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any]) -> None:
        self.rows.setdefault(key, Job(kind, key, due_at, dict(payload)))

    def next_due(self, now: datetime) -> Job | None:
        """The oldest job due at `now` and not done, as the job runner claims them."""
        due = [job for job in self.rows.values() if not job.done and job.due_at <= now]
        return min(due, key=lambda job: job.due_at, default=None)  # min keeps the first scheduled of a tie


class MemoryRoster:
    """Coordinators who joined with a code: none in memory; the settings' coordinators are the Desk's."""

    async def members(self, channel: str) -> frozenset[int]:
        return frozenset()
