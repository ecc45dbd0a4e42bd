"""The open document: which file, the undo stack, "modified", recent files and autosave.

"Modified" is exactly the undo stack's clean state (undoing back to the saved state clears
the ``*``). Opening or creating a document replaces the one Graph in place
(``graph.replace_with``) so every subscriber (scene, inspector, panels) stays valid.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtGui import QUndoStack

from ..model import fileformat
from ..model.graph import Graph
from .layout import fill_missing_positions

MAX_RECENT = 8
AUTOSAVE_MS = 30_000


def settings() -> QSettings:
    return QSettings("bpstudio", "Backprop Studio")


def recovery_dir() -> Path:
    """Where autosaves go; BPSTUDIO_RECOVERY_DIR overrides it (tests, portable installs)."""
    override = os.environ.get("BPSTUDIO_RECOVERY_DIR")
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".bpstudio") / "recovery"


class Document(QObject):
    path_changed = Signal(object)  # Path | None
    modified_changed = Signal(bool)
    recent_changed = Signal(list)

    def __init__(self, graph: Graph, parent: QObject | None = None):
        super().__init__(parent)
        self.graph = graph
        self.path: Path | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()

    # ---------------------------------------------------------------- state
    def _clean_changed(self, clean: bool) -> None:
        if shiboken6.isValid(self):  # the stack may emit while the window is being destroyed
            self.modified_changed.emit(not clean)

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def display_name(self) -> str:
        return self.path.name if self.path else (self.graph.name or "Untitled")

    # ---------------------------------------------------------------- open / new / save
    def load_graph(self, other: Graph, path: Path | None, modified: bool = False) -> None:
        """Show other (which the document takes over: callers must not keep using it)."""
        fill_missing_positions(other)  # positions become part of the document on save
        self.graph.replace_with(other, take=True)
        self.undo_stack.clear()
        if modified:
            self.undo_stack.resetClean()  # e.g. a restored recovery file: never "clean"
        self._set_path(path)
        self.modified_changed.emit(self.modified)

    def open(self, path: str | os.PathLike) -> None:
        """Load FILE; raises NetworkFileError and leaves the current document untouched."""
        graph = fileformat.load(path)
        self.load_graph(graph, Path(path).resolve())
        self.add_recent(Path(path).resolve())

    def save(self, path: str | os.PathLike | None = None) -> None:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("no file name: use Save As")
        fileformat.save(self.graph, target)
        self._set_path(target.resolve())
        self.undo_stack.setClean()
        self.add_recent(target.resolve())
        self.discard_recovery()

    def _set_path(self, path: Path | None) -> None:
        self.path = path
        self.path_changed.emit(path)

    # ---------------------------------------------------------------- recent files
    def recent_files(self) -> list[str]:
        value = settings().value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add_recent(self, path: Path) -> None:
        files = [str(path)] + [f for f in self.recent_files() if f != str(path)]
        settings().setValue("recent_files", files[:MAX_RECENT])
        self.recent_changed.emit(files[:MAX_RECENT])

    def clear_recent(self) -> None:
        settings().setValue("recent_files", [])
        self.recent_changed.emit([])

    # ---------------------------------------------------------------- autosave / recovery
    @staticmethod
    def recovery_file() -> Path:
        return recovery_dir() / "autosave.json"

    def autosave(self) -> bool:
        """Write the current network to the recovery file if it has unsaved changes."""
        if not self.modified:
            return False
        target = self.recovery_file()
        target.parent.mkdir(parents=True, exist_ok=True)
        # a relative CSV path rewritten to start from the recovery folder (it must reopen)
        fileformat.atomic_write_text(target, fileformat.dumps(self.graph, target.parent))
        meta = {"path": str(self.path) if self.path else None, "time": time.time()}
        fileformat.atomic_write_text(target.with_suffix(".meta"), json.dumps(meta))
        return True

    def discard_recovery(self) -> None:
        for p in (self.recovery_file(), self.recovery_file().with_suffix(".meta")):
            p.unlink(missing_ok=True)

    @classmethod
    def pending_recovery(cls) -> tuple[Path, dict] | None:
        f = cls.recovery_file()
        if not f.exists():
            return None
        try:
            meta = json.loads(f.with_suffix(".meta").read_text("utf-8"))
        except (OSError, ValueError):
            meta = {}
        return f, meta

    def restore_recovery(self) -> None:
        f, meta = self.pending_recovery() or (None, {})
        if f is None:
            return
        graph = fileformat.load(f)
        path = Path(meta["path"]) if meta.get("path") else None
        self.load_graph(graph, path, modified=True)
