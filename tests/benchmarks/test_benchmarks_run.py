"""Every benchmark still runs at tiny sizes and reports its figures. A benchmark is not a test: no duration is checked."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.__main__ import NAMES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`python -m benchmarks --tiny` once, all benchmarks in one process (one import of everything)."""
    out = tmp_path_factory.mktemp("benchmarks") / "figures.json"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--tiny", "--in-process", "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    return dict(json.loads(out.read_text()))


@pytest.mark.parametrize("name", NAMES)
def test_benchmark_reports_its_figures(report: dict[str, Any], name: str) -> None:
    figures = [figure for figure in report["figures"] if figure["benchmark"] == name]
    assert figures, f"{name} reported nothing"
    for figure in figures:
        assert isinstance(figure["value"], int | float) and not math.isnan(figure["value"]), figure
        assert figure["name"] and "met" in figure


def test_the_report_names_the_machine(report: dict[str, Any]) -> None:
    assert report["tiny"] is True
    assert report["machine"]["cores"]
