"""What a flow needs from the outside, as Protocols the storage and the runtime implement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from handlers.i18n import Translations
from handlers.model import Conversation, Participant, Role
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
        """Store the participant's role, language, status and submitted time."""

    async def delete(self, participant: Participant) -> None: ...


@dataclass
class Context:
    """Everything a flow may use while handling one event."""

    conversation: Conversation
    participants: Participants
    program: Program
    translations: Translations
    now: datetime
