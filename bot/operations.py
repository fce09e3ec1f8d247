"""What the command line asks of the program outside any update, each in a transaction of its own:
a matching dry run, the digest's preview, coordinators invited and revoked, an erasure on someone's
behalf, retention's plan and run, the webhook's shared secret, the terminal's replies marked sent,
a chat a channel says cannot be reached.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.runtime import Runtime, queue
from handlers.coordinators import commands, digest, review
from handlers.core.events import Outgoing, Reply, payload_to_reply
from handlers.core.model import Role, Status
from handlers.core.ports import Office
from handlers.core.quoting import unmarked
from handlers.privacy import retention, rights
from storage.unit_of_work import UnitOfWork

TAKEN = 50  # messages the terminal takes at one look: more than any one action sends a person


class Operations:
    """The operator's commands on one `Runtime` (bot.app's Frontdoor, which callers use)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def dry_run(self) -> list[str]:
        """`frontdoor match --dry-run`: the suggestions for everyone waiting, then roll back."""
        runtime = self._runtime
        async with UnitOfWork(runtime.sessions) as uow:
            office = runtime.office(uow, "", runtime.clock())
            blocks = await review.dry_run(office, runtime.catalogs.translator(runtime.program.default_language))
            return [unmarked(block) for block in blocks]

    async def digest_preview(self, channel: str) -> str:
        """`frontdoor digest --print`: the digest of the last 24 hours, in the program's language."""
        runtime = self._runtime
        async with UnitOfWork(runtime.sessions) as uow:
            office = runtime.office(uow, channel, runtime.clock())
            t = runtime.catalogs.translator(runtime.program.default_language)
            return unmarked(await digest.render(office, t, since=office.now - timedelta(days=1)))

    async def invite_coordinator(self) -> tuple[str, datetime]:
        """`frontdoor coordinators invite`: a one-time code, and when it expires."""
        async with UnitOfWork(self._runtime.sessions) as uow:
            code, expires_at = await uow.roster.invite(self._runtime.clock())
            await uow.commit()
        return code, expires_at

    async def revoke_coordinator(self, channel: str, user_id: int) -> bool:
        """`frontdoor coordinators revoke ID`: access ended and the person told; False: no coordinator by code."""
        return await self._telling(channel, lambda office: commands.revoke(office, user_id))

    async def erase(self, channel: str, participant_id: int) -> bool:
        """`frontdoor erase --participant ID`; False when there is no such participant (or erased already)."""
        return await self._telling(channel, lambda office: rights.erase_on_behalf(office, participant_id))

    async def who(self, participant_id: int) -> str | None:
        """`frontdoor erase`'s line about the participant: name, role, status and when they registered."""
        async with UnitOfWork(self._runtime.sessions) as uow:
            person = await uow.participants.get(participant_id)
        if person is None or person.status is Status.ERASED:
            return None
        name = unmarked(str(person.answers.get("name") or "(no name given)"))
        role = "volunteer" if person.role is Role.CONNECTOR else "newcomer"
        return f"{name}, {role}, {person.status.value}, registered {person.created_at:%Y-%m-%d}"

    async def take_waiting(self, channel: str, chat_id: int) -> list[Reply]:
        """For the terminal, which shows them itself: what waits in the outbox for this chat, marked sent."""
        return [payload_to_reply(payload)[0] for _, payload in await self.take_all_waiting(channel, [chat_id], TAKEN)]

    async def take_all_waiting(
        self, channel: str, chat_ids: list[int] | None = None, most: int = 10_000
    ) -> list[tuple[int, dict[str, Any]]]:
        """For whoever shows messages itself (the terminal, the preview): each waiting message's chat and
        payload, in order, marked sent."""
        now = self._runtime.clock()
        async with UnitOfWork(self._runtime.sessions) as uow:
            rows = await uow.outbox.claim(channel, now, now + timedelta(seconds=30), most, chat_ids)
            if rows:
                await uow.outbox.mark_all_sent([row.id for row in rows], now)
            await uow.commit()
        return [(row.chat_id, dict(row.payload)) for row in rows]

    async def _telling(self, channel: str, act: Callable[[Office], Awaitable[list[Outgoing] | None]]) -> bool:
        """An operator's act on someone, and the messages telling those concerned, in one transaction;
        False when there was no one to act on (nothing is written)."""
        runtime = self._runtime
        async with UnitOfWork(runtime.sessions) as uow:
            messages = await act(runtime.office(uow, channel, runtime.clock()))
            if messages is None:
                return False
            await queue(uow, messages, runtime.clock(), runtime)
            await uow.commit()
        return True

    async def retention_plan(self, channel: str, moment: datetime) -> retention.Plan:
        """`frontdoor retention run`: who is due to be anonymized at `moment`, and the clock's check."""
        async with UnitOfWork(self._runtime.sessions) as uow:
            return await retention.plan(self._runtime.office(uow, channel, moment))

    async def anonymize_due(self, channel: str, moment: datetime) -> int:
        """`frontdoor retention run --confirm`: everyone due at `moment`, a batch per transaction
        (the people they were to meet are told); how many."""
        total = 0
        while True:
            async with UnitOfWork(self._runtime.sessions) as uow:
                count, messages = await retention.anonymize_batch(self._runtime.office(uow, channel, moment))
                await queue(uow, messages, moment, self._runtime)
                await uow.commit()
            total += count
            if count < retention.BATCH:
                return total

    async def shared_secret(self, name: str, candidate: str) -> str:
        """A secret all workers share (the webhook's): the first to start stores its `candidate`."""
        async with UnitOfWork(self._runtime.sessions) as uow:
            secret = await uow.workers.secret(name, candidate, self._runtime.clock())
            await uow.commit()
        return secret

    async def mark_sent(self, outbox_ids: list[int]) -> None:
        """For channels that show replies themselves (the terminal): nothing is left to send."""
        if not outbox_ids:
            return
        async with UnitOfWork(self._runtime.sessions) as uow:
            await uow.outbox.mark_all_sent(outbox_ids, self._runtime.clock())
            await uow.commit()

    async def unreachable(self, channel: str, chat_id: int, why: str) -> None:
        """A channel reported, after the fact, that a message could not reach this chat (WhatsApp's
        "failed" status): as the sender does on such an answer, the person is unreachable and their
        pending messages dropped."""
        async with UnitOfWork(self._runtime.sessions) as uow:
            await uow.outbox.mark_chat_dead(channel, chat_id, why)
            await uow.participants.mark_unreachable(channel, chat_id, self._runtime.clock())
            await uow.commit()
