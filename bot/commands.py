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
from pathlib import Path

from tqdm import tqdm

from bot.app import Frontdoor, build
from bot.channels import TELEGRAM, terminal
from bot.config import Settings, SettingsError
from bot.exporting import PARTICIPANTS, helping, snapshot, write_export
from handlers.core.events import Event, Reply
from handlers.matching.reasons import stored_in_words
from handlers.privacy.retention import AT_LEAST, SHARE, Plan
from storage.export import Period, export_of, question_keys, record_counts
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("frontdoor")
SHOWN = 20  # participant numbers listed by `frontdoor retention run`; the rest are counted


async def chat(settings: Settings, *, role: str | None, language: str | None, user_id: int) -> int:
    app = await build(settings)

    async def handle(event: Event) -> list[Reply]:
        handled = await app.handle(terminal.CHANNEL, event)
        await app.mark_sent(handled.outbox_ids)  # shown right here: nothing left for a sender
        if handled.notice:
            return [Reply(handled.notice)]
        return handled.replies

    print(
        "frontdoor chat: type a button's number to press it, /help for commands, Ctrl-D to leave.\n",
        file=sys.stderr,
    )
    try:
        await terminal.TerminalChat(handle, user_id=user_id, language=language).run(role=role)
    finally:
        await app.close()
    return 0


async def db_upgrade(settings: Settings) -> int:
    app = await build(settings)
    await app.close()
    log.info("database is up to date")
    return 0


async def export(
    settings: Settings, *, kind: str, out: Path | None, since: datetime | None, until: datetime | None
) -> int:
    """Write the export for [since, until) to `out` (None: standard output, json only), then say how many."""
    async with helping(settings.database_url, kind, out) as helper, opened(settings) as app:
        async with snapshot(settings.database_url, helper) as session:
            period, keys = Period(since, until), question_keys(app.program)
            total = sum((await record_counts(session, period)).values())
            # A bar only on a terminal (disable=None): a pipe or a log gets just the last line.
            with tqdm(total=total, unit=" records", file=sys.stderr, disable=None, leave=False) as bar:
                reasons = stored_in_words(app.catalogs.translator(app.program.default_language), app.program)
                source = await export_of(session, keys, period, datetime.now(UTC), bar.update, reasons)
                if helper is not None:
                    source = await helper.take_part(session, source, keys)
                counts = await write_export(kind, source, out)
        await _audit_export(app, kind, counts)
    written = ", ".join(f"{count} {name}" for name, count in counts.items())
    print(f"exported {written}" + (f" to {out}" if out else ""), file=sys.stderr)
    return 0


async def _audit_export(app: Frontdoor, kind: str, counts: dict[str, int]) -> None:
    """The export in the coordinators' audit, under the name of whoever ran the command."""
    try:
        operator = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        operator = "unknown"
    async with UnitOfWork(app.sessions) as uow:
        await uow.roster.record_by_operator(operator, "export", kind, counts.get(PARTICIPANTS, 0), app.clock())
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


async def erase(settings: Settings, participant_id: int) -> int:
    """Erase a participant's personal data for a request made by other means (e-mail, phone, letter)."""
    async with opened(settings) as app:
        erased = await app.erase(TELEGRAM, participant_id)
    if not erased:
        raise SettingsError(f"there is no participant {participant_id} (or their data is erased already)")
    print(
        f"participant {participant_id}: personal data erased; the people they were to meet are told "
        "when the bot next sends its messages",
        file=sys.stderr,
    )
    return 0
