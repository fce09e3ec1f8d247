"""What `frontdoor`'s arguments may be, each read and checked in one place: a bad one is one clear
line (argparse's, or SettingsError's) and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.config import SettingsError, Webhook
from handlers.core.ids import database_id, number

DEFAULT_LISTEN: Final = "127.0.0.1:8080"
PORTS: Final = range(1, 65536)
USER_IDS: Final = range(1, 2**63)


def month_text(text: str) -> str:
    """A month, YYYY-MM; read in the program's time zone (see `report`)."""
    from storage.report import Month

    try:
        Month.parse(text, "UTC")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month like 2026-11") from None
    return text


def moment(text: str) -> datetime:
    """An ISO 8601 time; one without a zone is read in the program's time zone (see dispatch)."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date and time like 2026-12-01T09:00") from None
    return parsed


def user_id(text: str) -> int:
    """A Telegram user id: ASCII digits only (int() would take "²" or " 12_3"), within the database's
    64-bit column (a larger one failed in the database, with a traceback)."""
    value = number(text, USER_IDS)
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Telegram user id like 123456789")
    return value


def participant_number(text: str) -> int:
    """A participant's number, as /find shows it."""
    value = database_id(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a participant's number like 12")
    return value


def day(text: str) -> date:
    """A calendar day, YYYY-MM-DD; the export reads it in the program's time zone (see dispatch)."""
    try:
        if len(text) != len("2026-12-01"):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2026-12-01") from None


def export_period(since: date | None, until: date | None, time_zone: str) -> tuple[datetime | None, datetime | None]:
    """Local days as UTC bounds: from the start of `since` to the start of the day after `until`."""
    if since is not None and until is not None and since > until:
        raise SettingsError(f"--since {since} is after --until {until}")
    zone = ZoneInfo(time_zone)

    def start(of: date) -> datetime:
        return datetime.combine(of, time(), tzinfo=zone).astimezone(UTC)

    return (start(since) if since else None, start(until + timedelta(days=1)) if until else None)


def webhook_of(url: str | None, listen: str) -> Webhook | None:
    """--webhook and --listen, checked: an http(s) URL with a host, and a HOST:PORT to listen on."""
    if url is None:
        if listen != DEFAULT_LISTEN:
            raise SettingsError("--listen is for webhook mode: give --webhook URL too")
        return None
    address = urlsplit(url)
    if address.scheme not in ("https", "http") or not address.hostname:
        raise SettingsError(f"--webhook {url!r} is not an address like https://bot.example.org/telegram")
    path = address.path or "/"
    if path == "/healthz":
        raise SettingsError("--webhook: /healthz is the health check's path; choose another")
    host, _, port_text = listen.rpartition(":")
    port = number(port_text, PORTS)
    if not host or port is None:
        raise SettingsError(f"--listen {listen!r} is not HOST:PORT, e.g. {DEFAULT_LISTEN}")
    return Webhook(url=url, path=path, host=host.strip("[]"), port=port)
