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


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def is_example(path) -> bool:
    """A file of the bundled examples folder: it opens as an untitled copy, never saved over."""
    return _inside(Path(path).resolve(), examples_dir().resolve())


def is_bundled(path) -> bool:
    """Inside the installed package or its examples/resources: no place for the user's files."""
    p = Path(path).resolve()
    roots = (examples_dir(), resources_dir(), Path(__file__).resolve().parent)
    return any(_inside(p, r.resolve()) for r in roots)
