"""What every benchmark shares: the figures it reports, sizes, a scratch folder, the machine."""

from __future__ import annotations

import asyncio
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One reported figure, with the issue's target beside it (None: reported, no target).

    `higher_is_better` says which side of the target passes.
    """

    benchmark: str
    name: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = True
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def line(self) -> str:
        if float(self.value).is_integer() and not self.unit:
            value = f"{int(self.value):,}"  # a count
        else:
            value = f"{self.value:,.3f}" if abs(self.value) < 10 else f"{self.value:,.1f}"
        if self.target is None:
            target, verdict = "(no target)", ""
        else:
            sign = "≥" if self.higher_is_better else "≤"
            target, verdict = f"target {sign} {self.target:g} {self.unit}".rstrip(), "met" if self.met else "MISSED"
        text = f"  {self.name:<34} {value:>12} {self.unit:<10} {target:<22} {verdict}"
        return text + (f"\n      {self.note}" if self.note else "")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"met": self.met}


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (0 < fraction ≤ 1) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class _Owed:
    offered_at: float
    replies: int
    first: float | None = None


class FirstReplies:
    """The latency benchmarks' count: each update's time from being offered to the first message the
    bot sent for it. Replies are matched to updates per chat in order, knowing from the rehearsal how
    many each gets; `done` is set once every update owed a reply has had its first."""

    def __init__(self, expected: int) -> None:
        self.latencies: list[float] = []
        self.remaining = expected
        self.done = asyncio.Event()
        self._owed: dict[int, deque[_Owed]] = {}

    def offered(self, chat: int, at: float, replies: int) -> None:
        if replies:
            self._owed.setdefault(chat, deque()).append(_Owed(at, replies))

    def replied(self, chat: int, at: float) -> None:
        waiting = self._owed.get(chat)
        if not waiting:
            return  # a message no update of this run asked for
        head = waiting[0]
        if head.first is None:
            head.first = at
            self.latencies.append(at - head.offered_at)
            self.remaining -= 1
            if self.remaining == 0:
                self.done.set()
        head.replies -= 1
        if head.replies <= 0:
            waiting.popleft()


@contextmanager
def scratch(name: str, reuse: Sequence[str] = ()) -> Iterator[Path]:
    """A fresh folder for one benchmark's database and files, removed afterwards (FRONTDOOR_BENCH_DIR: kept there).

    In a kept folder the files named in `reuse` survive from the last run, so that a benchmark can
    skip rebuilding what it built then (it must check that they fit this run's size).
    """
    keep = os.environ.get("FRONTDOOR_BENCH_DIR")
    if keep:
        folder = Path(keep) / name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            if old.is_file() and old.name not in reuse:
                old.unlink()
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix=f"frontdoor-bench-{name}-") as scratch:
        yield Path(scratch)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


DATABASES = ("sqlite", "postgresql")  # what `--database` may name
# The server the tests use (tests/conftest.py); each run gets a database of its own, dropped after.
POSTGRES_ADMIN_URL = os.environ.get("FRONTDOOR_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@asynccontextmanager
async def fresh_database(kind: str, folder: Path, name: str = "frontdoor") -> AsyncIterator[str]:
    """The URL of an empty database: a SQLite file in `folder`, or a new PostgreSQL database, dropped afterwards."""
    if kind == "sqlite":
        yield sqlite_url(folder / f"{name}.db")
        return
    import asyncpg

    database = f"frontdoor_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    try:
        yield f"postgresql+asyncpg://{POSTGRES_ADMIN_URL.rsplit('/', 1)[0].removeprefix('postgresql://')}/{database}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await admin.close()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "system": f"{platform.system()} {platform.release()}",
        "versions": {name: _version(name) for name in VERSIONED} | {"SQLite": sqlite3.sqlite_version},
    }


VERSIONED = (
    "aiogram",
    "python-telegram-bot",
    "SQLAlchemy",
    "aiosqlite",
    "pydantic",
    "Babel",
    "rustpy-xlsxwriter",
    "asyncpg",
)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def sized(full: Any, tiny_size: Any, tiny: bool, overrides: dict[str, float]) -> Any:
    """The benchmark's size: full or tiny, with `--set name=value` overrides (unknown names refused)."""
    size = tiny_size if tiny else full
    known = {name: type(getattr(size, name)) for name in size.__dataclass_fields__}
    for name in overrides:
        if name not in known:
            raise SystemExit(f"--set {name}: not a size of this benchmark (one of {', '.join(known)})")
    return replace(size, **{name: (int(value) if known[name] is int else value) for name, value in overrides.items()})
