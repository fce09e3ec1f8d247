"""The coordinators' commands in chat: review, search, suggestions, pause, digest, export, figures.

Only coordinators reach these (frontdesk checks); `/coordinator CODE` is how someone becomes one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any, Final

from babel.numbers import format_decimal

from handlers.coordinators import contact, digest, review
from handlers.coordinators.buttons import MakeExport
from handlers.coordinators.shortlist import coordinator_translator, coordinator_zone, pick_reply
from handlers.core.bidi import for_reader
from handlers.core.buttons import PressedInProgram, Route, route
from handlers.core.events import Button, Document, Outcome, Outgoing, Reply
from handlers.core.ids import database_id, number
from handlers.core.model import Participant, Role, Status
from handlers.core.people import answer, coordinator_ids, month_start, name, role_name
from handlers.core.ports import Office
from handlers.core.render import format_day, format_month
from handlers.core.translator import N_, Translator, babel_locale
from handlers.matching import again
from handlers.matching.pool import suggestions

COMMANDS: Final = {
    "pending": N_("Applications waiting for review"),
    "find": N_("Find a participant: /find name, occupation, e-mail or number"),
    "match": N_("Suggested volunteers for a newcomer: /match number"),
    "pause": N_("Pause matching someone for 30 days: /pause number (add 0 to resume)"),
    "digest": N_("The daily digest, now"),
    "export": N_("Every record as a file (CSV, Excel or JSON)"),
    "stats": N_("The program's figures"),
    "report": N_("Last month's report for funders, as Excel: /report, or /report 2026-11 for another month"),
    "reply": N_("Answer a message to the team: /reply number and your answer"),
}
EXPORTS: Final = {"csv": N_("CSV (zip)"), "xlsx": N_("Excel (xlsx)"), "json": N_("JSON")}
EXPORT: Final = "export"  # the job making a coordinator's export (or report)
REPORT_FORMAT: Final = "xlsx"  # what funders' reports are read in
FOUND: Final = 10
PAUSE_DAYS: Final = 30
PAUSE_DAY_COUNTS: Final = range(366)  # /pause 12 0 resumes, up to a year
STATUS_NAMES: Final = {
    Status.IN_PROGRESS: N_("registering"),
    Status.SUBMITTED: N_("waiting for review"),
    Status.APPROVED: N_("approved"),
    Status.DECLINED: N_("declined"),
}


async def on_command(command: str, args: str, user_id: int, t: Translator, office: Office) -> Outcome:
    if command == "pending":
        return Outcome(await review.pending(office, t))
    if command == "find":
        return Outcome([await _find(args, user_id, t, office)])
    if command == "match":
        return Outcome([await _match(args, t, office)])
    if command == "pause":
        return Outcome([await _pause(args, user_id, t, office)])
    if command == "digest":
        return Outcome(await _digest(args, user_id, t, office))
    if command == "report":
        return Outcome([await report(args, user_id, t, office)])
    if command == "reply":
        return await contact.reply_command(args, t, office)
    if command == "export":
        if args.strip().lower() in EXPORTS:
            return Outcome([await export(args.strip().lower(), user_id, t, office)])
        buttons = tuple((Button(t.gettext(label), MakeExport(kind).pack()),) for kind, label in EXPORTS.items())
        return Outcome([Reply(t.gettext("Which format would you like?"), buttons=buttons)])
    return Outcome([await _stats(t, office)])


async def join(args: str, user_id: int, t: Translator, office: Office) -> Reply:
    """/coordinator CODE: a one-time code from `frontdoor coordinators invite` makes a coordinator."""
    if not args.strip():
        return Reply(t.gettext("Please send /coordinator followed by the code you were given."))
    if not await office.roster.redeem(office.channel, user_id, args.strip(), office.now):
        return Reply(
            t.gettext("Sorry, that code does not work. Each code works once, for seven days; please ask for a new one.")
        )
    welcome = t.gettext(
        "{program}\nWelcome! You are now a coordinator of the program. Send /help to see your commands."
    )
    return Reply(welcome.format(program=for_reader(office.program.name_for(t), t.language)))


def _line(t: Translator, office: Office, person: Participant) -> str:
    role = role_name(t, person.role)
    about = answer(office, t, person, "occupation" if person.role is Role.CONNECTEE else "job_title")
    line = t.gettext("#{id} {name}, {role}, {status}").format(
        id=person.id, name=name(person, t), role=role, status=t.gettext(STATUS_NAMES[person.status])
    )
    # A translator's colon: "：" in Chinese, " :" in French.
    return t.gettext("{person}: {occupation}").format(person=line, occupation=about) if about else line


async def _find(args: str, user_id: int, t: Translator, office: Office) -> Reply:
    text = args.strip()
    if not text:
        return Reply(t.gettext("Please send /find followed by a name, an occupation, an e-mail or a number."))
    people = await office.reports.find(text, FOUND + 1)
    # The audit says what kind of search it was, not the words: those are often a participant's name,
    # e-mail or phone, and would stay in the audit after that person's erasure.
    kind = "number" if text.lstrip("#").isascii() and text.lstrip("#").isdigit() else "words"
    await office.roster.record(office.channel, user_id, "find", kind, min(len(people), FOUND), office.now)
    if not people:
        return Reply(t.gettext("Nobody found for “{text}”.").format(text=text))
    lines = [_line(t, office, person) for person in people[:FOUND]]
    if len(people) > FOUND:
        lines.append(t.gettext("Only the first {count} are shown; please be more specific.").format(count=FOUND))
    return Reply("\n".join(lines))


async def _person(args: str, t: Translator, office: Office) -> Participant | Reply:
    """The participant a command's first argument names ("12" or "#12"), or the reply saying why not."""
    person_id = database_id((args.split() or [""])[0].lstrip("#"))
    if person_id is None:
        return Reply(t.gettext("Please add the participant's number, for example: /match 12"))
    person = await office.participants.get(person_id)
    if person is None:
        return Reply(t.gettext("There is no participant #{id}.").format(id=person_id))
    return person


