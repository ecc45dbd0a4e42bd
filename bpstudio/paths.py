"""Where bundled files live, for a source checkout and for an installed package alike."""

from __future__ import annotations

from pathlib import Path


def _bundled_dir(name: str) -> Path:
    # Installed (editable or not): setuptools maps examples/ and resources/ to
    # bpstudio.examples / bpstudio.resources. From a bare checkout: the repository folder.
    try:
        import importlib.resources as ir

        path = Path(str(ir.files(f"bpstudio.{name}")))
        if path.is_dir():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / name


def examples_dir() -> Path:
    return _bundled_dir("examples")


def resources_dir() -> Path:
    return _bundled_dir("resources")


def example_files() -> list[Path]:
    return sorted(examples_dir().glob("*.json"))
