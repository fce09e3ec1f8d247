"""The `frontdoor` command. A bad argument or a missing setting: one line and exit status 2."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

from bot import allocator, redaction
from bot.channels import telegram_library
from bot.cli_paths import export_target, file_target, files_folder, report_target
from bot.cli_values import (
    DEFAULT_LISTEN,
    day,
    export_period,
    moment,
    month_text,
    participant_number,
    user_id,
    webhook_of,
)
from bot.config import Settings, SettingsError, load_settings
from handlers.core.program import ProgramError, load_program

log = logging.getLogger("frontdoor")
USAGE_ERROR = 2
CHAT_FILES = "frontdoor-files"


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: {message} (see {self.prog} --help)\n")


def make_parser() -> Parser:
    parser = Parser(prog="frontdoor", description="The chat front door of a Connector Program.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot: Telegram's door (polling or a webhook), WhatsApp's, or both")
    run.add_argument(
        "--webhook", metavar="URL", help="webhook mode: the public https address Telegram sends updates to"
    )
    run.add_argument(
        "--listen",
        metavar="HOST:PORT",
        default=DEFAULT_LISTEN,
        help=f"with --webhook or --whatsapp: where this worker listens, behind the reverse proxy ({DEFAULT_LISTEN})",
    )
    run.add_argument(
        "--whatsapp",
        action="store_true",
        help="the WhatsApp door: serve the Cloud API's webhook at /whatsapp on --listen (README, The WhatsApp door)",
    )
    run.add_argument(
        "--telegram",
        action="store_true",
        help="the Telegram door (the default); with --whatsapp, both doors in one process, Telegram long polled",
    )
    run.add_argument(
        "--library",
        choices=tuple(telegram_library.MODULES),
        help="the Telegram library to run on (default: FRONTDOOR_TELEGRAM_LIBRARY, else aiogram)",
    )

    chat = commands.add_parser("chat", help="the same conversation in this terminal, no Telegram needed")
    chat.add_argument("--role", choices=["connectee", "connector"], help="answer as a newcomer or a volunteer")
    chat.add_argument("--language", help="language code, e.g. en or fr")
    chat.add_argument("--user", type=user_id, default=1, help="the pretend user id (default 1)")
    chat.add_argument(
        "--files",
        type=Path,
        default=Path(CHAT_FILES),
        metavar="FOLDER",
        help=f"where the documents the bot sends are saved, e.g. my-data.json, meeting.ics ({CHAT_FILES})",
    )

    preview = commands.add_parser(
        "preview", help="every message one role meets, in one language, as an HTML page for a translator"
    )
    preview.add_argument("--language", required=True, help="language code, e.g. ar or zh-Hans")
    preview.add_argument(
        "--role", choices=["connectee", "connector", "coordinator"], default="connectee", help="whose chat (connectee)"
    )
    preview.add_argument("--out", required=True, metavar="PATH", help="the HTML file to write")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, parser_class=Parser, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply the database migrations")

    jobs = commands.add_parser("jobs", help="time-driven work: nudges, expiries, reminders")
    jobs_commands = jobs.add_subparsers(dest="jobs_command", required=True, parser_class=Parser, metavar="ACTION")
    jobs_run = jobs_commands.add_parser("run", help="run every job due now (or as of --now)")
    jobs_run.add_argument("--now", type=moment, help="pretend it is this time, e.g. 2026-12-01T09:00 (program's zone)")

    retention = commands.add_parser(
        "retention", help="anonymizing participants inactive for longer than the program keeps data"
    )
    retention_commands = retention.add_subparsers(
        dest="retention_command", required=True, parser_class=Parser, metavar="ACTION"
    )
    retention_run = retention_commands.add_parser(
        "run", help="say who is due to be anonymized now, on this machine's clock; --confirm anonymizes them"
    )
    retention_run.add_argument(
        "--confirm",
        action="store_true",
        help="anonymize everyone due now, beyond the share a daily run may take (irreversible)",
    )

    digest = commands.add_parser("digest", help="the coordinators' daily digest")
    digest.add_argument("--print", action="store_true", required=True, help="show the last 24 hours' digest here")

    coordinators = commands.add_parser("coordinators", help="people who coordinate the program")
    coordinators_commands = coordinators.add_subparsers(
        dest="coordinators_command", required=True, parser_class=Parser, metavar="ACTION"
    )
    coordinators_commands.add_parser("invite", help="a one-time code; the new coordinator sends /coordinator CODE")
    listing = coordinators_commands.add_parser("list", help="who coordinates: id, how and when they joined, last use")
    listing.add_argument("--json", action="store_true", help="as JSON, for a script")
    revoke = coordinators_commands.add_parser(
        "revoke", help="end a coordinator's access now (one who joined with a code); they are told"
    )
    revoke.add_argument("id", type=user_id, metavar="ID", help="their Telegram user id, as `list` shows it")
    audit = coordinators_commands.add_parser("audit", help="every /find and export: who, when, what, how many")
    audit.add_argument("--since", type=day, help="from this day on, e.g. 2026-11-01 (the program's time zone)")
    audit.add_argument("--json", action="store_true", help="as JSON, for a script")

    matching = commands.add_parser("match", help="matching newcomers with volunteers")
    matching.add_argument("--dry-run", action="store_true", required=True, help="print suggestions, change nothing")

    erase = commands.add_parser(
        "erase", help="erase a participant's personal data, for a request made by e-mail, phone or letter"
    )
    erase.add_argument(
        "--participant",
        type=participant_number,
        required=True,
        metavar="ID",
        help="the participant's number (as /find shows it)",
    )
    erase.add_argument("--yes", action="store_true", help="erase without showing who it is and asking first")

    export = commands.add_parser(
        "export", help="export every record for coordinators and funders (columns: docs/export.md)"
    )
    export.add_argument("--format", choices=["csv", "xlsx", "json"], default="json", help="the file format (json)")
    export.add_argument("--since", type=day, help="from this day on, e.g. 2026-11-01 (the program's time zone)")
    export.add_argument("--until", type=day, help="up to and including this day, e.g. 2026-11-30")
    export.add_argument("--language", help="answers' labels in this language, e.g. fr (default: the program's first)")
    export.add_argument(
        "--out",
        default="-",
        help="where to write: a file (csv: a .zip, or else a folder of CSV files); - is standard output (json only)",
    )
    program = commands.add_parser("program", help="the program file: check FILE lists texts an offered language lacks")
    program.add_argument("action", choices=["check"])
    program.add_argument("file", type=Path, help="the program file, e.g. handlers/core/default_program.toml")
    whatsapp = commands.add_parser(
        "whatsapp", help="templates: those to register with Meta (README, WhatsApp templates)"
    )
    whatsapp.add_argument("action", choices=["templates"])
    whatsapp.add_argument("--language", required=True, help="their text in this language, e.g. fr")
    report = commands.add_parser("report", help="the monthly report for funders (figures: docs/export.md)")
    report.add_argument(
        "--month", type=month_text, required=True, help="the month, e.g. 2026-11 (the program's time zone)"
    )
    report.add_argument("--format", choices=["xlsx", "csv", "json"], default="xlsx", help="the file format (xlsx)")
    report.add_argument("--language", help="labels in this language, e.g. fr (default: the program's first)")
    report.add_argument("--out", default="-", help="the file to write; - is standard output (json only)")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    arguments = make_parser().parse_args(argv)
    # The bot logs what it does; the one-shot commands keep the terminal for their own output.
    level = logging.INFO if arguments.command == "run" else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("aiogram.event", "httpx", "alembic"):  # httpx: python-telegram-bot's, a line per request
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        settings = load_settings()
        if arguments.command == "run" and argv is None:  # the command line's own process: a caller
            # passing `argv` (tests.support.first_poll) runs `run` inside a process not ours to start again
            allocator.restart_on_jemalloc(settings.allocator)
        redaction.install(redaction.secrets_of_token(settings.bot_token))
        status = asyncio.run(dispatch(arguments, settings)) or 0
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's own flush at exit
    except (SettingsError, ProgramError) as error:
        fail(str(error))
    except BrokenPipeError:
        output_closed()
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(status)


def fail(message: str) -> NoReturn:
    print(f"frontdoor: {message}", file=sys.stderr)
    sys.exit(USAGE_ERROR)


def output_closed() -> NoReturn:
    """Whoever read the output stopped early (`frontdoor export --out - | head`): one line, status 1,
    and standard output pointed at nothing, so that Python's last flush does not fail a second time."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    print("frontdoor: the output was closed before everything was written (broken pipe)", file=sys.stderr)
    sys.exit(1)


