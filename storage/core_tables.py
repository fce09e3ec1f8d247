"""The tables as SQLAlchemy Core handles, for the statements built once at import.

Why Core and not the ORM classes: what every update runs is a plain statement on the table,
built once; building an ORM statement and running it through the ORM costs several times what
SQLite takes to run it. (Rows read this way are plain rows, so no ORM object in a session goes
stale when such a statement changes them; storage.privacy loads a participant with
populate_existing.)
"""

from __future__ import annotations

from typing import Final, cast

from sqlalchemy import Table

from storage.tables import (
    AnswerRow,
    ConversationRow,
    IncomingUpdateRow,
    OutboxRow,
    ParticipantRow,
    ProcessedUpdateRow,
    ProposalRow,
    SlotHoldRow,
    WorkerRow,
)

PARTICIPANTS: Final = cast(Table, ParticipantRow.__table__)
ANSWERS: Final = cast(Table, AnswerRow.__table__)
CONVERSATIONS: Final = cast(Table, ConversationRow.__table__)
PROCESSED: Final = cast(Table, ProcessedUpdateRow.__table__)
INCOMING: Final = cast(Table, IncomingUpdateRow.__table__)
OUTBOX: Final = cast(Table, OutboxRow.__table__)
WORKERS: Final = cast(Table, WorkerRow.__table__)
MATCHES: Final = cast(Table, ProposalRow.__table__)
SLOT_HOLDS: Final = cast(Table, SlotHoldRow.__table__)
