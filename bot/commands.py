"""What each `frontdoor` command but `run` does, once its arguments and settings are known.

`run` is in bot.serve: only it needs a Telegram library (aiogram takes seconds to import).
"""

from __future__ import annotations

import getpass
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from gettext import ngettext as english  # the command line speaks English: no catalog, English plurals
from pathlib import Path

from tqdm import tqdm

from bot.app import Frontdoor, build
from bot.catalogs import LOCALES, Catalogs
from bot.channels import TELEGRAM, terminal
from bot.config import Settings, SettingsError
from bot.export_process import PARTICIPANTS
from bot.exporting import helping, snapshot, write_export
from handlers.core.events import Event, Reply
from handlers.core.program import load_program, question_keys
from handlers.matching.reasons import stored_in_words
from handlers.privacy.retention import AT_LEAST, SHARE, Plan
from storage.export import Period, export_of, record_counts, shape_for
from storage.export_about import about_sheet
from storage.report import Month, monthly_report
from storage.report_files import write_report as write_report_file
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("frontdoor")
RECORD_NOUNS = {
    "participants": ("{count} participant", "{count} participants"),
    "matches": ("{count} match", "{count} matches"),
    "meetings": ("{count} meeting", "{count} meetings"),
    "follow_ups": ("{count} follow-up", "{count} follow-ups"),
    "referrals": ("{count} referral", "{count} referrals"),
}
SHOWN = 20  # participant numbers listed by `frontdoor retention run`; the rest are counted


async def chat(settings: Settings, *, role: str | None, language: str | None, user_id: int, files: Path) -> int:
    app = await build(settings)

    async def handle(event: Event) -> list[Reply]:
        handled = await app.handle(terminal.CHANNEL, event)
        await app.mark_sent(handled.outbox_ids)  # shown right here: nothing left for a sender
        if handled.notice:
            return [Reply(handled.notice)]
        return handled.replies

    async def waiting() -> list[Reply]:
        return await app.take_waiting(terminal.CHANNEL, user_id)

    print(
        "frontdoor chat: type a button's number to press it, /help for commands, Ctrl-D to leave; "
        f"files the bot sends are saved in {files.resolve()}.\n",
        file=sys.stderr,
    )
    try:
        chat = terminal.TerminalChat(handle, user_id=user_id, language=language, files=files, waiting=waiting)
        await chat.run(role=role)
    finally:
        await app.close()
    return 0


async def preview(settings: Settings, *, language: str, role: str, out: Path) -> int:
    """`frontdoor preview`: the whole journey played on a temporary database, drawn as one page."""
    from bot.preview import catalog, journey, page

    program = load_program(settings.program_file)
    locales = settings.locales_dir or LOCALES
    played = await journey.play(program, locales, language, role)
    out.write_text(page.render(played, catalog.entries(locales, language)), encoding="utf-8")
    for part in played.missing:
        print(f"not covered yet: {part}", file=sys.stderr)
    return 0


async def db_upgrade(settings: Settings) -> int:
    app = await build(settings)
    await app.close()
    log.info("database is up to date")
    return 0


async def export(
    settings: Settings,
    *,
    kind: str,
    out: Path | None,
    since: datetime | None,
    until: datetime | None,
    language: str | None = None,
) -> int:
    """Write the export for [since, until) to `out` (None: standard output, json only), its answers'
    labels in `language` (the program's first by default), then say how many."""
    async with helping(settings.database_url, kind, out) as helper, opened(settings) as app:
        async with snapshot(settings.database_url, helper) as session:
            period, keys = Period(since, until), question_keys(app.program)
            total = sum((await record_counts(session, period)).values())
            # A bar only on a terminal (disable=None): a pipe or a log gets just the last line.
            with tqdm(total=total, unit=" records", file=sys.stderr, disable=None, leave=False) as bar:
                reasons = stored_in_words(app.catalogs.translator(app.program.default_language), app.program)
                t = app.catalogs.translator(language or app.program.default_language)
                shape = shape_for(kind, app.program, t, keys)
                source = await export_of(session, keys, period, datetime.now(UTC), bar.update, reasons, shape)
                if helper is not None:
                    source = await helper.take_part(session, source, keys, reasons, shape)
                counts = await write_export(kind, source, out, about_sheet(t, source))
        await _audit(app, "export", kind, counts.get(PARTICIPANTS, 0))
    written = ", ".join(english(*RECORD_NOUNS[name], count).format(count=count) for name, count in counts.items())
    print(f"exported {written}" + (f" to {out}" if out else ""), file=sys.stderr)
    return 0


async def report(settings: Settings, *, month: Month, kind: str, out: Path | None, language: str) -> int:
    """The monthly report for `month` to `out` (None: standard output, json only), labelled in `language`."""
    async with opened(settings) as app:
        async with snapshot(settings.database_url) as session:
            figures = await monthly_report(session, month)
        t = app.catalogs.translator(language)
        rows = write_report_file(kind, figures, t, app.program, out, datetime.now(UTC))
        await _audit(app, "report", kind, rows)
    rows_written = english("{count} row", "{count} rows", rows).format(count=rows)
    print(f"report for {month}: {rows_written}" + (f" written to {out}" if out else ""), file=sys.stderr)
    return 0


