"""What every transaction of the runtime reads as it stands at that moment: the program, its
translations, the clock, the coordinators, each channel's capabilities, the export process.

`Frontdoor` (bot.app) is the one `Runtime`; the update pipeline, the job runner and the operator's
commands are given it rather than copies, so a test that moves the clock or swaps the export
process, or bot.serve learning the bot's name, changes it for all of them at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.catalogs import Catalogs
from bot.channels import TELEGRAM, WHATSAPP
from bot.digest_picture import DigestPictures
from bot.export_process import ExportProcess
from handlers.core.bidi import lay_out
from handlers.core.channel import Capabilities
from handlers.core.events import Outgoing, Reply, reply_to_payload
from handlers.core.fitting import fit
from handlers.core.ports import Office
from handlers.core.program import Program
from handlers.core.quoting import settled
from handlers.core.translator import Translator
from storage.database import session_factory
from storage.unit_of_work import UnitOfWork


class Runtime:
    def __init__(
        self,
        program: Program,
        engine: AsyncEngine,
        *,
        catalogs: Catalogs,
        clock: Callable[[], datetime],
        coordinators: frozenset[int],
        exports: ExportProcess,
        capabilities: dict[str, Capabilities],
    ) -> None:
        self.program = program
        self.engine = engine
        self.catalogs = catalogs
        self.sessions = session_factory(engine)
        self.clock = clock
        self.coordinators = coordinators
        self.exports = exports
        self.capabilities = capabilities
        self.pictures = DigestPictures()
        # Set when an update asked for an export: the running job runner wakes for it, instead of
        # the coordinator waiting for its next round (a minute).
        self.jobs_due = asyncio.Event()

    def capabilities_of(self, channel: str) -> Capabilities:
        """What `channel` carries; with no channel (a dry run, shown to whoever runs it), Telegram's."""
        return self.capabilities.get(channel) or self.capabilities[TELEGRAM]

    def office(self, uow: UnitOfWork, channel: str, now: datetime) -> Office:
        """The ports a flow or a job is given, on `uow`'s transaction."""
        return Office(
            participants=uow.participants,
            matchmaking=uow.matchmaking,
            jobs=uow.jobs,
            program=self.program,
            translations=self.catalogs.translator,
            now=now,
            # FRONTDOOR_COORDINATORS names Telegram user ids (the terminal's pretend ones too): a WhatsApp
            # number with the same digits is someone else, and must not get the coordinators' commands
            # (an export of everyone), in a process serving WhatsApp alone or both doors.
            named_coordinators=frozenset() if channel == WHATSAPP else self.coordinators,
            channel=channel,
            follow_ups=uow.follow_ups,
            reports=uow.reports,
            roster=uow.roster,
            exports=uow.exports,
            personal_data=uow.personal_data,
            retention=uow.retention,
            capabilities=self.capabilities_of(channel),
            team_messages=uow.team_messages,
            pictures=self.pictures,
            links=uow.links,
            # They are told on Telegram of what a person on WhatsApp did (a registration, a message to the team).
            coordinators_channel=TELEGRAM if channel == WHATSAPP else "",
            named_on_coordinators_channel=self.coordinators,
        )


def fitted_to(channel: Capabilities, t: Translator, replies: list[Reply]) -> list[Reply]:
    """Replies as the messages `channel` carries (handlers.core.fitting), in `t`'s reader's language."""
    return [part for reply in replies for part in fit(reply, channel, t)]


async def queue(uow: UnitOfWork, messages: list[Outgoing], now: datetime, runtime: Runtime) -> list[int]:
    """Messages to other people, into the outbox of the same transaction; returns their chats."""
    for message in messages:
        t = runtime.catalogs.translator(message.language)
        fitted = fitted_to(runtime.capabilities_of(message.channel), t, [message.reply])
        payloads = [
            reply_to_payload(settled(lay_out(reply, message.language))) | {"language": message.language}
            for reply in fitted
        ]
        template = message.reply.template
        if template is not None and payloads and runtime.capabilities_of(message.channel).reply_window_hours:
            # On its first part only: outside the reader's reply window the template goes once, and
            # stands for the whole message ("complete") unless it has more parts or choices to follow.
            complete = len(fitted) == 1 and not fitted[0].buttons
            payloads[0]["template"] = {"kind": template.kind, "parameters": list(template.parameters)} | (
                {"complete": True} if complete else {}
            )
        await uow.outbox.add(message.channel, message.chat_id, payloads, now)
    return list(dict.fromkeys(message.chat_id for message in messages))
