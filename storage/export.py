"""Exports for coordinators and funders, streamed so memory stays flat however many records."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import AnswerRow, ParticipantRow

STREAM_BATCH = 1000


async def participant_records(session: AsyncSession) -> AsyncIterator[dict[str, Any]]:
    """Every participant with answers by question key, in id order, one at a time."""
    query = (
        select(ParticipantRow, AnswerRow.question_key, AnswerRow.value)
        .outerjoin(AnswerRow, AnswerRow.participant_id == ParticipantRow.id)
        .order_by(ParticipantRow.id, AnswerRow.question_key)
        .execution_options(yield_per=STREAM_BATCH)
    )
    current: dict[str, Any] | None = None
    result = await session.stream(query)
    async for participant, key, value in result:
        if current is None or current["id"] != participant.id:
            if current is not None:
                yield current
            current = {
                "id": participant.id,
                "role": participant.role,
                "status": participant.status,
                "language": participant.language,
                "consent_version": participant.consent_version,
                "consented_at": _iso(participant.consented_at),
                "submitted_at": _iso(participant.submitted_at),
                "created_at": _iso(participant.created_at),
                "updated_at": _iso(participant.updated_at),
                "answers": {},
            }
        if key is not None:
            current["answers"][key] = value
    if current is not None:
        yield current


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def write_json(session: AsyncSession, out: IO[str], exported_at: datetime) -> int:
    """Write {"exported_at", "participants": [...]} record by record; returns how many."""
    out.write(f'{{"exported_at": {json.dumps(exported_at.isoformat())}, "participants": [')
    count = 0
    async for record in participant_records(session):
        out.write(("\n  " if count == 0 else ",\n  ") + json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count
