"""Where bundled files live, for a source checkout and for an installed package alike."""

from __future__ import annotations

from pathlib import Path


def _bundled_dir(name: str) -> Path:
    here = Path(__file__).resolve().parent
    installed = here / name  # a normal install maps examples/ -> bpstudio/examples (pyproject)
    if installed.is_dir():
        return installed
    return here.parent / name  # a source checkout or an editable install: the repository folder


def examples_dir() -> Path:
    return _bundled_dir("examples")


def resources_dir() -> Path:
    return _bundled_dir("resources")


def example_files() -> list[Path]:
    return sorted(examples_dir().glob("*.json"))
