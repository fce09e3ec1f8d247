"""A Debian package a test needs and .ci/run installs: missing here, the test is skipped; missing
under CI (CI=true), it fails, since .ci/run should have installed it."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(message: str) -> NoReturn:
    """Skip the test with `message`, or fail it under CI."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (.ci/run installs it)")
    pytest.skip(message)
