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


def test_bundled_files_live_in_the_package_and_are_shipped():
    """examples/ and resources/ are folders of the package (no package-dir mapping from the
    repository's top level), and package-data names every file in them."""
    from fnmatch import fnmatch

    from bpstudio.paths import PACKAGE, examples_dir, resources_dir

    pyproject = ROOT / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("not a source checkout")
    setuptools = tomllib.loads(pyproject.read_text())["tool"]["setuptools"]
    assert "package-dir" not in setuptools
    assert examples_dir().parent == resources_dir().parent == PACKAGE
    data = setuptools["package-data"]
    for folder in (examples_dir(), resources_dir()):
        files = [p for p in folder.iterdir() if p.is_file()]
        assert files, folder
        patterns = data[f"bpstudio.{folder.name}"]
        for p in files:
            assert any(fnmatch(p.name, pat) for pat in patterns), f"{p} is not in package-data"
