"""CI replays the same hypothesis examples every run: a red build can be reproduced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

CI_RUN = Path(__file__).resolve().parent.parent / ".ci" / "run"


def test_ci_runs_the_tests_with_the_derandomised_profile():
    script = CI_RUN.read_text(encoding="utf-8")
    exported = script.index('export CI="${CI:-true}"')
    assert exported < script.index("-m pytest")  # set before the tests run
    assert settings.get_profile("ci").derandomize  # what CI=… loads (tests/conftest.py)


@pytest.mark.skipif(not os.environ.get("CI"), reason="locally hypothesis explores new examples")
def test_under_ci_the_loaded_profile_is_derandomised():
    assert settings.default.derandomize and settings.default.deadline is None