async def _match(args: str, t: Translator, office: Office) -> Reply:
    person = await _person(args, t, office)
    if isinstance(person, Reply):
        return person
    if person.role is not Role.CONNECTEE or person.status is not Status.APPROVED:
        return Reply(t.gettext("#{id} is not an approved newcomer.").format(id=person.id))
    if await office.matchmaking.current_proposals(person.id, Role.CONNECTEE):
        return Reply(t.pgettext("coordinator", "{name} already has a proposal under way.").format(name=name(person, t)))
    await again.release(office, person)  # after a missed meeting: the coordinator's call, now made
    return pick_reply(t, office, person, await suggestions(office, person))


async def _digest(args: str, user_id: int, t: Translator, office: Office) -> list[Reply]:
    """/digest: the digest now; /digest picture off (or on): the daily digest without its picture, or with."""
    words = args.lower().split()
    if not words:
        since = await office.roster.last_digest(office.channel, user_id) or office.now - timedelta(days=1)
        return await digest.replies(office, t, user_id, since=since)
    if words not in (["picture", "off"], ["picture", "on"]):
        return [
            Reply(
                t.gettext(
                    "To get the digest now, send /digest. To get it as text only, send /digest picture off; "
                    "with its picture again, /digest picture on."
                )
            )
        ]
    wanted = words[1] == "on"
    await office.roster.choose_digest_picture(office.channel, user_id, wanted)
    if wanted:
        return [Reply(t.gettext("Done: your digest comes with its picture. To stop it, send /digest picture off"))]
    return [Reply(t.gettext("Done: your digest comes as text only. To get its picture again, send /digest picture on"))]


async def _pause(args: str, user_id: int, t: Translator, office: Office) -> Reply:
    person = await _person(args, t, office)
    if isinstance(person, Reply):
        return person
    words = args.split()
    days = number(words[1], PAUSE_DAY_COUNTS) if len(words) > 1 else PAUSE_DAYS
    if days is None:
        return Reply(t.gettext("Please give the number of days as a whole number from 0 to 365."))
    person.paused_until = office.now + timedelta(days=days) if days else None
    await office.participants.update(person, office.now)
    if person.paused_until is None:
        return Reply(t.gettext("{name} (#{id}) can be matched again.").format(name=name(person, t), id=person.id))
    until = format_day(person.paused_until, t.language, await coordinator_zone(office, user_id))
    return Reply(
        t.gettext("{name} (#{id}) will not be matched until {date}.").format(
            name=name(person, t), id=person.id, date=until
        )
    )


async def export(kind: str, user_id: int, t: Translator, office: Office) -> Reply:
    """Every record as a document in the chat: asked for now, made by the job runner, sent when ready.

    Not made here: it takes seconds for a big program, and everyone's updates would wait for it.
    """
    key = f"{EXPORT}:{office.channel}:{user_id}:{kind}:{office.now.isoformat()}"  # a double tap asks once
    await office.jobs.schedule(EXPORT, key, office.now, {"kind": kind, "user_id": user_id})
    return Reply(
        t.gettext(
            "Preparing every record as {format}. The file will come here when it is ready, in a minute or two "
            "for a big program; you can go on using the bot meanwhile."
        ).format(format=t.gettext(EXPORTS[kind]))
    )


async def report(args: str, user_id: int, t: Translator, office: Office) -> Reply:
    """/report [YYYY-MM]: the month's figures for funders (last month by default), made by the job runner
    as an export is, and sent as an Excel file labelled in the coordinator's language."""
    month = args.strip() or _last_month(office)
    if not _is_month(month):
        return Reply(
            t.gettext("Please send /report alone for last month, or with a month, for example: /report 2026-11")
        )
    key = f"{EXPORT}:{office.channel}:{user_id}:report:{month}:{office.now.isoformat()}"
    payload = {"kind": REPORT_FORMAT, "user_id": user_id, "report": {"month": month, "language": t.language}}
    await office.jobs.schedule(EXPORT, key, office.now, payload)
    return Reply(
        t.gettext("Preparing the report for {month}. It will come here when it is ready.").format(
            month=format_month(month, t.language)
        )
    )


