"""The bot's side of an export made in a process of its own (`python -m bot.exporting`, the child).

Kept apart from the child's code so that the running bot, which only starts the child and waits
for its file, never imports the export's writers (SQLAlchemy's queries of every table, the CSV,
XLSX and JSON writers, the monthly report): a bot that polls imports only what it needs before it
polls (docs/benchmarks.md, "Two Telegram libraries").
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from handlers.core.events import Document

log = logging.getLogger(__name__)

# Far beyond a big program's export (seconds); a child still running then is stuck, and stopped.
CHILD_SECONDS: Final = 600.0
PARTICIPANTS: Final = "participants"
SUFFIXES: Final = {"csv": "zip", "xlsx": "xlsx", "json": "json"}  # an export's file, by format
REPORT_SUFFIXES: Final = {"xlsx": "xlsx", "csv": "csv", "json": "json"}  # the monthly report's


class ExportFailed(RuntimeError):
    """The child process did not write the export; the message ends with what it printed last."""


class ExportProcess:
    """The whole export as one document for a coordinator's chat, made by `python -m bot.exporting`.

    With `program_file` and `locales`, the matches' reasons are in words in the program's language.
    """

    def __init__(
        self, database_url: str, keys: Sequence[str], *, program_file: str | None = None, locales: str | None = None
    ) -> None:
        self.database_url = database_url
        self.keys = list(keys)
        self.worded = {"program_file": program_file, "locales": locales} if program_file and locales else {}

    async def document(self, kind: str, now: datetime, report: dict[str, str] | None = None) -> Document:
        """Every record as `kind` (csv: a zip of CSV files, xlsx, json), as of `now`; the bot's loop stays free.

        With `report` ({"month": "2026-11", "language": "fr"}), the monthly report for funders instead.
        """
        if kind not in SUFFIXES:
            raise ValueError(f"no export format {kind!r}; one of {', '.join(SUFFIXES)}")
        filename = f"frontdoor-export-{now.date().isoformat()}.{SUFFIXES[kind]}"
        if report is not None:
            filename = f"frontdoor-report-{report['month']}.{REPORT_SUFFIXES[kind]}"
        with tempfile.TemporaryDirectory(prefix="frontdoor-export-") as folder:
            out = Path(folder) / filename
            request: dict[str, Any] = {"database_url": self.database_url, "kind": kind, "out": str(out)}
            request |= {
                "now": now.isoformat(),
                "keys": self.keys,
                **self.worded,
                **({"report": report} if report else {}),
            }
            counts = await self._run(json.dumps(request).encode())
            content = await asyncio.to_thread(out.read_bytes)
            return Document(filename, content, records=counts.get(PARTICIPANTS, counts.get("rows", 0)))

    async def _run(self, request: bytes) -> dict[str, int]:
        """Run the child; what it wrote, by kind of record (as it printed them, for the audit)."""
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.exporting",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            said, printed = await asyncio.wait_for(child.communicate(request), timeout=CHILD_SECONDS)
        except BaseException:  # stuck, or the bot is stopping: the child must not outlive the wait
            if child.returncode is None:
                child.kill()
                await child.wait()
            raise
        if child.returncode != 0:
            told = printed.decode(errors="replace").strip() or "(nothing)"
            log.error("the export process ended with %s, saying:\n%s", child.returncode, told)
            raise ExportFailed(f"the export process ended with {child.returncode}: {told.splitlines()[-1]}")
        lines = said.decode(errors="replace").strip().splitlines()
        counts: dict[str, int] = json.loads(lines[-1]) if lines else {}
        return counts
