"""The outbox: every outgoing message, written with the update, sent after the commit, retried until
done. Which of them a sender may take, chat by chat, is found by storage/outbox_claim.py."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from re import Pattern
from typing import Any, Final

from sqlalchemy import ScalarSelect, Select, bindparam, case, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert, Update, UpdateBase

from storage import hot, outbox_claim
from storage.core_tables import OUTBOX
from storage.database import among, unindexed
from storage.outbox_claim import waiting
from storage.tables import OutboxRow
from storage.workers import SILENCE

_ADD_OUTBOX: Final = (
    OUTBOX.insert()
    .values(
        channel=bindparam("new_channel"),
        chat_id=bindparam("new_chat_id"),
        payload=bindparam("new_payload"),
        attachment=bindparam("new_attachment"),
        farewell=bindparam("new_farewell"),
        status="pending",
        attempts=0,
        next_attempt_at=bindparam("due"),  # one name per column: PostgreSQL's batched insert needs it
        created_at=bindparam("now"),
    )
    .returning(OUTBOX.c.id)
)
Statement = tuple[UpdateBase, dict[str, Any]]  # a statement and its parameters


@cache
def _add_from_arrays(first: UpdateBase | None) -> Insert:
    """PostgreSQL's INSERT of a chat's messages: its columns bound as arrays (unnest), one text
    whatever their number, prepared once per connection; `first` (a statement of the same update:
    its conversation saved) run before them in the same round trip, as a CTE."""
    from sqlalchemy.dialects.postgresql import ARRAY  # PostgreSQL's module, imported by PostgreSQL only

    arrays = [
        bindparam(f"new_{name}s", type_=ARRAY(OUTBOX.c[name].type)) for name in ("payload", "attachment", "farewell")
    ]
    given = func.unnest(*arrays).table_valued("payload", "attachment", "farewell", with_ordinality="n").render_derived()
    rows = select(
        *(bindparam(name, type_=OUTBOX.c[column].type) for name, column in _ONCE.items()),
        given.c.payload,
        given.c.attachment,
        given.c.farewell,
        literal("pending"),
        literal(0),
    ).order_by(given.c.n)
    columns = [*_ONCE.values(), "payload", "attachment", "farewell", "status", "attempts"]
    insert = OUTBOX.insert().from_select(columns, rows).returning(OUTBOX.c.id)
    return insert.add_cte(first.cte("first")) if first is not None else insert


# The columns every message of one `add` shares, by the parameter that gives them.
# (Names of their own: `first` may bind the others, a conversation's `new_chat_id`.)
_ONCE: Final = {"outbox_channel": "channel", "outbox_chat_id": "chat_id", "due": "next_attempt_at", "now": "created_at"}
# Delivered or given up, a message keeps only what delivery needs: its chat (a farewell's not even
# that), status, times and error. Its words and file were personal data of whoever it named.
_FORGOTTEN: Final[dict[str, Any]] = {
    "payload": {},
    "attachment": None,
    "chat_id": case((OUTBOX.c.farewell, 0), else_=OUTBOX.c.chat_id),
}


def waiting_count() -> ScalarSelect[int]:
    """How many messages wait to be sent to a chat (`channel`, `chat_id`), counted up to `most`
    (ix_outbox_waiting)."""
    of_chat = select(OUTBOX.c.id).where(
        OUTBOX.c.channel == bindparam("channel"), OUTBOX.c.chat_id == bindparam("chat_id"), waiting(OUTBOX)
    )
    return select(func.count()).select_from(of_chat.limit(bindparam("most")).subquery()).scalar_subquery()


_WAITING: Final = select(waiting_count())


@cache
def _mark_all_sent(dialect: str) -> Update:
    return (
        update(OUTBOX)
        .where(among(OUTBOX.c.id, "outbox_ids", dialect))
        .values(status="sent", sent_at=bindparam("now"), last_error=None, **_FORGOTTEN)
    )


@cache
def _lease(dialect: str) -> Update:
    return (
        update(OUTBOX)
        .where(among(OUTBOX.c.id, "ids", dialect))
        .values(
            next_attempt_at=bindparam("lease_until"), attempts=OUTBOX.c.attempts + 1, claimed_by=bindparam("worker")
        )
    )


@cache
def _last_sent(dialect: str) -> Select[Any]:
    return (
        select(OUTBOX.c.chat_id, func.max(OUTBOX.c.sent_at))
        .where(
            OUTBOX.c.channel == bindparam("channel"),
            among(OUTBOX.c.chat_id, "chat_ids", dialect),
            unindexed(OUTBOX.c.status) == "sent",  # these chats' few messages, not every message ever sent
            OUTBOX.c.sent_at > bindparam("since"),
            OUTBOX.c.claimed_by.is_distinct_from(bindparam("worker")),
        )
        .group_by(OUTBOX.c.chat_id)
    )


@cache
def _leased_noticing() -> Select[Any]:
    """PostgreSQL's: the lease (`_lease`), and when the chats leased last got a message from another
    worker (`_last_sent`), in one round trip. (The lease changes no sent message: the two are apart.)"""
    return _last_sent("postgresql").add_cte(_lease("postgresql").cte("leased"))


def _unbroken(picked: dict[int, list[int]], locked: dict[int, Any]) -> list[ClaimedMessage]:
    """Of each chat's run picked, the part locked without a gap (the rest waits behind a message
    another sender holds, or one sent or changed meanwhile), oldest first."""
    claimed: list[ClaimedMessage] = []
    for run in picked.values():
        for outbox_id in run:
            row = locked.get(outbox_id)
            if row is None:
                break
            claimed.append(ClaimedMessage(row.id, row.chat_id, _given(row.payload, row.attachment), row.attempts))
    return sorted(claimed, key=lambda message: message.id)


@dataclass(frozen=True)
class ClaimedMessage:
    """An outbox message leased to one sender; `attempts` counts this one."""

    id: int
    chat_id: int
    payload: dict[str, Any]
    attempts: int


class Claimed(list[ClaimedMessage]):
    """The messages a claim leased, oldest first, and (when asked) when each of their chats last got
    a message from another worker (`SqlOutbox.last_sent`)."""

    def __init__(self, messages: list[ClaimedMessage] | None = None, last_sent: dict[int, datetime] | None = None):
        super().__init__(messages or [])
        self.last_sent = last_sent or {}

    def joined(self, other: Claimed) -> Claimed:
        """These and `other`'s messages, oldest first, with the `last_sent` of both."""
        return Claimed(sorted([*self, *other], key=lambda message: message.id), self.last_sent | other.last_sent)


