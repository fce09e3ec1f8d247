"""`frontdoor coordinators`: invite, list, revoke, and the audit of every /find and export.

Tables are for a person at a terminal: aligned columns, times in the program's time zone, the
name last (a name in another script or direction cannot push the other columns out of line).
`--json` gives the same rows to a script, times in UTC.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.channels import TELEGRAM
from bot.commands import opened
from bot.config import Settings, SettingsError
from storage.coordinators import Member, audit_entries, members
from storage.tables import CoordinatorAuditRow

SETTING: Final = "setting"  # FRONTDOOR_COORDINATORS
INVITED: Final = "invite code"
NONE: Final = "-"


async def invite(settings: Settings) -> int:
    async with opened(settings) as app:
        code, expires_at = await app.invite_coordinator()
        zone = ZoneInfo(app.program.time_zone)
    print(code)
    print(
        f"Give this code to the new coordinator: they send /coordinator {code} to the bot. "
        f"It works once, until {_when(expires_at, zone)} ({zone.key} time).",
        file=sys.stderr,
    )
    return 0


async def listing(settings: Settings, *, as_json: bool) -> int:
    """Everyone who coordinates, by id: how and when they joined, their last message, their name."""
    async with opened(settings) as app, app.sessions() as session:
        found = await members(session, TELEGRAM, settings.coordinators)
        zone = ZoneInfo(app.program.time_zone)
    if as_json:
        print(json.dumps([_member_record(member, settings) for member in found], indent=2))
        return 0
    rows = [
        (
            str(member.user_id),
            _how(member, settings),
            _when(member.joined_at, zone),
            _when(member.last_seen, zone),
            member.name or NONE,
        )
        for member in found
    ]
    _table(("ID", "HOW", "JOINED", "LAST USE", "NAME"), rows)
    print(
        f"{_count(len(found), 'coordinator')}; times in {zone.key}. LAST USE is their last message to the bot; "
        "NAME, the first name they registered with. Those from the FRONTDOOR_COORDINATORS setting lose their "
        "access when you remove them from it; the others with: frontdoor coordinators revoke ID",
        file=sys.stderr,
    )
    return 0


async def revoke(settings: Settings, user_id: int) -> int:
    """End the access of a coordinator who joined with a code; they are told in their language."""
    if user_id in settings.coordinators:
        raise SettingsError(
            f"{user_id} is a coordinator by the FRONTDOOR_COORDINATORS setting: remove it there and restart the bot"
        )
    async with opened(settings) as app:
        revoked = await app.revoke_coordinator(TELEGRAM, user_id)
    if not revoked:
        raise SettingsError(f"{user_id} is not a coordinator (frontdoor coordinators list shows who is)")
    print(
        f"coordinator {user_id}: access ended now; they are told when the bot next sends its messages",
        file=sys.stderr,
    )
    return 0


async def audit(settings: Settings, *, since: datetime | None, as_json: bool) -> int:
    """Every /find and export since `since`: when, who, what, how many people's records."""
    async with opened(settings) as app, app.sessions() as session:
        found = await audit_entries(session, since)
        zone = ZoneInfo(app.program.time_zone)
    if as_json:
        print(json.dumps([_audit_record(row) for row in found], indent=2))
        return 0
    rows = [(_when(row.at, zone), _who(row), f"{row.action} {row.detail}", str(row.records)) for row in found]
    _table(("WHEN", "WHO", "WHAT", "RECORDS"), rows)
    print(
        f"{_count(len(found), 'entry', 'entries')}; times in {zone.key}. RECORDS: how many participants' records "
        "were shown or exported. A /find is recorded by its kind (a number, or words), never by the words searched.",
        file=sys.stderr,
    )
    return 0


def _table(heading: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(heading, *rows, strict=False)]
    for row in (tuple(heading), *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _count(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def _how(member: Member, settings: Settings) -> str:
    """The setting wins: a code cannot take away what the setting gives."""
    return SETTING if member.user_id in settings.coordinators else INVITED


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else NONE


def _who(row: CoordinatorAuditRow) -> str:
    return f"{row.channel} {row.user_id}" if row.user_id is not None else f"{row.channel} {row.operator}"


def _member_record(member: Member, settings: Settings) -> dict[str, Any]:
    return {
        "id": member.user_id,
        "how": _how(member, settings),
        "joined_at": member.joined_at.isoformat() if member.joined_at else None,
        "last_use": member.last_seen.isoformat() if member.last_seen else None,
        "name": member.name or None,
    }


def _audit_record(row: CoordinatorAuditRow) -> dict[str, Any]:
    return {
        "at": row.at.isoformat(),
        "channel": row.channel,
        "user_id": row.user_id,
        "operator": row.operator,
        "action": row.action,
        "detail": row.detail,
        "records": row.records,
    }
