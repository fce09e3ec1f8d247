"""The sender's side of a channel's reply window (WhatsApp's 24 hours after a person's last message).

Why in the sender and not in the flows: whether a window is open is known only when the message
leaves (a reminder written at 9:00 for someone who writes at 9:05 goes free-form), and the same
flows write for every channel. The sender reads the windows of the chats it leases (one statement
per lease, on channels that have a window only) and marks the payloads of chats whose window has
closed; the channel then sends the message's template, or answers "held": the message waits, not
dead and not counted as a try, until the person writes (storage.windows.opened releases it).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.delivery import OUTSIDE_WINDOW, Delivery
from storage.unit_of_work import UnitOfWork


def marked(
    payload: dict[str, Any], last_in: datetime | None, now: datetime, window: timedelta | None
) -> dict[str, Any]:
    """The payload as the channel is given it: marked when the chat's window has closed at `now`.

    No record of the chat is no proof it closed: every WhatsApp chat begins with the person's
    message, so none is left only by erasure (the farewell to someone who sent /delete a moment
    ago, their record gone with their data in the same transaction) or by pruning after months of
    silence. Tried free-form; a refusal records the window closed (`record`), and the message goes
    again at once as its template or waits."""
    if window is None or last_in is None or now - last_in < window:
        return dict(payload)
    return dict(payload) | {OUTSIDE_WINDOW: True}


async def claimed_of(
    uow: UnitOfWork, channel: str, rows: list[Any], now: datetime, window: timedelta | None
) -> list[tuple[int, int, dict[str, Any], int]]:
    """The outbox rows leased (outbox id, chat, payload, attempts), each payload marked when its chat's
    window has closed; the windows read in one statement, on a channel that has one only."""
    last_in = await uow.windows.last_in(channel, {row.chat_id for row in rows}) if window else {}
    return [
        (row.id, row.chat_id, marked(row.payload, last_in.get(row.chat_id), now, window), row.attempts) for row in rows
    ]


async def record(
    uow: UnitOfWork,
    channel: str,
    chat_id: int,
    outbox_ids: list[int],
    delivery: Delivery,
    now: datetime,
    window: timedelta | None,
) -> None:
    """A "held" message (`outbox_ids[0]`) waits for the person; after an "outside" refusal the chat's
    window counts as closed and its messages (`outbox_ids`, in order) are tried again at once."""
    if delivery.outcome == "held":
        await uow.outbox.hold(outbox_ids[0], delivery.detail or "outside the reply window")
        return
    if window is not None:
        await uow.windows.closed(channel, chat_id, now - window)
    retry_at = now if window is not None else now + timedelta(minutes=5)  # a channel without one: later
    for outbox_id in outbox_ids:
        await uow.outbox.mark_retry(outbox_id, delivery.detail or "outside the reply window", retry_at)
