"""Every benchmark still runs at tiny sizes and reports its figures. A benchmark is not a test: no duration is checked."""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from benchmarks.__main__ import NAMES, ON_REQUEST

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRESQL = ("throughput", "latency", "workers", "growth")  # those that take --database postgresql


def run_tiny(folder: Path, *arguments: str, timeout: float = 900) -> dict[str, Any]:
    """`python -m benchmarks --tiny --in-process ARGUMENTS…`'s JSON report (failing with its output if it fails)."""
    out = folder / "figures.json"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--tiny", "--in-process", "--json", str(out), *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    return dict(json.loads(out.read_text()))


def postgresql_reachable() -> bool:
    from tests.conftest import POSTGRES_ADMIN_URL

    address = make_url(POSTGRES_ADMIN_URL)
    try:
        socket.create_connection((address.host or "127.0.0.1", address.port or 5432), timeout=3).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`python -m benchmarks --tiny` once, all benchmarks in one process (one import of everything)."""
    return run_tiny(tmp_path_factory.mktemp("benchmarks"), timeout=600)


@pytest.mark.parametrize("name", NAMES)
def test_benchmark_reports_its_figures(report: dict[str, Any], name: str) -> None:
    figures = [figure for figure in report["figures"] if figure["benchmark"] == name]
    assert figures, f"{name} reported nothing"
    for figure in figures:
        assert isinstance(figure["value"], int | float) and not math.isnan(figure["value"]), figure
        assert figure["name"] and "met" in figure


def test_the_whatsapp_door_is_measured_beside_telegram(report: dict[str, Any]) -> None:
    """Throughput and latency report the WhatsApp door (issue 29): a real `frontdoor run --whatsapp`
    answered every signed POST, and its bare webhook echo did too."""
    _whatsapp_reported(report)


def _whatsapp_reported(report: dict[str, Any]) -> None:
    named = {(figure["benchmark"], figure["name"]): figure for figure in report["figures"]}
    for benchmark, name in (
        ("throughput", "ratio to a bare webhook echo, WhatsApp"),
        ("throughput", "WhatsApp echo updates per second"),
        ("latency", "p99 message to first reply, WhatsApp"),
    ):
        assert (benchmark, name) in named, f"{benchmark} does not report {name!r}"
        assert named[benchmark, name]["value"] > 0, named[benchmark, name]
    answered = named["latency", "p99 message to first reply, WhatsApp"]["note"]
    assert answered.startswith("80 of 80 messages answered"), answered


def test_the_report_names_the_machine(report: dict[str, Any]) -> None:
    assert report["tiny"] is True
    assert report["machine"]["cores"]


def _reported(report: dict[str, Any], name: str) -> None:
    figures = [figure for figure in report["figures"] if figure["benchmark"] == name]
    assert figures, f"{name} reported nothing"
    for figure in figures:
        assert isinstance(figure["value"], int | float) and not math.isnan(figure["value"]), figure


def test_the_benchmarks_run_only_when_named_report_their_figures(tmp_path: Path) -> None:
    named = [name for name in ON_REQUEST if name != "workers"]  # the workers need PostgreSQL: below
    report = run_tiny(tmp_path, *named)
    for name in named:
        _reported(report, name)
    soaked = [figure["name"] for figure in report["figures"] if figure["benchmark"] == "soak"]
    assert any("replies unsent" in name for name in soaked), soaked


def test_on_postgresql_the_benchmarks_report_their_figures_and_count_the_statements(tmp_path: Path) -> None:
    if not postgresql_reachable():
        pytest.skip("PostgreSQL is not reachable: the --database postgresql runs need it")
    report = run_tiny(tmp_path, *ON_POSTGRESQL, "--database", "postgresql")
    assert report["database"] == "postgresql"
    for name in ON_POSTGRESQL:
        _reported(report, name)
    _whatsapp_reported(report)
    counted = {figure["name"]: figure for figure in report["figures"] if figure["benchmark"] == "throughput"}
    assert counted["statements per update, postgresql"]["value"] > 0, "the relay saw the bot's statements"
    assert "SELECT conversations" in counted["statements per update, postgresql"]["note"]
