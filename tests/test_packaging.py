"""The package list in pyproject.toml must name every subpackage, or a normal install breaks."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject():
    pyproject = ROOT / "pyproject.toml"
    if not (ROOT / "bpstudio").is_dir() or not pyproject.exists():
        pytest.skip("not a source checkout")
    listed = set(tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "bpstudio").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert {"bpstudio.examples", "bpstudio.resources"} <= listed
