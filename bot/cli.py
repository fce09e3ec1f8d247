"""The `frontdoor` command. A bad argument or a missing setting: one line and exit status 2."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

from bot.config import Settings, SettingsError, load_settings
from handlers.program import ProgramError, load_program

log = logging.getLogger("frontdoor")
USAGE_ERROR = 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: {message} (see {self.prog} --help)\n")


def make_parser() -> Parser:
    parser = Parser(prog="frontdoor", description="The chat front door of a Connector Program.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")

    run = commands.add_parser("run", help="run the Telegram bot (long polling)")
    run.add_argument("--webhook", metavar="URL", help="webhook mode (not available yet: use long polling)")

    chat = commands.add_parser("chat", help="the same conversation in this terminal, no Telegram needed")
    chat.add_argument("--role", choices=["connectee", "connector"], help="answer as a newcomer or a volunteer")
    chat.add_argument("--language", help="language code, e.g. en or fr")
    chat.add_argument("--user", type=int, default=1, help="the pretend user id (default 1)")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, parser_class=Parser, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply the database migrations")

    jobs = commands.add_parser("jobs", help="time-driven work: nudges, expiries, reminders")
    jobs_commands = jobs.add_subparsers(dest="jobs_command", required=True, parser_class=Parser, metavar="ACTION")
    jobs_run = jobs_commands.add_parser("run", help="run every job due now (or as of --now)")
    jobs_run.add_argument("--now", type=moment, help="pretend it is this time, e.g. 2026-12-01T09:00 (program's zone)")

    match = commands.add_parser("match", help="matching connectees with connectors")
    match.add_argument("--dry-run", action="store_true", required=True, help="print suggestions, change nothing")

    export = commands.add_parser("export", help="export every participant for coordinators and funders")
    export.add_argument("--format", choices=["json"], default="json", help="json (csv and xlsx come later)")
    export.add_argument("--out", default="-", help="file to write, - for standard output (default)")
    return parser


def moment(text: str) -> datetime:
    """An ISO 8601 time; one without a zone is read in the program's time zone (see dispatch)."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date and time like 2026-12-01T09:00") from None
    return parsed


def main(argv: Sequence[str] | None = None) -> None:
    arguments = make_parser().parse_args(argv)
    # The bot logs what it does; the one-shot commands keep the terminal for their own output.
    level = logging.INFO if arguments.command == "run" else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("aiogram.event", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        settings = load_settings()
        sys.exit(asyncio.run(dispatch(arguments, settings)) or 0)
    except (SettingsError, ProgramError) as error:
        fail(str(error))
    except KeyboardInterrupt:
        sys.exit(130)


def fail(message: str) -> NoReturn:
    print(f"frontdoor: {message}", file=sys.stderr)
    sys.exit(USAGE_ERROR)


async def dispatch(arguments: argparse.Namespace, settings: Settings) -> int:
    if arguments.command == "chat":
        languages = load_program(settings.program_file).languages
        if arguments.language and arguments.language not in languages:
            raise SettingsError(f"--language {arguments.language!r} is not one of {', '.join(languages)}")
    # Imported only now (aiogram takes seconds to import), so that mistakes are answered at once.
    from bot import commands

    if arguments.command == "run":
        if arguments.webhook:
            raise SettingsError("webhook mode is not available yet; run without --webhook for long polling")
        return await commands.run_polling(settings)
    if arguments.command == "chat":
        return await commands.chat(settings, role=arguments.role, language=arguments.language, user_id=arguments.user)
    if arguments.command == "db":
        return await commands.db_upgrade(settings)
    if arguments.command == "jobs":
        now = arguments.now
        if now is not None and now.tzinfo is None:  # as coordinators think: the program's local time
            now = now.replace(tzinfo=ZoneInfo(load_program(settings.program_file).time_zone))
        return await commands.jobs_run(settings, now=now)
    if arguments.command == "match":
        return await commands.match_dry_run(settings)
    if arguments.command == "export":
        return await commands.export(settings, out=None if arguments.out == "-" else Path(arguments.out))
    raise AssertionError(arguments.command)


if __name__ == "__main__":
    main()
