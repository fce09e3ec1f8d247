"""The .ics file that puts a meeting in the reader's calendar (RFC 5545, written by icalendar)."""

from __future__ import annotations

from datetime import UTC, datetime


def meeting_ics(
    *, uid: str, starts_at: datetime, ends_at: datetime, summary: str, description: str, location: str, now: datetime
) -> bytes:
    """One event in UTC, so every calendar shows it at the right local time. A time with another
    offset (a held slot read back as Toronto's -05:00) would be written under a TZID the file does not
    define, which calendar apps read as their own zone's time."""
    from icalendar import Calendar, Event  # a meeting's, not the start's (as in handlers.intake.answers)

    calendar = Calendar()
    calendar.add("prodid", "-//Frontdoor//Connector Program//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", starts_at.astimezone(UTC))
    event.add("dtend", ends_at.astimezone(UTC))
    event.add("summary", summary)
    event.add("description", description)
    if location:
        event.add("location", location)
    calendar.add_component(event)
    content: bytes = calendar.to_ical()
    return content