def _last_month(office: Office) -> str:
    start = month_start(office)
    return f"{start.year - (start.month == 1):04d}-{(start.month - 2) % 12 + 1:02d}"


def _is_month(text: str) -> bool:
    """YYYY-MM in ASCII digits, a real month (of a year from 1 on)."""
    digits = text[:4] + text[5:]
    if len(text) != 7 or text[4] != "-" or not (digits.isascii() and digits.isdigit()):
        return False
    return int(text[:4]) >= 1 and 1 <= int(text[5:]) <= 12


async def _export_pressed(button: MakeExport, pressed: PressedInProgram) -> Outcome | None:
    if button.format not in EXPORTS:
        return None
    return Outcome([await export(button.format, pressed.user_id, pressed.t, pressed.office)])


async def on_export(payload: dict[str, Any], document: Document, office: Office) -> list[Outgoing]:
    """The export job's file, to the coordinator who asked for it (if they still are one)."""
    user_id = int(payload["user_id"])
    if user_id not in await coordinator_ids(office):
        return []
    t = await coordinator_translator(office, user_id)
    report = payload.get("report")
    reply = _export_reply(document, t, office, None if report is None else str(report["month"]))
    if reply.document is not None:  # what leaves the program is audited, not what was only asked for
        kind, action = str(payload["kind"]), "export" if report is None else "report"
        await office.roster.record(office.channel, user_id, action, kind, document.records or 0, office.now)
    return [Outgoing(office.channel, user_id, reply, t.language)]


async def revoke(office: Office, user_id: int) -> list[Outgoing] | None:
    """`frontdoor coordinators revoke ID`: their access ends now, and they are told; None: no coordinator by code.

    Access is looked up at every update, so their very next /find or /export is an unknown command.
    """
    if not await office.roster.remove(office.channel, user_id):
        return None
    t = await coordinator_translator(office, user_id)
    text = t.gettext(
        "{program}\nYour coordinator access has ended: /find, /export and the other coordinators' commands "
        "no longer work for you. If you think this is a mistake, please contact whoever runs the program."
    ).format(program=for_reader(office.program.name_for(t), t.language))
    return [Outgoing(office.channel, user_id, Reply(text), t.language)]


def _export_reply(document: Document, t: Translator, office: Office, month: str | None = None) -> Reply:
    """The file with its caption (a report's names its `month`); or, past what the channel takes from a
    bot, why it is not sent."""
    channel = office.capabilities
    if len(document.content) > channel.most_file_bytes:
        return Reply(
            t.gettext(
                "The export is ready, but at {size} MB it is too big to send in this chat: {channel} takes files of "
                "up to {most} MB. Please try CSV (zip), the smallest format, or ask whoever runs the bot to export it "
                "with the command frontdoor export."
            ).format(
                size=_megabytes(len(document.content), t),
                channel=t.gettext(channel.name),
                most=_megabytes(channel.most_file_bytes, t),
            )
        )
    caption = t.gettext("{program}: every record, {date}").format(
        program=office.program.name_for(t), date=format_day(office.now, t.language, office.program.time_zone)
    )
    if month is not None:
        caption = t.gettext("{program}: the report for {month}").format(
            program=office.program.name_for(t), month=format_month(month, t.language)
        )
    return Reply("", document=replace(document, caption=caption))


def _megabytes(size: int, t: Translator) -> str:
    return format_decimal(round(size / 1_000_000, 1), locale=babel_locale(t.language))


async def on_export_failed(payload: dict[str, Any], office: Office) -> list[Outgoing]:
    """The export job could not make the file: the coordinator who asked is told, not left waiting."""
    user_id = int(payload["user_id"])
    t = await coordinator_translator(office, user_id)
    text = t.gettext(
        "Sorry, the export could not be made. Please try again in a few minutes; if it fails again, "
        "please ask whoever runs the bot to look at its log."
    )
    return [Outgoing(office.channel, user_id, Reply(text), t.language)]


async def _stats(t: Translator, office: Office) -> Reply:
    overall = await office.exports.summary(None, None)
    month = await office.exports.summary(month_start(office), None)
    measures = (
        ("connectees", N_("Newcomers registered")),
        ("connectors", N_("Volunteers registered")),
        ("meetings_held", N_("Meetings held")),
        ("no_shows", N_("Meetings missed (no-show)")),
        ("referrals", N_("Referrals recorded")),
        ("jobs_reported", N_("Jobs reported")),
    )
    lines = [t.gettext("{program}: figures (this month in brackets)").format(program=office.program.name_for(t))]
    lines += [
        t.gettext("{measure}: {total} ({month})").format(
            measure=t.gettext(label), total=overall.get(key, 0), month=month.get(key, 0)
        )
        for key, label in measures
    ]
    return Reply("\n".join(lines))


ROUTES: Final[tuple[Route[PressedInProgram, Outcome], ...]] = (route(MakeExport, _export_pressed),)
