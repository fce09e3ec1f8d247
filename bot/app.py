"""The composition root: the one module that knows the channels, the conversation and the storage.

`build` wires them; `Frontdoor` is what the CLI, bot.serve, the tests and the benchmarks hold:
the runtime's state (bot.runtime) and, behind one plain call each, the update pipeline
(bot.pipeline: one update, one transaction), the job runner (bot.job_runner) and the operator's
commands (bot.operations).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import program_check
from bot.catalogs import PROJECT_CATALOGS, Catalogs
from bot.channels import TELEGRAM, WHATSAPP, telegram_capabilities, terminal, whatsapp_capabilities
from bot.config import Settings, SettingsError
from bot.export_process import ExportProcess
from bot.flood import Allowance
from bot.job_runner import JobRunner, JobsRun
from bot.operations import Operations
from bot.pipeline import Batch, Handled, Lease, Pipeline, Received
from bot.runtime import Runtime
from handlers.core.channel import Capabilities
from handlers.core.events import Event, Reply
from handlers.core.program import DEFAULT_PROGRAM_FILE, Program, ProgramError, load_program, question_keys
from handlers.intake.screens import check_buttons
from handlers.privacy import retention
from storage.consents import numbered_consents
from storage.database import DatabaseUnavailable, open_engine, session_factory, upgrade

POSTGRESQL_POOL: Final = 15  # a worker's connections at most: SQLAlchemy's default 5 + 10, all kept

# What a caller of the facade gets back, importable from here as before the split.
__all__ = ["Batch", "Frontdoor", "Handled", "JobsRun", "Lease", "Received", "build", "declared_capabilities"]


def declared_capabilities() -> dict[str, Capabilities]:
    """Each channel's capabilities as it declares them; Telegram's deep links wait for the bot's name
    (bot.serve sets them once getMe told it). Every channel's, whichever door this process serves:
    a job run by the Telegram worker writes to a WhatsApp person in WhatsApp's shapes."""
    return {
        TELEGRAM: telegram_capabilities.capabilities(bot_username=None),
        WHATSAPP: whatsapp_capabilities.capabilities(),
        terminal.CHANNEL: terminal.CAPABILITIES,
    }


