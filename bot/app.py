"""The composition root: the one module that knows the channels, the conversation and the storage.

`Frontdoor.handle` is the one-transaction-per-update pipeline of DESIGN.md: lock the person's
conversation, skip an update already seen, run the flow, store the conversation, the answers
and every reply (the outbox) together, commit. The caller sends the replies after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import i18n
from bot.config import Settings
from handlers import conversation as conversation_flow
from handlers.events import Event, Reply, reply_to_payload
from handlers.ports import Context
from handlers.program import Program, load_program
from storage.database import open_engine, session_factory, upgrade
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class Handled:
    """What one event produced, committed: the replies, their outbox ids, a toast for a button."""

    replies: list[Reply] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    notice: str | None = None
    duplicate: bool = False


class Frontdoor:
    def __init__(
        self,
        program: Program,
        engine: AsyncEngine,
        *,
        catalogs: i18n.Catalogs = i18n.PROJECT_CATALOGS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.program = program
        self.engine = engine
        self.catalogs = catalogs
        self.sessions = session_factory(engine)
        self.clock = clock

    async def handle(self, channel: str, event: Event) -> Handled:
        now = self.clock()
        async with UnitOfWork(self.sessions) as uow:
            conversation = await uow.conversations.lock(channel, event.user_id, event.chat_id, now)
            if await uow.processed_updates.seen(channel, event.update_id):
                log.info("update %s of user %s already handled", event.update_id, event.user_id)
                return Handled(duplicate=True)
            context = Context(
                conversation=conversation,
                participants=uow.participants,
                program=self.program,
                translations=self.catalogs.translator,
                now=now,
            )
            outcome = await conversation_flow.handle(event, context)
            await uow.conversations.save(conversation, now)
            await uow.processed_updates.remember(channel, event.update_id, now)
            payloads = [reply_to_payload(reply, edit_message_id=event.message_id) for reply in outcome.replies]
            ids = await uow.outbox.add(channel, event.chat_id, payloads, now) if payloads else []
            await uow.commit()
        return Handled(replies=outcome.replies, outbox_ids=ids, notice=outcome.notice)

    async def mark_sent(self, outbox_ids: list[int]) -> None:
        """For channels that show replies themselves (the terminal): nothing is left to send."""
        async with UnitOfWork(self.sessions) as uow:
            for outbox_id in outbox_ids:
                await uow.outbox.mark_sent(outbox_id, self.clock())
            await uow.commit()

    async def close(self) -> None:
        await self.engine.dispose()


async def build(settings: Settings, *, migrate: bool = True) -> Frontdoor:
    """Load the program (a broken file raises ProgramError), open and upgrade the database."""
    program = load_program(settings.program_file)
    catalogs = i18n.Catalogs(settings.locales_dir) if settings.locales_dir else i18n.PROJECT_CATALOGS
    for language in program.languages:
        catalogs.compile(language)
    engine = open_engine(settings.database_url)
    if migrate:
        await upgrade(engine)
    return Frontdoor(program, engine, catalogs=catalogs)
