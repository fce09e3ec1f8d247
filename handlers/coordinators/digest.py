"""The coordinators' daily digest: what is new, what waits, what is late, what came of it.

A job per day (key digest:<date>) runs at the program's digest time; each coordinator's digest
is recorded with a key of (coordinator, date) in the same transaction as the message, so it is
sent once a day however many workers run it and however often they restart.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from handlers.coordinators.shortlist import coordinator_translator, why_waiting
from handlers.core.events import Outgoing, Reply
from handlers.core.model import Erasure, Participant, Role
from handlers.core.people import coordinator_ids, name, name_and_number
from handlers.core.ports import DigestWindow, Office
from handlers.core.render import format_day, format_when
from handlers.core.translator import Translator
from handlers.matching.pool import suggestions_for_each

DAILY: Final = "digest.daily"


def _local_day(office: Office, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(office.program.time_zone)).date()


def _at(office: Office, day: date) -> datetime:
    """The digest time on `day`, in the program's time zone."""
    return datetime.combine(day, office.program.follow_up.digest_time, tzinfo=ZoneInfo(office.program.time_zone))


async def schedule(office: Office) -> None:
    """Make sure today's digest job exists (the job runner calls this at every run; the key dedupes)."""
    await _schedule(office, _local_day(office, office.now))


async def _schedule(office: Office, day: date) -> None:
    """The digest job of `day`, due at the digest time; its key makes a second one a no-op."""
    await office.jobs.schedule(DAILY, f"digest:{day.isoformat()}", _at(office, day), {"day": day.isoformat()})


async def daily(day: str, office: Office) -> list[Outgoing]:
    """The day's digest to every coordinator who has not had it yet, then the next day's job.

    A job left from an earlier day (the bot was down at digest time) sends nothing: today's is due.
    """
    today = _local_day(office, office.now)
    messages = []
    for user_id in sorted(await coordinator_ids(office)) if date.fromisoformat(day) == today else ():
        last = await office.roster.last_digest(office.channel, user_id)
        if not await office.roster.digest_sent(office.channel, user_id, day, office.now):
            continue  # sent already today, by this worker before a restart or by another one
        t = await coordinator_translator(office, user_id)
        text = await render(office, t, since=last or office.now - timedelta(days=1))
        messages.append(Outgoing(office.channel, user_id, Reply(text), t.language))
    await _schedule(office, max(date.fromisoformat(day), today) + timedelta(days=1))
    return messages


async def render(office: Office, t: Translator, *, since: datetime) -> str:
    """The digest as plain lines, readable on a phone."""
    now, rules = office.now, office.program
    local_today = _local_day(office, now)
    window = DigestWindow(
        since=since,
        now=now,
        soon_until=datetime.combine(
            local_today + timedelta(days=2), datetime.min.time(), tzinfo=ZoneInfo(rules.time_zone)
        ),
        stale_before=now - timedelta(hours=rules.matching.nudge_after_hours),
        overdue_before=now - timedelta(hours=rules.follow_up.nudge_after_hours),
        waiting_before=now - timedelta(days=rules.matching.waiting_alert_days),
    )
    figures = await office.reports.digest(window)
    erased = await office.personal_data.erased(since)
    zone = rules.time_zone

    def who(person: Participant) -> str:
        return name_and_number(person, t)

    lines = [
        t.gettext("Daily digest for {program}, {date}").format(
            program=rules.name, date=format_day(now, t.language, zone)
        ),
        "",
        t.gettext("Since {when}:").format(when=format_when(since, t, zone)),
        t.gettext("New newcomers: {count}").format(count=figures.registered.get(Role.CONNECTEE, 0)),
        t.gettext("New volunteer connectors: {count}").format(count=figures.registered.get(Role.CONNECTOR, 0)),
        t.gettext("Meetings held: {count}").format(count=figures.meetings_held),
        t.gettext("Meetings missed (no-show): {count}").format(count=figures.no_shows),
        t.gettext("Referrals recorded: {count}").format(count=figures.referrals),
        t.gettext("Jobs reported: {count}").format(count=figures.jobs),
        t.gettext("Personal data erased on request: {count}").format(
            count=erased.get(Erasure.REQUEST, 0) + erased.get(Erasure.COORDINATOR, 0)
        ),
        t.gettext("Anonymized after {days} days without activity: {count}").format(
            days=rules.retention_days, count=erased.get(Erasure.RETENTION, 0)
        ),
        "",
        t.gettext("Applications waiting for review: {count}").format(count=figures.waiting_review),
        t.gettext("Newcomers waiting for a free connector: {count}").format(count=figures.waiting_connectees),
        t.gettext("Waiting for longer than {days} days: {count}").format(
            days=rules.matching.waiting_alert_days, count=figures.long_waiting_count
        ),
    ]
    lines += _listed(t, await _waiting_and_why(office, t, figures.long_waiting), figures.long_waiting_count)
    lines.append(
        t.gettext("Missed their meeting, not matched again until they ask or you /match them: {count}").format(
            count=figures.missed_meeting_count
        )
    )
    lines += _listed(t, [who(person) for person in figures.missed_meeting], figures.missed_meeting_count)
    lines += [
        t.gettext("Proposals with no answer for over {hours} hours: {count}").format(
            hours=rules.matching.nudge_after_hours, count=figures.unanswered_count
        ),
    ]
    pairs = [
        t.gettext("{connectee} and {connector}").format(connectee=who(connectee), connector=who(connector))
        for _, connectee, connector in figures.unanswered_proposals
    ]
    lines += _listed(t, pairs, figures.unanswered_count)
    lines.append(t.gettext("Meetings today and tomorrow: {count}").format(count=figures.soon_count))
    soon = [
        t.gettext("{when}: {connectee} with {connector}").format(
            when=format_when(meeting.starts_at, t, zone), connectee=who(connectee), connector=who(connector)
        )
        for meeting, connectee, connector in figures.meetings_soon
    ]
    lines += _listed(t, soon, figures.soon_count)
    lines.append(t.gettext("Follow-ups overdue: {count}").format(count=figures.overdue_count))
    lines += _listed(t, [who(person) for _, person in figures.overdue_follow_ups], figures.overdue_count)
    lines.append(t.gettext("People the bot can no longer reach: {count}").format(count=figures.unreachable_count))
    lines += _listed(t, [who(person) for person in figures.unreachable], figures.unreachable_count)
    return "\n".join(lines)


async def _waiting_and_why(office: Office, t: Translator, people: list[Participant]) -> list[str]:
    """Each newcomer waiting too long, since when, and why: what keeps every connector from them."""
    lines = []
    found = await suggestions_for_each(office, people) if people else {}
    for person in people:
        since = format_day(person.unmatched_since or office.now, t.language, office.program.time_zone)
        why = why_waiting(t, person, found[person.id])
        lines.append(
            t.gettext("{name} (#{id}), since {date}: {why}").format(
                name=name(person, t), id=person.id, date=since, why=why
            )
        )
    return lines


def _listed(t: Translator, items: list[str], count: int) -> list[str]:
    """Bulleted lines, and how many more there are than the digest lists."""
    lines = ["• " + item for item in items]
    if count > len(items):
        lines.append(t.gettext("… and {count} more").format(count=count - len(items)))
    return lines