async def dispatch(arguments: argparse.Namespace, settings: Settings) -> int:
    if arguments.command in ("chat", "preview", "export", "report", "whatsapp"):
        check_language(arguments.language, settings)
    # Imported only now, so that mistakes are answered at once; and a Telegram library (aiogram: seconds)
    # only by `run`, the one command that talks to Telegram.
    if arguments.command == "run":
        return await run_bot(arguments, settings)
    from bot import commands

    one_shot: dict[str, Callable[[], Awaitable[int]]] = {
        "chat": lambda: commands.chat(
            settings,
            role=arguments.role,
            language=arguments.language,
            user_id=arguments.user,
            files=files_folder(arguments.files),
        ),
        "preview": lambda: commands.preview(
            settings, language=arguments.language, role=arguments.role, out=file_target(arguments.out)
        ),
        "db": lambda: commands.db_upgrade(settings),
        "jobs": lambda: commands.jobs_run(settings, now=jobs_now(arguments.now, settings)),
        "retention": lambda: commands.retention_run(settings, confirm=arguments.confirm),
        "match": lambda: commands.match_dry_run(settings),
        "digest": lambda: commands.digest_print(settings),
        "coordinators": lambda: coordinators(arguments, settings),
        "erase": lambda: commands.erase(settings, arguments.participant, confirmed=arguments.yes),
        "export": lambda: export_records(arguments, settings),
        "report": lambda: report(arguments, settings),
        "program": lambda: commands.program_check(settings, arguments.file),
        "whatsapp": lambda: commands.whatsapp_templates(settings, arguments.language),
    }
    if arguments.command not in one_shot:
        raise AssertionError(arguments.command)
    return await one_shot[arguments.command]()


