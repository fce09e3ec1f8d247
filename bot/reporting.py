"""What the export's process (python -m bot.exporting) needs of a request beyond the export: its
program and language, and the monthly report when a coordinator asked for one (/report)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalogs import LOCALES, Catalogs, Translator
from handlers.core.program import Program, load_program
from storage.report import Month, monthly_report
from storage.report_files import write_report


def program_of(request: dict[str, Any], language: str | None = None) -> tuple[Program, Translator]:
    """The request's program (its file; else the default one) and a translator into `language` (the
    program's first by default)."""
    program = load_program(Path(request["program_file"]) if request.get("program_file") else None)
    catalogs = Catalogs(Path(request["locales"]) if request.get("locales") else LOCALES, own=program.own_texts)
    return program, catalogs.translator(language or program.default_language)


async def write_requested_report(session: AsyncSession, request: dict[str, Any]) -> int:
    """The report of the request's month to its file, labelled in its language; how many rows."""
    program, t = program_of(request, request["report"]["language"])
    month = Month.parse(request["report"]["month"], program.time_zone)
    figures = await monthly_report(session, month)
    now = datetime.fromisoformat(request["now"])
    return write_report(str(request["kind"]), figures, t, program, Path(request["out"]), now)
