"""Which outbox messages a sender may take: each chat's oldest waiting ones, found chat by chat.

Why chat by chat: the claim used to walk the waiting messages in the order they were written and
skip those behind an older one still being sent, so one chat's thousands of waiting messages (a
flood's replies) were walked on every claim, on the event loop's thread with SQLite, before anyone
else's reply was found. Here the claim looks at each chat with messages waiting (one probe of the
partial index `ix_outbox_waiting` per chat) and at no more than `per_chat` of its messages: its cost
follows how many chats wait, never how much one of them has waiting.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Select,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
)

from storage.core_tables import OUTBOX, WORKERS
from storage.database import among

# Every id is below this: the bound of a chat with fewer than `per_chat` messages waiting.
_NO_BOUND: Final = 2**62


def waiting(table: FromClause) -> ColumnElement[bool]:
    """A message not yet sent, written as a literal: only then may SQLite, and PostgreSQL's generic
    plans, use the partial index `ix_outbox_waiting` (status = 'pending')."""
    return table.c.status == literal_column("'pending'")


def due(table: FromClause) -> ColumnElement[bool]:
    """Its time has come, or the worker that took it stopped being seen."""
    return or_(
        table.c.next_attempt_at <= bindparam("now"),
        and_(
            table.c.claimed_by.is_not(None),
            ~exists().where(WORKERS.c.id == table.c.claimed_by, WORKERS.c.seen_at > bindparam("alive_since")),
        ),
    )


def _chats_waiting() -> FromClause:
    """Every chat with a message waiting, one index probe each (a loose index scan, written as a
    recursive query: neither SQLite nor PostgreSQL skips through an index by itself)."""
    first = OUTBOX.alias("first_chat")
    lowest = select(first.c.chat_id).where(first.c.channel == bindparam("channel"), waiting(first))
    # ORDER BY … LIMIT 1 rather than min(): both databases then surely stop at the index's first entry.
    chats = select(lowest.order_by(first.c.chat_id).limit(1).scalar_subquery().label("chat_id")).cte(
        "chats", recursive=True
    )
    following = OUTBOX.alias("next_chat")
    higher = select(following.c.chat_id).where(
        following.c.channel == bindparam("channel"), waiting(following), following.c.chat_id > chats.c.chat_id
    )
    step = select(higher.order_by(following.c.chat_id).limit(1).scalar_subquery()).where(chats.c.chat_id.is_not(None))
    everyone = chats.union_all(step)
    return select(everyone.c.chat_id).where(everyone.c.chat_id.is_not(None)).subquery("waiting_chats")


def _chats_given(dialect: str) -> FromClause:
    """The chats a caller names: a JSON array on SQLite (json_each), an array on PostgreSQL (unnest)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY  # PostgreSQL's module, imported by PostgreSQL only

        named = func.unnest(bindparam("chats", type_=ARRAY(BigInteger))).table_valued("chat_id").render_derived()
        return select(named.c.chat_id).subquery("given_chats")
    listed = func.json_each(bindparam("chats")).table_valued("value")
    # Materialized, or SQLite, knowing nothing of json_each's size, walks every waiting message first.
    return select(listed.c.value.label("chat_id")).cte("given_chats").prefix_with("MATERIALIZED")


@cache
def heads(dialect: str, given: bool) -> Select[Any]:
    """(chat, id, due) of each chat's first `per_chat` waiting messages, for every chat waiting or
    the chats named (`chats`); each chat's in the order they were written."""
    chats = _chats_given(dialect) if given else _chats_waiting()
    message = OUTBOX.alias("head")
    columns = (message.c.chat_id, message.c.id, due(message).label("due"))
    of_chat = and_(message.c.channel == bindparam("channel"), waiting(message), message.c.chat_id == chats.c.chat_id)
    if dialect == "postgresql":
        run = select(*columns).where(of_chat).order_by(message.c.id).limit(bindparam("per_chat")).lateral("run")
        return select(run.c.chat_id, run.c.id, run.c.due).select_from(chats.join(run, true()))
    # SQLite has no LATERAL: the chat's `per_chat`-th waiting message bounds a range of the index instead.
    later = OUTBOX.alias("bound")
    last = (
        select(later.c.id)
        .where(later.c.channel == bindparam("channel"), waiting(later), later.c.chat_id == chats.c.chat_id)
        .order_by(later.c.id)
        .limit(1)
        .offset(bindparam("per_chat_less_one"))
        .scalar_subquery()
    )
    bounded = and_(of_chat, message.c.id <= func.coalesce(last, _NO_BOUND))
    return select(*columns).select_from(chats.join(message, bounded))


@cache
def lock(dialect: str) -> Select[Any]:
    """The messages picked, locked (skipping those another sender has locked) and checked again."""
    return (
        select(OUTBOX.c.id, OUTBOX.c.chat_id, OUTBOX.c.payload, OUTBOX.c.attempts, OUTBOX.c.attachment)
        .where(among(OUTBOX.c.id, "ids", dialect), waiting(OUTBOX), due(OUTBOX))
        .with_for_update(skip_locked=True, of=OUTBOX)
    )


def runs(found: list[Any], limit: int) -> dict[int, list[int]]:
    """Each chat's due messages from its oldest waiting one on, oldest chats first, `limit` in all."""
    by_chat: dict[int, list[tuple[int, bool]]] = {}
    for chat_id, outbox_id, is_due in found:
        by_chat.setdefault(chat_id, []).append((outbox_id, bool(is_due)))
    taken: dict[int, list[int]] = {}
    room = limit
    for chat_id, messages in sorted(by_chat.items(), key=lambda item: min(item[1])[0]):
        run: list[int] = []
        for outbox_id, is_due in sorted(messages):
            if not is_due or len(run) >= room:
                break
            run.append(outbox_id)
        if run:
            taken[chat_id] = run
            room -= len(run)
        if room <= 0:
            break
    return taken
