"""`python -m benchmarks [NAME ...] [--tiny] [--set SIZE=N ...] [--database KIND] [--json FILE]`: run benchmarks.

With several benchmarks (or none named: all of them), each runs in its own fresh process, one after
the other, so that none inherits another's memory, caches or garbage; `--in-process` runs them in
this one (faster to start: what the smoke test does).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import DATABASES, Figure, machine

NAMES = ("throughput", "latency", "sending", "export", "matching", "startup", "flood", "wait", "report", "memory")
# Run only when named: the half-hour soak, webhook workers (on PostgreSQL), programs up to 100,000 people.
ON_REQUEST = ("soak", "workers", "growth")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"which to run (default all of {', '.join(NAMES)}; or {', '.join(ON_REQUEST)})",
    )
    parser.add_argument("--tiny", action="store_true", help="tiny sizes: only shows that each still runs (CI)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="SIZE=N", help="change one size, e.g. users=200 (one benchmark)"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures and the machine as JSON")
    parser.add_argument("--in-process", action="store_true", help="run every benchmark in this process")
    parser.add_argument(
        "--database",
        choices=DATABASES,
        help="the bot's database: a SQLite file, or a new database on the tests' PostgreSQL (for those that take it; "
        "default: SQLite, for the workers PostgreSQL)",
    )
    arguments = parser.parse_args(argv)
    unknown = [name for name in arguments.names if name not in NAMES + ON_REQUEST]
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; one of {', '.join(NAMES + ON_REQUEST)}")
    if arguments.set and len(arguments.names) != 1:
        parser.error("--set changes the size of one benchmark: name exactly one")
    if arguments.database is not None:
        refusing = [name for name in arguments.names or NAMES if not takes_database(name)]
        if refusing or not arguments.names:
            taking = [name for name in NAMES + ON_REQUEST if takes_database(name)]
            parser.error(f"--database: name the benchmarks that take it ({', '.join(taking)})")
    return arguments


def takes_database(name: str) -> bool:
    """Whether benchmark `name` runs on either database (its `run` has a `database` parameter)."""
    run = importlib.import_module(f"benchmarks.{name}").run
    return "database" in inspect.signature(run).parameters


def overrides(settings: list[str]) -> dict[str, float]:
    sizes: dict[str, float] = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        try:
            sizes[name.strip()] = float(value)
        except ValueError:
            raise SystemExit(f"--set {setting}: expected SIZE=NUMBER") from None
    return sizes


async def run_here(name: str, tiny: bool, sizes: dict[str, float], database: str | None = None) -> list[Figure]:
    module = importlib.import_module(f"benchmarks.{name}")
    given: dict[str, Any] = {"database": database} if database is not None else {}
    figures: list[Figure] = await module.run(tiny=tiny, **given, **sizes)
    return figures


def run_apart(name: str, tiny: bool, database: str | None = None) -> list[Figure]:
    """One benchmark in a fresh process; its figures come back as JSON."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "figures.json"
        command = [sys.executable, "-m", "benchmarks", name, "--json", str(out), *(["--tiny"] if tiny else [])]
        command += ["--database", database] if database is not None else []
        root = Path(__file__).resolve().parent.parent
        env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
        finished = subprocess.run(command, cwd=root, env=env, stdout=subprocess.DEVNULL)
        if finished.returncode != 0 or not out.exists():
            raise SystemExit(f"benchmark {name} failed (exit status {finished.returncode})")
        return [
            Figure(**{k: v for k, v in item.items() if k != "met"}) for item in json.loads(out.read_text())["figures"]
        ]


def main(argv: list[str] | None = None) -> None:
    arguments = parse(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiogram").setLevel(logging.ERROR)  # polling's start and stop, each run
    names = arguments.names or list(NAMES)
    apart = len(names) > 1 and not arguments.in_process
    sizes = overrides(arguments.set)
    started = datetime.now(UTC)
    on_database = f" on {arguments.database}" if arguments.database is not None else ""
    print(
        f"Frontdoor benchmarks{' (tiny sizes)' if arguments.tiny else ''}: {', '.join(names)}{on_database}", flush=True
    )
    on = machine()
    versions = ", ".join(f"{name} {version}" for name, version in on["versions"].items())
    print(f"on {on['cpu']}, {on['cores']} cores, {on['system']}, Python {on['python']}; {versions}", flush=True)
    figures: list[Figure] = []
    for name in names:
        began = time.perf_counter()
        database = arguments.database
        if apart:
            found = run_apart(name, arguments.tiny, database)
        else:
            found = asyncio.run(run_here(name, arguments.tiny, sizes, database))
        print(f"{name} ({time.perf_counter() - began:.0f} s)")
        for figure in found:
            print(figure.line(), flush=True)
        figures += found
    missed = [figure for figure in figures if figure.met is False]
    print(f"{len(figures)} figures; {len(missed)} short of their target" if figures else "no figures")
    if arguments.json:
        report: dict[str, Any] = {
            "started": started.isoformat(timespec="seconds"),
            "tiny": arguments.tiny,
            "database": arguments.database,
            "machine": on,
            "figures": [figure.as_dict() for figure in figures],
        }
        arguments.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
