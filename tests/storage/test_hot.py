"""The statements every update runs: straight on the bot's SQLite connection, and on asyncpg's prepared
statements on PostgreSQL, with the same rows, the same values stored, and in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import hot
from storage.core_tables import CONVERSATIONS, OUTBOX
from storage.processed_updates import SqlProcessedUpdates
from storage.tables import OutboxRow

# A quarter second past: what is stored must come back to the microsecond.
TO_THE_MICROSECOND = datetime(2026, 11, 23, 15, 0, 0, 250_000, tzinfo=UTC)
_NEW_CONVERSATION = CONVERSATIONS.insert().values(
    channel="telegram",
    user_id=bindparam("user_id"),
    chat_id=bindparam("user_id"),
    language="fa",
    step="intake",
    state=bindparam("state"),
    updated_at=bindparam("now"),
)
_CONVERSATIONS = (
    select(CONVERSATIONS)
    .where(CONVERSATIONS.c.user_id.in_(bindparam("users", expanding=True)))
    .order_by(CONVERSATIONS.c.user_id)
)
_QUEUED = OUTBOX.insert().values(
    channel="telegram",
    chat_id=bindparam("chat_id"),
    payload={"text": "hi"},
    next_attempt_at=TO_THE_MICROSECOND,
    created_at=TO_THE_MICROSECOND,
)


async def test_rows_come_back_as_sqlalchemy_would_give_them(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        state = {"question": "field", "history": ["role", "name"], "note": None}
        written = await hot.run(session, _NEW_CONVERSATION, [{"user_id": 7, "state": state, "now": TO_THE_MICROSECOND}])
        assert written.rowcount == 1
        await hot.run(session, _NEW_CONVERSATION, {"user_id": 8, "state": {}, "now": TO_THE_MICROSECOND})

        found = (await hot.run(session, _CONVERSATIONS, {"users": [7, 8, 9]})).all()
        expected = (await session.execute(_CONVERSATIONS, {"users": [7, 8, 9]})).all()

    assert [tuple(row) for row in found] == [tuple(row) for row in expected]
    first = found[0]
    assert (first.user_id, first.language, first.state) == (7, "fa", state), "JSON decoded, by column name"
    assert first.updated_at == TO_THE_MICROSECOND and first.updated_at.tzinfo is UTC, (
        "an aware UTC time, to the microsecond"
    )


async def test_what_a_savepoint_rolls_back_is_gone_and_the_rest_of_the_transaction_stays(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        async with session.begin():
            await hot.run(session, _NEW_CONVERSATION, {"user_id": 1, "state": {}, "now": TO_THE_MICROSECOND})
            with pytest.raises(RuntimeError):
                async with session.begin_nested():
                    await hot.run(session, _NEW_CONVERSATION, {"user_id": 2, "state": {}, "now": TO_THE_MICROSECOND})
                    raise RuntimeError("a bug while handling user 2")
            await hot.run(session, _NEW_CONVERSATION, {"user_id": 3, "state": {}, "now": TO_THE_MICROSECOND})
        async with session.begin():
            await hot.run(session, _NEW_CONVERSATION, {"user_id": 4, "state": {}, "now": TO_THE_MICROSECOND})
            await session.rollback()

    async with sessions() as session:
        kept = (await hot.run(session, _CONVERSATIONS, {"users": [1, 2, 3, 4]})).all()
    assert [row.user_id for row in kept] == [1, 3], "user 2's savepoint and the rolled back transaction left nothing"


async def test_a_statement_leaving_columns_to_python_defaults_gets_them(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await hot.run(session, _QUEUED, [{"chat_id": 5}, {"chat_id": 6}])
    async with sessions() as session:
        rows = (await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars().all()
    assert [(row.chat_id, row.status, row.attempts) for row in rows] == [(5, "pending", 0), (6, "pending", 0)]


async def test_a_refused_statement_raises_what_sqlalchemy_raises(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        await hot.run(session, _NEW_CONVERSATION, {"user_id": 1, "state": {}, "now": TO_THE_MICROSECOND})
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                await hot.run(session, _NEW_CONVERSATION, {"user_id": 1, "state": {}, "now": TO_THE_MICROSECOND})
        assert len((await hot.run(session, _CONVERSATIONS, {"users": [1]})).all()) == 1, "the transaction goes on"


async def test_a_batch_claimed_empty_remembers_no_update_and_the_transaction_goes_on(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Another consumer took every waiting update first (PostgreSQL's SKIP LOCKED): the batch is empty.
    async with sessions() as session, session.begin():
        nothing = await SqlProcessedUpdates(session).first_times("telegram", [], TO_THE_MICROSECOND)
        written = await hot.run(session, _QUEUED, [])
        await hot.run(session, _QUEUED, {"chat_id": 5})
    async with sessions() as session:
        rows = (await session.execute(select(OutboxRow.chat_id))).scalars().all()
    assert (nothing, written.rowcount, rows) == (set(), 0, [5])


async def test_a_statement_runs_without_the_sessions_own_execution(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refused(*_: object, **__: object) -> None:
        raise AssertionError("went through AsyncSession.execute")

    async with sessions() as session, session.begin():
        monkeypatch.setattr(AsyncSession, "execute", refused)
        await hot.run(session, _NEW_CONVERSATION, {"user_id": 5, "state": {"step": 1}, "now": TO_THE_MICROSECOND})
        found = (await hot.run(session, _CONVERSATIONS, {"users": [5]})).one()
        monkeypatch.undo()
    assert (found.user_id, found.state) == (5, {"step": 1})