class Frontdoor(Runtime):
    """The program as its callers hold it; each method below is one plain call into the module that does it."""

    def __init__(
        self,
        program: Program,
        engine: AsyncEngine,
        *,
        catalogs: Catalogs = PROJECT_CATALOGS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        coordinators: frozenset[int] = frozenset(),
        exports: ExportProcess | None = None,
        allowance: Allowance | None = None,
    ) -> None:
        url = engine.url.render_as_string(hide_password=False)
        super().__init__(
            program,
            engine,
            catalogs=catalogs,
            clock=clock,
            coordinators=coordinators,
            exports=exports
            or ExportProcess(url, question_keys(program), program_file=program.source, locales=str(catalogs.locales)),
            capabilities=declared_capabilities(),
        )
        # How fast one person's updates are taken in: weighed by the channel's Incoming as they arrive.
        self.allowance = allowance if allowance is not None else Allowance()
        self.pipeline = Pipeline(self)
        self.job_runner = JobRunner(self)
        self.operations = Operations(self)

    async def handle(self, channel: str, event: Event) -> Handled:
        """Handle an event at once (the terminal, the tests), in its own transaction."""
        return await self.pipeline.handle(channel, event)

    async def receive(self, channel: str, event: Event, answer_id: str | None = None) -> bool:
        """Store an update as it arrives, before the channel confirms it; `handle_waiting` handles it.

        `answer_id` is the pressed button's query, answered with the toast once handled.
        False: this update was here already (Telegram sent it again).
        """
        stored, _ = await self.receive_all(channel, [(event, answer_id)])
        return stored == 1

    async def receive_all(
        self, channel: str, updates: list[tuple[Event, str | None]], *, handle: int = 0, lease: Lease | None = None
    ) -> tuple[int, Batch]:
        """Store updates that arrived together, and handle up to `handle` people's oldest with them."""
        return await self.pipeline.receive_all(channel, updates, handle=handle, lease=lease)

    async def handle_waiting(self, channel: str, limit: int, lease: Lease | None = None) -> Batch:
        """Handle up to `limit` people's oldest stored updates, in one transaction when none fails."""
        return await self.pipeline.handle_waiting(channel, limit, lease)

    async def handle_next(self, channel: str) -> Received | None:
        """Handle one stored update, a person's oldest; None: none due."""
        return await self.pipeline.handle_next(channel)

    async def run_jobs(self, channel: str, now: datetime | None = None, *, leave: Collection[str] = ()) -> JobsRun:
        """Run every job due at `now` (default: the clock; a pretended `now` leaves retention), but those
        of the kinds `leave`."""
        return await self.job_runner.run(channel, now, leave=leave)

    async def dry_run(self) -> list[str]:
        return await self.operations.dry_run()

    async def digest_preview(self, channel: str) -> str:
        return await self.operations.digest_preview(channel)

    async def invite_coordinator(self) -> tuple[str, datetime]:
        return await self.operations.invite_coordinator()

    async def revoke_coordinator(self, channel: str, user_id: int) -> bool:
        return await self.operations.revoke_coordinator(channel, user_id)

    async def erase(self, channel: str, participant_id: int) -> bool:
        return await self.operations.erase(channel, participant_id)

    async def who(self, participant_id: int) -> str | None:
        return await self.operations.who(participant_id)

    async def take_waiting(self, channel: str, chat_id: int) -> list[Reply]:
        return await self.operations.take_waiting(channel, chat_id)

    async def retention_plan(self, channel: str, moment: datetime) -> retention.Plan:
        return await self.operations.retention_plan(channel, moment)

    async def anonymize_due(self, channel: str, moment: datetime) -> int:
        return await self.operations.anonymize_due(channel, moment)

    async def shared_secret(self, name: str, candidate: str) -> str:
        return await self.operations.shared_secret(name, candidate)

    async def mark_sent(self, outbox_ids: list[int]) -> None:
        return await self.operations.mark_sent(outbox_ids)

    async def unreachable(self, channel: str, chat_id: int, why: str) -> None:
        return await self.operations.unreachable(channel, chat_id, why)

    async def close(self) -> None:
        await self.engine.dispose()


async def build(settings: Settings, *, migrate_apart: bool = False) -> Frontdoor:
    """Load the program (a broken file, or a language without a catalog, raises ProgramError), open and
    upgrade the database (`migrate_apart`: in a process of its own, for a worker; storage.database.upgrade)."""
    program = load_program(settings.program_file)
    for capabilities in declared_capabilities().values():
        check_buttons(program, capabilities)
    catalogs = Catalogs(settings.locales_dir or PROJECT_CATALOGS.locales, own=program.own_texts)
    missing = catalogs.without_catalog(program.languages)
    if missing:
        raise ProgramError(
            f"{settings.program_file or DEFAULT_PROGRAM_FILE}: [program] languages: no catalog for "
            f"{', '.join(missing)} in {catalogs.locales} (README, Translating: add one, or leave the language out)"
        )
    program_check.warn_of_gaps(program, catalogs)
    sizing: dict[str, Any] = {}
    if settings.database_url.startswith("postgresql"):
        # Every connection the worker may hold is kept once opened: SQLAlchemy's default (5 kept, 10
        # more opened and closed as needed) opened and closed one nearly every update under load (eight
        # consumers, the poller, the sender), each a new server process that prepared its statements
        # anew. The same 15 at most (docs/scaling.md), unless FRONTDOOR_DATABASE_POOL_SIZE says fewer.
        sizing = {"pool_size": settings.database_pool_size or POSTGRESQL_POOL, "max_overflow": 0}
    engine = open_engine(settings.database_url, **sizing)
    try:
        await upgrade(engine, apart=migrate_apart)
    except DatabaseUnavailable as error:  # a mistyped URL or password, a database not created yet, one down
        await engine.dispose()
        raise SettingsError(f"FRONTDOOR_DATABASE_URL: {error}") from error
    program = await numbered_consents(session_factory(engine), program, datetime.now(UTC))
    allowance = Allowance(settings.person_burst, settings.person_rate)
    return Frontdoor(program, engine, catalogs=catalogs, coordinators=settings.coordinators, allowance=allowance)
