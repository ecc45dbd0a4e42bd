"""check/trace/train never import Qt; core/ and model/ import with PySide6 and pyqtgraph blocked."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from helpers import REFERENCE, write_doc, xor_doc

QT_PREFIXES = ("PySide6", "pyqtgraph", "shiboken6")


def _python(code: str, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["trace", "{ref}"],
        ["trace", "{ref}", "--all", "--format", "text"],
        ["check", "{ref}"],
        ["train", "{xor}", "--epochs", "5", "--quiet", "--out", "{out}", "--history", "{hist}"],
        ["check", "{bad}"],
    ],
)
def test_subcommands_never_import_qt(argv, tmp_path):
    xor = write_doc(tmp_path / "xor.json", xor_doc("sgd"))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    paths = {
        "{ref}": str(REFERENCE / "handwritten_221.json"),
        "{xor}": str(xor),
        "{out}": str(tmp_path / "out.json"),
        "{hist}": str(tmp_path / "h.csv"),
        "{bad}": str(bad),
    }
    args = [paths.get(a, a) for a in argv]
    proc = _python(
        f"""
        import sys
        import bpstudio.cli as c
        code = c.main({args!r})
        qt = sorted(m for m in sys.modules if m.startswith({QT_PREFIXES!r}))
        assert not qt, qt
        print("exit", code)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert "exit 2" in proc.stdout if "{bad}" in argv else "exit 0" in proc.stdout


_BLOCKER = """
import importlib.abc
import sys


class BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6"):
            raise ImportError(f"{name} is blocked in this test")
        return None


sys.meta_path.insert(0, BlockQt())
try:
    import PySide6  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("the blocker does not work")
"""


def test_core_and_model_import_with_qt_blocked():
    proc = _python(
        _BLOCKER
        + """
import importlib
import pkgutil

import bpstudio.core
import bpstudio.model

skip = set()  # every module of core/ and model/ must import without Qt
for pkg in (bpstudio.core, bpstudio.model):
    for info in pkgutil.iter_modules(pkg.__path__):
        name = f"{pkg.__name__}.{info.name}"
        if name not in skip:
            importlib.import_module(name)
import bpstudio.cli
print("imported", len([m for m in sys.modules if m.startswith("bpstudio.")]))
"""
    )
    assert proc.returncode == 0, proc.stderr
    assert "imported" in proc.stdout


def test_cli_runs_with_qt_blocked(tmp_path):
    xor = write_doc(tmp_path / "xor.json", xor_doc("adam", epochs=20))
    ref = REFERENCE / "ecs171_321.json"
    proc = _python(
        _BLOCKER
        + f"""
import bpstudio.cli as c
assert c.main(["check", {str(ref)!r}]) == 0
assert c.main(["trace", {str(ref)!r}, "--all"]) == 0
assert c.main(["train", {str(xor)!r}, "--quiet", "--out", {str(tmp_path / "o.json")!r}]) == 0
print("done")
"""
    )
    assert proc.returncode == 0, proc.stderr
    assert "done" in proc.stdout