# What a message may carry as a file: its bytes are kept beside the JSON, in the attachment column.
ATTACHED: Final = ("document", "photo")


def _stored(payload: dict[str, Any]) -> dict[str, Any]:
    """An outbox row's payload, attachment and farewell mark: a document's or a photo's content (bytes)
    taken out of the JSON, and the mark into its column (and left in the payload, for the channel:
    a farewell that cannot go at once is given up, not kept waiting with the chat's number)."""
    farewell = bool(payload.get("farewell", False))
    kind = next((kind for kind in ATTACHED if payload.get(kind) is not None), None)
    if kind is None:
        return {"new_payload": payload, "new_attachment": None, "new_farewell": farewell}
    described = {key: value for key, value in payload[kind].items() if key != "content"}
    return {
        "new_payload": payload | {kind: described},
        "new_attachment": payload[kind]["content"],
        "new_farewell": farewell,
    }


def _given(payload: dict[str, Any], attachment: bytes | None) -> dict[str, Any]:
    """The payload as it was added: the document's or photo's content put back."""
    if attachment is None:
        return payload
    kind = next(kind for kind in ATTACHED if payload.get(kind) is not None)
    return payload | {kind: payload[kind] | {"content": attachment}}


def _words_of(payload: dict[str, Any], attachment: bytes | None) -> str:
    """A message's words: its text, buttons, keyboard, a document's name, caption and content (a
    calendar file names the other person too), and a photo's caption (its pixels hold no name)."""
    document = payload.get("document") or {}
    buttons = [label for row in payload.get("buttons", []) for label, _ in row]
    parts = [payload.get("text", ""), *buttons, *payload.get("keyboard", [])]
    if document:
        parts += [document.get("filename", ""), document.get("caption", "")]
        parts.append((attachment or b"").decode(errors="replace"))
    parts.append((payload.get("photo") or {}).get("caption", ""))
    return "\n".join(str(part) for part in parts)


