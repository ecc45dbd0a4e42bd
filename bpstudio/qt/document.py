"""The open document: which file, the undo stack, "modified", recent files and autosave.

"Modified" is exactly the undo stack's clean state (undoing back to the saved state clears
the ``*``). Opening or creating a document replaces the one Graph in place
(``graph.replace_with``) so every subscriber (scene, inspector, panels) stays valid.

A bundled example (File → Open Example, or any file in the examples folder) opens as an
untitled copy: Save asks where, so the packaged file is never written. A file whose data
does not fit its network opens too (the Data panel offers the fixes, model/datafit.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from ..model import fileformat
from ..model.graph import Graph
from ..model.layout import fill_missing_positions
from ..paths import is_example
from . import places
from .places import settings
from .recovery import EDGES_PER_STEP, Pending, Slot
from .recovery import recovery_dir as recovery_dir  # re-exported: older callers import it here
from .turns import Turn
from .undo import UndoStack

MAX_RECENT = 8
AUTOSAVE_MS = 30_000


class Document(QObject):
    path_changed = Signal(object)  # Path | None
    modified_changed = Signal(bool)
    recent_changed = Signal(list)

    def __init__(self, graph: Graph, parent: QObject | None = None):
        super().__init__(parent)
        self.graph = graph
        self.path: Path | None = None
        self.example: str | None = None  # the bundled example this untitled copy came from
        self.recovered = False  # restored from an autosave and not saved since
        self.slot = Slot()  # this document's autosave files (qt/recovery.py)
        self.undo_stack = UndoStack(self)  # says before it changes the model (live training)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        # the periodic autosave writes a 20,000-edge network in ~75 ms of the GUI thread
        # (most of it JSON): it is written in steps of ~5 ms that take turns with the other
        # heavy jobs (qt/turns.py), and while ``postpone_autosave()`` says so (live training,
        # set by the main window: the weights change under it) it waits for
        # :meth:`resume_autosave`
        self.postpone_autosave: Callable[[], bool] = lambda: False
        self._autosave_postponed = False
        # an edit of the user's while the autosave is postponed (a neuron dragged during a
        # run, which does not pause it): the next due autosave writes it all the same, or a
        # crash in a long run would lose it (a soak found it, seed 106934)
        self._edited_while_postponed = False
        self.undo_stack.indexChanged.connect(self._note_edit)
        self._steps: Generator[None, None, None] | None = (
            None  # the periodic autosave being written
        )
        self._step_timer = QTimer(self)
        self._step_timer.setSingleShot(True)
        self._step_timer.setInterval(0)
        self._step_timer.timeout.connect(Turn(self._autosave_step, self).run)
        graph.subscribe(self._stop_steps)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self._autosave_due)
        self.autosave_timer.start()

    # ---------------------------------------------------------------- state
    def _clean_changed(self, clean: bool) -> None:
        if shiboken6.isValid(self):  # the stack may emit while the window is being destroyed
            self.modified_changed.emit(not clean)

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def display_name(self) -> str:
        if self.path:
            name = self.path.name
        elif self.example:
            name = f"{self.example} (example)"
        else:
            name = self.graph.name or "Untitled"
        return name + (" (recovered)" if self.recovered else "")

    def suggested_file_name(self) -> str:
        """What Save As offers: the file's own name, the example's, or the network's."""
        if self.path:
            return self.path.name
        return places.safe_file_stem(self.example or self.graph.name or "network") + ".json"

    # ---------------------------------------------------------------- open / new / save
    def load_graph(
        self,
        other: Graph,
        path: Path | None,
        modified: bool = False,
        example: str | None = None,
        recovered: bool = False,
    ) -> None:
        """Show other (which the document takes over: callers must not keep using it)."""
        fill_missing_positions(other)  # positions become part of the document on save
        self.graph.replace_with(other, take=True)
        self.undo_stack.clear()
        if modified:
            self.undo_stack.resetClean()  # e.g. a restored recovery file: never "clean"
        self.example, self.recovered = example, recovered
        self._set_path(path)
        self.modified_changed.emit(self.modified)

    def open(self, path: str | os.PathLike) -> None:
        """Load FILE; raises NetworkFileError and leaves the current document untouched.

        A bundled example becomes an untitled copy named after it (Save asks where).
        """
        resolved = Path(path).resolve()
        graph = fileformat.load(path, allow_misfit=True)
        if is_example(resolved):
            self.load_graph(graph, None, example=resolved.stem)
        else:
            self.load_graph(graph, resolved)
            places.remember(resolved)
        self.add_recent(resolved)

    def save(self, path: str | os.PathLike | None = None) -> None:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("no file name: use Save As")
        folder = target.resolve().parent
        # The file must find its CSV from its new folder too: fileformat.save writes a
        # relative CSV path rebased onto the target's folder; the graph says so once saved.
        before = self.graph.data
        rebased = fileformat.rebased_data(before, self.graph.base_dir, folder)
        fileformat.save(self.graph, target)
        self.graph.base_dir = folder
        self.example, self.recovered = None, False
        self._set_path(target.resolve())
        if rebased is not before:
            self.graph.set_network(data=rebased)  # panels re-read it from the new folder
        self.undo_stack.setClean()
        self.add_recent(target.resolve())
        places.remember(target)
        self.discard_recovery()

    def _set_path(self, path: Path | None) -> None:
        self.path = path
        self.path_changed.emit(path)

    # ---------------------------------------------------------------- recent files
    def recent_files(self) -> list[str]:
        value = settings().value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    def add_recent(self, path: Path) -> None:
        files = [str(path)] + [f for f in self.recent_files() if f != str(path)]
        settings().setValue("recent_files", files[:MAX_RECENT])
        self.recent_changed.emit(files[:MAX_RECENT])

    # ---------------------------------------------------------------- autosave / recovery
    def autosave(self) -> bool:
        """Write the current network to this document's recovery slot if it has unsaved changes."""
        self._stop_steps()
        if not self.modified:
            return False
        self.slot.write(self.graph, self.path)
        return True

    def _note_edit(self, _index: int) -> None:
        if self.postpone_autosave():
            self._edited_while_postponed = True

    def _autosave_due(self) -> None:
        if self.postpone_autosave():
            if self._edited_while_postponed:  # in one go, like checkpoint(): the run goes on
                self._edited_while_postponed = False
                self.autosave()
                return
            self._autosave_postponed = True
            return
        if not self.modified or self._steps is not None:
            return
        if len(self.graph.edges) <= EDGES_PER_STEP:
            self.autosave()  # one step's work anyway: at once
            return
        self._steps = self.slot.write_in_steps(self.graph, self.path)
        self._autosave_step()

    def _autosave_step(self) -> None:
        steps = self._steps
        if steps is None:  # resume_autosave: the postponed autosave starts
            self._autosave_due()
            return
        try:
            next(steps)
        except StopIteration:
            self._steps = None
            return
        except BaseException:
            self._steps = None
            raise
        self._step_timer.start()

    def _stop_steps(self, _change: object = None) -> None:
        """The network changed (or is written in one go): a periodic autosave being written
        in steps stops; the next one writes the network as it is then."""
        if self._steps is not None:
            self._steps.close()
            self._steps = None
            self._step_timer.stop()

    def checkpoint(self) -> None:
        """Live training starts: the edits made so far are written to the recovery slot now
        (in one go, ~75 ms for 20,000 edges), because the periodic autosave waits until the
        run stops. A crash during a long run then loses only the run's own progress."""
        self._autosave_postponed = False
        self._edited_while_postponed = False
        self.autosave()

    def resume_autosave(self) -> None:
        """What postponed the autosave is over (training stopped): a postponed one runs now,
        in a turn of its own."""
        if self._autosave_postponed:
            self._autosave_postponed = False
            self._step_timer.start()  # in a pass of its own, after the stop's refreshes

    def discard_recovery(self) -> None:
        self.slot.discard()

    def adopt_recovery(self, pending: Pending) -> None:
        """Show an autosaved network (modified) and take over its slot, so nothing is lost if
        this session crashes too. Raises NetworkFileError and changes nothing on a damaged file."""
        graph = pending.load()
        self.slot.discard()
        self.slot = pending.slot
        self.load_graph(graph, pending.path, modified=True, recovered=True)
