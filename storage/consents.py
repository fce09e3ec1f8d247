"""The consent texts a program shows, numbered so that a changed text is always a new version.

At start-up each form's consent text is compared with the newest one stored for its role. The
same text under the same declared version keeps its number; anything else is stored as a new
version: the program file's version if still unused, else that version with ".2", ".3"… So
editing the text and forgetting to change `version` in the program file still makes everyone who
agreed to the old words agree again, and the words each version stood for are kept.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.core.program import Program, with_consent_versions
from handlers.core.terms import consent_wording
from storage.database import inserted
from storage.tables import ConsentTextRow


async def numbered_consents(sessions: async_sessionmaker[AsyncSession], program: Program, now: datetime) -> Program:
    """The program with its consent versions as stored (at start-up, after the migrations)."""
    async with sessions() as session, session.begin():
        return with_consent_versions(program, await consent_versions(session, program, now))


async def consent_versions(session: AsyncSession, program: Program, now: datetime) -> dict[str, str]:
    """The current consent version of each role, storing a new one where the text or version changed."""
    versions = {}
    for role, form in program.forms.items():
        consent = form.consent
        wording = consent_wording(form)  # the list of what is collected, from the form, included
        digest = hashlib.sha256(wording.encode()).hexdigest()
        while True:  # a second worker starting at the same moment may store the same new version first
            rows = list(
                (
                    await session.execute(
                        select(ConsentTextRow).where(ConsentTextRow.role == role).order_by(ConsentTextRow.id)
                    )
                ).scalars()
            )
            newest = rows[-1] if rows else None
            if newest is not None and (newest.text_sha256, newest.declared_version) == (digest, consent.version):
                versions[role] = newest.version
                break
            taken = {row.version for row in rows}
            version = consent.version
            suffix = 2
            while version in taken:
                version = f"{consent.version}.{suffix}"
                suffix += 1
            row = ConsentTextRow(
                role=role,
                version=version,
                declared_version=consent.version,
                text_sha256=digest,
                text=wording,
                created_at=now,
            )
            if await inserted(session, row):
                versions[role] = version
                break
    return versions