class SqlOutbox:
    """Outgoing messages: written with the update, sent after the commit, retried until done."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        channel: str,
        chat_id: int,
        payloads: list[dict[str, Any]],
        now: datetime,
        *,
        first: Statement | None = None,
    ) -> list[int]:
        """Messages to a chat, their ids in order; `first` runs before them (the update's conversation
        saved), in the same round trip on PostgreSQL, and alone when there are none."""
        if not payloads and first is None:
            return []
        stored = [_stored(payload) for payload in payloads]
        if self._session.get_bind().dialect.name == "postgresql" and payloads:
            values = {"outbox_channel": channel, "outbox_chat_id": chat_id, "due": now, "now": now}
            values |= {
                f"{name}s": [row[name] for row in stored] for name in ("new_payload", "new_attachment", "new_farewell")
            }
            statement = _add_from_arrays(first[0] if first is not None else None)
            added = await hot.run(self._session, statement, values | (first[1] if first is not None else {}))
            return sorted(added.scalars())  # ids are given in the order the rows are inserted
        if first is not None:
            await hot.run(self._session, *first)
        once = {"new_channel": channel, "new_chat_id": chat_id, "due": now, "now": now}
        return (await hot.run(self._session, _ADD_OUTBOX, [once | row for row in stored])).scalars()

    async def claim(
        self,
        channel: str,
        now: datetime,
        lease_until: datetime,
        limit: int,
        chat_ids: list[int] | None = None,
        *,
        worker: str | None = None,
        per_chat: int | None = None,
        since: datetime | None = None,
    ) -> Claimed:
        """Due messages, oldest first, leased to this sender until `lease_until`.

        A chat's messages are taken only from its oldest pending one on, so each chat reads its
        messages in the order they were written, even with several senders: while an older one
        waits (for a retry, or in another sender's hands, even one locked but not yet committed by
        it) the later ones stay. The lease, not a transaction held open during the HTTP call,
        keeps other senders off; a message whose `worker` stopped being seen is taken over at
        once, otherwise when the lease runs out. `per_chat` caps a chat's share of the batch,
        so that what is taken can be sent at one a second before the lease ends. With `since` (and
        a `worker`), the `last_sent` of the chats taken comes with them: on PostgreSQL in the round
        trip of the lease (a CTE).
        """
        dialect = self._session.get_bind().dialect.name
        values: dict[str, Any] = {"channel": channel, "now": now, "alive_since": now - SILENCE}
        most = per_chat or limit
        values |= {"per_chat": most} if dialect == "postgresql" else {"per_chat_less_one": most - 1}
        if chat_ids is not None:
            if not chat_ids:
                return Claimed()
            values["chats"] = list(chat_ids) if dialect == "postgresql" else json.dumps(list(chat_ids))
        found = await hot.run(self._session, outbox_claim.heads(dialect, chat_ids is not None), values)
        picked = outbox_claim.runs(found.all(), limit)
        if not picked:
            return Claimed()
        ids = [outbox_id for run in picked.values() for outbox_id in run]
        locked = await hot.run(self._session, outbox_claim.lock(dialect), values | {"ids": ids})
        rows = _unbroken(picked, {row.id: row for row in locked})
        last = await self._leased(channel, rows, lease_until, worker, since) if rows else {}
        return Claimed([replace(row, attempts=row.attempts + 1) for row in rows], last)

    async def lease_written(
        self, channel: str, messages: list[ClaimedMessage], until: datetime, worker: str | None, since: datetime | None
    ) -> Claimed:
        """Messages the caller's transaction wrote, their chats' oldest waiting ones, leased as they are
        (bot.sender's `Sender.lease`): nobody else sees them before the commit, so there is nothing to
        look for or lock. With `since` (and a `worker`), their chats' `last_sent` (`claim`)."""
        return Claimed(messages, await self._leased(channel, messages, until, worker, since) if messages else {})

    async def _leased(
        self,
        channel: str,
        rows: list[ClaimedMessage],
        lease_until: datetime,
        worker: str | None,
        since: datetime | None,
    ) -> dict[int, datetime]:
        """Lease the messages claimed; with `since`, the `last_sent` of their chats (`claim`)."""
        dialect = self._session.get_bind().dialect.name
        leased = {"ids": [row.id for row in rows], "lease_until": lease_until, "worker": worker}
        chats = {row.chat_id for row in rows}
        if since is None or not worker:
            await hot.run(self._session, _lease(dialect), leased)
            return {}
        if dialect != "postgresql":
            await hot.run(self._session, _lease(dialect), leased)
            return await self.last_sent(channel, chats, since, worker)
        noticed = leased | {"channel": channel, "chat_ids": list(chats), "since": since}
        found = await hot.run(self._session, _leased_noticing(), noticed)
        return {chat_id: sent_at for chat_id, sent_at in found if sent_at is not None}

    async def waiting(self, channel: str, chat_id: int, most: int) -> int:
        """How many messages wait to be sent to this chat, counted up to `most` (ix_outbox_waiting)."""
        counted = await hot.run(self._session, _WAITING, {"channel": channel, "chat_id": chat_id, "most": most})
        return int(counted.one()[0])

    async def last_sent(
        self, channel: str, chat_ids: set[int], since: datetime, other_than: str
    ) -> dict[int, datetime]:
        """When each of these chats last got a message from a worker other than `other_than`, if after `since`."""
        if not chat_ids:
            return {}
        chats = {"channel": channel, "chat_ids": list(chat_ids), "since": since, "worker": other_than}
        found = await hot.run(self._session, _last_sent(self._session.get_bind().dialect.name), chats)
        return {chat_id: sent_at for chat_id, sent_at in found if sent_at is not None}

    async def forget(self, channel: str, chat_id: int, words: Pattern[str] | None) -> None:
        """Every message to this chat, and those to others not yet sent whose words match `words`
        (`naming`). Sent ones keep no words already; unsent ones are few, waiting for a slow chat."""
        await self._session.execute(delete(OutboxRow).where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id))
        if words is None:
            return
        waiting = await self._session.execute(
            select(OutboxRow.id, OutboxRow.payload, OutboxRow.attachment).where(
                OutboxRow.channel == channel, OutboxRow.status.in_(("pending", "held"))
            )
        )
        naming_them = [outbox_id for outbox_id, payload, file in waiting if words.search(_words_of(payload, file))]
        if naming_them:
            await self._session.execute(delete(OutboxRow).where(OutboxRow.id.in_(naming_them)))

    async def release(self, outbox_ids: list[int], now: datetime) -> None:
        """Claimed but not tried (the lease was running out): due again at once, for any sender."""
        if outbox_ids:
            await self._session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(outbox_ids))
                .values(next_attempt_at=now, claimed_by=None, attempts=OutboxRow.attempts - 1)
            )

    async def pending(self, channel: str, now: datetime) -> tuple[int, datetime | None]:
        """How many messages wait to be sent, and since when the oldest of them is due."""
        query = select(func.count(), func.min(OutboxRow.created_at)).where(
            OutboxRow.channel == channel, OutboxRow.status == "pending"
        )
        count, oldest = (await self._session.execute(query)).one()
        return int(count), oldest

    async def mark_all_sent(self, outbox_ids: list[int], now: datetime) -> None:
        statement = _mark_all_sent(self._session.get_bind().dialect.name)
        await hot.run(self._session, statement, {"outbox_ids": outbox_ids, "now": now})

    async def mark_retry(self, outbox_id: int, error: str, next_attempt_at: datetime) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(last_error=error[:500], next_attempt_at=next_attempt_at, claimed_by=None)
        )

    async def hold(self, outbox_id: int, why: str) -> None:
        """Not sent, and not tried again until the person writes (storage.windows.opened): outside
        their reply window with no template to carry it. The try is not counted."""
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(status="held", last_error=why[:500], claimed_by=None, attempts=OutboxRow.attempts - 1)
        )

    async def mark_dead(self, outbox_id: int, error: str) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(status="dead", last_error=error[:500], **_FORGOTTEN)
        )

    async def mark_chat_dead(self, channel: str, chat_id: int, error: str) -> None:
        """Everything still pending for a chat that can no longer be reached."""
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id, OutboxRow.status == "pending")
            .values(status="dead", last_error=error[:500], **_FORGOTTEN)
        )
