"""The coordinators' daily digest: what is new, what waits, what is late, what came of it.

A job per day (key digest:<date>) runs at the program's digest time; each coordinator's digest
is recorded with a key of (coordinator, date) in the same transaction as the message, so it is
sent once a day however many workers run it and however often they restart.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from handlers.coordinators import picture
from handlers.coordinators.shortlist import applications_waiting, coordinator_translator, coordinator_zone, why_waiting
from handlers.core.events import Outgoing, Photo, Reply
from handlers.core.model import Erasure, Participant, Role
from handlers.core.people import coordinator_ids, name, name_and_number
from handlers.core.ports import DigestFigures, DigestWindow, HeldMessages, Office
from handlers.core.render import format_day, format_when
from handlers.core.templates import TEMPLATES
from handlers.core.translator import Translator
from handlers.matching.pool import suggestions_for_each

DAILY: Final = "digest.daily"
WEEK_DAYS: Final = 7  # the picture's funnel and trend


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
        for reply in await replies(office, t, user_id, since=last or office.now - timedelta(days=1)):
            messages.append(Outgoing(office.channel, user_id, reply, t.language))
    await _schedule(office, max(date.fromisoformat(day), today) + timedelta(days=1))
    return messages


async def replies(office: Office, t: Translator, user_id: int, *, since: datetime) -> list[Reply]:
    """A coordinator's digest: its picture (unless they turned it off, or no font here draws their
    language), then its text. The day's waiting list is kept for the picture's trend either way."""
    figures = await office.reports.digest(_window(office, since))
    today = _local_day(office, office.now)
    trend = await office.reports.waiting_days(
        today.isoformat(), figures.waiting_connectees, (today - timedelta(days=WEEK_DAYS - 1)).isoformat()
    )
    text = Reply(await _text(office, t, since, figures, await coordinator_zone(office, user_id)))
    if not await office.roster.digest_picture(office.channel, user_id):
        return [text]
    week = await office.reports.funnel(office.now - timedelta(days=WEEK_DAYS), office.now)
    png = office.pictures.draw(picture.chart(t, week, trend))
    if png is None:
        return [text]
    caption = t.gettext("The last 7 days in a picture. To get the digest as text only, send /digest picture off")
    return [Reply("", photo=Photo(png, caption)), text]


def _window(office: Office, since: datetime) -> DigestWindow:
    now, rules = office.now, office.program
    return DigestWindow(
        since=since,
        now=now,
        soon_until=datetime.combine(
            _local_day(office, now) + timedelta(days=2), datetime.min.time(), tzinfo=ZoneInfo(rules.time_zone)
        ),
        stale_before=now - timedelta(hours=rules.matching.nudge_after_hours),
        overdue_before=now - timedelta(hours=rules.follow_up.nudge_after_hours),
        waiting_before=now - timedelta(days=rules.matching.waiting_alert_days),
    )


async def render(office: Office, t: Translator, *, since: datetime) -> str:
    """The digest's text, for `frontdoor digest --print`."""
    figures = await office.reports.digest(_window(office, since))
    return await _text(office, t, since, figures, office.program.time_zone)


