"""Where bundled files live: inside the package (bpstudio/examples, bpstudio/resources), for a
source checkout, an editable and a normal install alike."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def examples_dir() -> Path:
    return PACKAGE / "examples"


def resources_dir() -> Path:
    return PACKAGE / "resources"


def example_files() -> list[Path]:
    return sorted(examples_dir().glob("*.json"))


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def is_example(path) -> bool:
    """A file of the bundled examples folder: it opens as an untitled copy, never saved over."""
    return _inside(Path(path).resolve(), examples_dir())


def is_bundled(path) -> bool:
    """Inside the installed package (its examples and resources too): no place for the
    user's files."""
    return _inside(Path(path).resolve(), PACKAGE)