async def _audit(app: Frontdoor, action: str, kind: str, records: int) -> None:
    """An export or a report in the coordinators' audit, under the name of whoever ran the command."""
    try:
        operator = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        operator = "unknown"
    async with UnitOfWork(app.sessions) as uow:
        await uow.roster.record_by_operator(operator, action, kind, records, app.clock())
        await uow.commit()


async def jobs_run(settings: Settings, *, now: datetime | None) -> int:
    """Run what is due as of `now`; the messages wait in the outbox for the running bot to send."""
    async with opened(settings) as app:
        run = await app.run_jobs(TELEGRAM, now)
    print(f"ran {run.done} jobs, {run.failed} failed; messages queued for {len(run.chats)} chats", file=sys.stderr)
    if run.retention_left:
        print("retention was left for the real clock: it never runs at a pretended --now", file=sys.stderr)
    return 0 if run.failed == 0 else 1


async def retention_run(settings: Settings, *, confirm: bool) -> int:
    """Who is due to be anonymized on this machine's clock; with `confirm`, all of them, now."""
    async with opened(settings) as app:
        moment = app.clock()
        plan = await app.retention_plan(TELEGRAM, moment)
        if plan.check.behind:
            print(f"frontdoor: retention refused: {plan.check.fault}; correct the clock first", file=sys.stderr)
            return 1
        if not confirm:
            print(retention_report(plan))
            return 0
        anonymized = await app.anonymize_due(TELEGRAM, moment)
    print(
        f"anonymized {anonymized} participants inactive since {plan.before:%Y-%m-%d %H:%M} UTC; the people "
        "they were to meet are told when the bot next sends its messages",
        file=sys.stderr,
    )
    return 0


def retention_report(plan: Plan) -> str:
    """`frontdoor retention run` without --confirm: who is due, the daily share, how to confirm."""
    since = f"{plan.before:%Y-%m-%d %H:%M} UTC"
    if not plan.due:
        return f"Nobody is due to be anonymized: every participant was active since {since}."
    shown = ", ".join(f"#{participant}" for participant in plan.due[:SHOWN])
    more = f" and {len(plan.due) - SHOWN} more" if len(plan.due) > SHOWN else ""
    lines = [
        f"{len(plan.due)} of {plan.remaining} participants have had no activity since {since} and are due "
        f"to be anonymized: {shown}{more}.",
        f"The daily run anonymizes at most {plan.allowance} a day ({SHARE:.0%} of the participants, at least "
        f"{AT_LEAST}); it leaves the rest for the next days.",
    ]
    if plan.check.ahead:
        lines.append(
            f"The daily run refuses now: {plan.check.fault}. If the clock is wrong, correct it. If it is "
            "right (the bot was stopped), --confirm anonymizes them."
        )
    lines.append(f"To anonymize all {len(plan.due)} now, irreversibly: frontdoor retention run --confirm")
    return "\n".join(lines)


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Frontdoor]:
    """The program and its database for a one-shot command, closed however the command ends."""
    app = await build(settings)
    try:
        yield app
    finally:
        await app.close()


async def match_dry_run(settings: Settings) -> int:
    async with opened(settings) as app:
        for block in await app.dry_run():
            print(block, end="\n\n")
    return 0


async def digest_print(settings: Settings) -> int:
    async with opened(settings) as app:
        print(await app.digest_preview(TELEGRAM))
    return 0


async def erase(settings: Settings, participant_id: int, *, confirmed: bool) -> int:
    """Erase a participant's personal data for a request made by other means (e-mail, phone, letter),
    after showing who it is and asking (unless `confirmed`): a mistyped number erases someone else."""
    async with opened(settings) as app:
        who = await app.who(participant_id)
        if who is None:
            raise SettingsError(f"there is no participant {participant_id} (or their data is erased already)")
        if not confirmed and not _confirm(f"participant {participant_id}: {who}"):
            print("frontdoor: nothing erased", file=sys.stderr)
            return 1
        erased = await app.erase(TELEGRAM, participant_id)
    if not erased:
        raise SettingsError(f"there is no participant {participant_id} (or their data is erased already)")
    print(
        f"participant {participant_id}: personal data erased; the people they were to meet are told "
        "when the bot next sends its messages",
        file=sys.stderr,
    )
    return 0


def _confirm(who: str) -> bool:
    """Show who is about to be erased and read the answer from standard input; only "yes" or "y" erases."""
    print(who, file=sys.stderr)
    print("Erase their personal data for good? Type yes to confirm: ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    if not answer.endswith("\n"):
        print(file=sys.stderr)  # no line was typed (end of input): the next line starts on its own
    return answer.strip().lower() in ("y", "yes")


async def whatsapp_templates(settings: Settings, language: str) -> int:
    """`frontdoor whatsapp templates --language fr`: what to register with Meta, in that language."""
    from bot.channels import whatsapp_templates

    program = load_program(settings.program_file)
    catalogs = Catalogs(settings.locales_dir or LOCALES, own=program.own_texts)
    print(whatsapp_templates.listing(program, catalogs.translator(language)))
    return 0


async def program_check(settings: Settings, path: Path) -> int:
    """`frontdoor program check FILE`: the texts each offered language would show in English."""
    from bot import program_check

    return program_check.check(path, Catalogs(settings.locales_dir or LOCALES))