async def _text(office: Office, t: Translator, since: datetime, figures: DigestFigures, zone: str) -> str:
    """The digest as plain lines, readable on a phone, its times in `zone` (the reader's): each count
    said as a count ("1 meeting held")."""
    rules = office.program
    erased = await office.personal_data.erased(since)
    newcomers, connectors = figures.registered.get(Role.CONNECTEE, 0), figures.registered.get(Role.CONNECTOR, 0)
    on_request, anonymized = (
        erased.get(Erasure.REQUEST, 0) + erased.get(Erasure.COORDINATOR, 0),
        erased.get(Erasure.RETENTION, 0),
    )

    def who(person: Participant) -> str:
        return name_and_number(person, t)

    def counted(text: str, count: int, **more: str) -> str:  # text: t.ngettext(…, count), for extraction
        return text.format(count=count, **more)

    lines = [
        t.gettext("{program}: daily digest, {date}").format(
            program=rules.name_for(t), date=format_day(office.now, t.language, zone)
        ),
        "",
        t.gettext("Since {when}:").format(when=format_when(since, t, zone)),
        counted(t.ngettext("{count} new newcomer", "{count} new newcomers", newcomers), newcomers),
        counted(t.ngettext("{count} new volunteer", "{count} new volunteers", connectors), connectors),
        counted(
            t.ngettext("{count} meeting held", "{count} meetings held", figures.meetings_held), figures.meetings_held
        ),
        counted(
            t.ngettext("{count} meeting missed (no-show)", "{count} meetings missed (no-show)", figures.no_shows),
            figures.no_shows,
        ),
        counted(
            t.ngettext("{count} referral recorded", "{count} referrals recorded", figures.referrals), figures.referrals
        ),
        counted(t.ngettext("{count} job reported", "{count} jobs reported", figures.jobs), figures.jobs),
        counted(
            t.ngettext(
                "{count} person's data erased on request", "{count} people's data erased on request", on_request
            ),
            on_request,
        ),
        counted(
            t.ngettext(
                "{count} person anonymized after {period} without activity",
                "{count} people anonymized after {period} without activity",
                anonymized,
            ),
            anonymized,
            period=_days(t, rules.retention_days),
        ),
        "",
        applications_waiting(t, figures.waiting_review),
    ]
    if figures.waiting_review:
        lines += _listed(t, [who(person) for person in figures.review_waiting], figures.waiting_review)
        lines.append(t.gettext("/pending to review"))
    lines.append(
        counted(
            t.ngettext(
                "{count} newcomer waiting for a free volunteer",
                "{count} newcomers waiting for a free volunteer",
                figures.waiting_connectees,
            ),
            figures.waiting_connectees,
        )
    )
    if figures.long_waiting_count:  # "0 of them waiting for longer than 14 days:" would list nobody under its colon
        lines.append(
            counted(
                t.ngettext(
                    "{count} waiting for longer than {period}:",
                    "{count} waiting for longer than {period}:",
                    figures.long_waiting_count,
                ),
                figures.long_waiting_count,
                period=_days(t, rules.matching.waiting_alert_days),
            )
        )
        lines += _listed(t, await _waiting_and_why(office, t, figures.long_waiting), figures.long_waiting_count)
    lines.append(
        counted(
            t.ngettext(
                "{count} newcomer missed their meeting, not matched again until they ask or you /match them",
                "{count} newcomers missed their meeting, not matched again until they ask or you /match them",
                figures.missed_meeting_count,
            ),
            figures.missed_meeting_count,
        )
    )
    lines += _listed(t, [who(person) for person in figures.missed_meeting], figures.missed_meeting_count)
    lines.append(
        counted(
            t.ngettext(
                "{count} proposal with no answer for over {period}",
                "{count} proposals with no answer for over {period}",
                figures.unanswered_count,
            ),
            figures.unanswered_count,
            period=t.ngettext("{count} hour", "{count} hours", rules.matching.nudge_after_hours).format(
                count=rules.matching.nudge_after_hours
            ),
        )
    )
    pairs = [
        t.gettext("{newcomer} and {volunteer}").format(newcomer=who(connectee), volunteer=who(connector))
        for _, connectee, connector in figures.unanswered_proposals
    ]
    lines += _listed(t, pairs, figures.unanswered_count)
    lines.append(
        counted(
            t.ngettext("{count} meeting today and tomorrow", "{count} meetings today and tomorrow", figures.soon_count),
            figures.soon_count,
        )
    )
    soon = [
        t.gettext("{when}: {newcomer} with {volunteer}").format(
            when=format_when(meeting.starts_at, t, zone), newcomer=who(connectee), volunteer=who(connector)
        )
        for meeting, connectee, connector in figures.meetings_soon
    ]
    lines += _listed(t, soon, figures.soon_count)
    lines.append(
        counted(
            t.ngettext("{count} follow-up overdue", "{count} follow-ups overdue", figures.overdue_count),
            figures.overdue_count,
        )
    )
    lines += _listed(t, [who(person) for _, person in figures.overdue_follow_ups], figures.overdue_count)
    lines.append(
        counted(
            t.ngettext(
                "{count} person the bot can no longer reach",
                "{count} people the bot can no longer reach",
                figures.unreachable_count,
            ),
            figures.unreachable_count,
        )
    )
    lines += _listed(t, [who(person) for person in figures.unreachable], figures.unreachable_count)
    return "\n".join(lines + _held(office, t, await office.reports.held()))


def _held(office: Office, t: Translator, held: HeldMessages) -> list[str]:
    """Who waits for their reply window to open again (WhatsApp's 24 hours), and the templates that
    would reach them had the program registered them; nothing when nobody waits."""
    if not held.people:
        return []
    lines = [
        t.ngettext(
            "{count} person has messages waiting until they write again (24 hours passed since their last message)",
            "{count} people have messages waiting until they write again (24 hours passed since their last message)",
            held.people,
        ).format(count=held.people)
    ]
    missing = [
        (TEMPLATES[kind].name, language, count)
        for (kind, language), count in sorted(held.by_template.items())
        if kind in TEMPLATES and kind not in office.program.whatsapp_templates.get(language, {})
    ]
    for template, language, count in missing:
        lines.append(
            "• "
            + t.ngettext(
                "{count} waits for the template {template} ({language}): register it, see frontdoor whatsapp "
                "templates --language {language}",
                "{count} wait for the template {template} ({language}): register it, see frontdoor whatsapp "
                "templates --language {language}",
                count,
            ).format(count=count, template=template, language=language)
        )
    return lines


def _days(t: Translator, days: int) -> str:
    return t.ngettext("{count} day", "{count} days", days).format(count=days)


async def _waiting_and_why(office: Office, t: Translator, people: list[Participant]) -> list[str]:
    """Each newcomer waiting too long, for how long, and why: what keeps every connector from them."""
    lines = []
    found = await suggestions_for_each(office, people) if people else {}
    for person in people:
        days = (office.now - (person.unmatched_since or office.now)).days
        why = why_waiting(t, person, found[person.id])
        lines.append(
            t.ngettext(
                "{name} (#{id}), waiting for {count} day: {why}",
                "{name} (#{id}), waiting for {count} days: {why}",
                days,
            ).format(name=name(person, t), id=person.id, count=days, why=why)
        )
    return lines


def _listed(t: Translator, items: list[str], count: int) -> list[str]:
    """Bulleted lines, and how many more there are than the digest lists."""
    lines = ["• " + item for item in items]
    if count > len(items):
        more = count - len(items)
        lines.append(t.ngettext("… and {count} more", "… and {count} more", more).format(count=more))
    return lines