def check_language(language: str | None, settings: Settings) -> None:
    languages = load_program(settings.program_file).languages
    if language and language not in languages:
        raise SettingsError(f"--language {language!r} is not one of {', '.join(languages)}")


async def run_bot(arguments: argparse.Namespace, settings: Settings) -> int:
    if arguments.whatsapp:
        return await run_whatsapp(arguments, settings)
    webhook = webhook_of(arguments.webhook, arguments.listen)  # a mistake answered before that import
    if arguments.library:
        settings = replace(settings, telegram_library=arguments.library)
    # What `run` imports (SQLAlchemy, and later the Telegram library) makes thousands of objects
    # that live as long as the process: with the garbage collector paused it does not walk them
    # again and again as they are made (docs/benchmarks.md, "Why the code is as it is").
    gc.disable()
    try:
        from bot import serve
    finally:
        gc.enable()

    return await serve.run(settings, webhook)


async def run_whatsapp(arguments: argparse.Namespace, settings: Settings) -> int:
    """`run --whatsapp [--telegram] [--listen HOST:PORT]`: the WhatsApp door, alone (no Telegram library
    is imported) or with Telegram's, long polled, in the same process."""
    if arguments.webhook:
        raise SettingsError("--whatsapp serves its webhook at /whatsapp on --listen: leave --webhook out")
    listening = webhook_of("http://frontdoor/whatsapp", arguments.listen)
    assert listening is not None
    settings.require_whatsapp()  # a missing setting answered before the imports
    if arguments.telegram:
        settings.require_token()
        settings = replace(settings, telegram_library=arguments.library or settings.telegram_library)
    from bot import serve_whatsapp

    return await serve_whatsapp.run(settings, listening.host, listening.port, telegram=arguments.telegram)


def jobs_now(now: datetime | None, settings: Settings) -> datetime | None:
    if now is not None and now.tzinfo is None:  # as coordinators think: the program's local time
        now = now.replace(tzinfo=ZoneInfo(load_program(settings.program_file).time_zone))
    return now


async def export_records(arguments: argparse.Namespace, settings: Settings) -> int:
    from bot import commands

    out = export_target(arguments.format, arguments.out)
    time_zone = load_program(settings.program_file).time_zone
    since, until = export_period(arguments.since, arguments.until, time_zone)
    return await commands.export(
        settings, kind=arguments.format, out=out, since=since, until=until, language=arguments.language
    )


async def report(arguments: argparse.Namespace, settings: Settings) -> int:
    from bot import commands
    from storage.report import Month

    out = report_target(arguments.format, arguments.out)
    program = load_program(settings.program_file)
    month = Month.parse(arguments.month, program.time_zone)
    language = arguments.language or program.default_language
    return await commands.report(settings, month=month, kind=arguments.format, out=out, language=language)


async def coordinators(arguments: argparse.Namespace, settings: Settings) -> int:
    from bot import coordinator_admin

    if arguments.coordinators_command == "list":
        return await coordinator_admin.listing(settings, as_json=arguments.json)
    if arguments.coordinators_command == "revoke":
        return await coordinator_admin.revoke(settings, arguments.id)
    if arguments.coordinators_command == "audit":
        time_zone = load_program(settings.program_file).time_zone
        since, _ = export_period(arguments.since, None, time_zone)
        return await coordinator_admin.audit(settings, since=since, as_json=arguments.json)
    return await coordinator_admin.invite(settings)


if __name__ == "__main__":
    main()
