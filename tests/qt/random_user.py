"""A seeded random user for the real MainWindow (issue 9: nothing a lecturer does can break it).

:class:`RandomUser` owns a seeded ``random.Random``, the window, and a table of weighted
actions. Every action is real input, as a person would give it: mouse presses, moves and
releases on the canvas viewport at scene positions mapped to the view, key clicks sent to the
focused widget (shortcuts fire through Qt's shortcut map), menu QActions triggered as the
menu would, and typing into the inspector, the data table and the training panel with
keyClicks and Enter/Tab/Esc. Modal dialogs never block: their modal loops are replaced
(``QDialog.exec``, ``QMessageBox.exec``, the QFileDialog/QMessageBox statics) by answers drawn
from the same generator, so the app's own dialog code (``bpstudio.qt.dialogs``) still runs.

An *episode* opens a document, performs N actions, then checks the invariants:

* no exception reached ``sys.excepthook`` and Qt printed no warning (small allowlist below);
* undo all the way gives back the document as opened, bit for bit (``fileformat.dumps``,
  which holds the data and training settings too), and redo all the way gives back the final
  document. Opening or creating a file clears the undo stack, so it starts a new reference
  point; the pair of checks also runs just before every file switch;
* every file the app saves opens again with ``fileformat.load`` and equals what was saved
  (checked as the save happens; autosaves too); a failed open leaves the document untouched.

Each action is logged; a failure reports the seed and the last ``LOG_KEEP`` actions.
Reproduce with ``BPSTUDIO_RANDOM_SEED=<seed>`` (see tests/qt/test_random_user.py). Timers
(training, animations) make a replay close to, not always exactly, the original run. Every
action also goes to a trace file as it happens (``$TMPDIR/bpstudio-random-user-<pid>.log``,
or ``BPSTUDIO_RANDOM_TRACE``): after a segfault it is the only record of what led there.
"""

from __future__ import annotations

import difflib
import faulthandler
import json
import math
import os
import random
import sys
import tempfile
import time
import traceback
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QKeyEvent, QKeySequence, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDockWidget,
    QFileDialog,
    QLineEdit,
    QListWidget,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QStyle,
    QStyleOptionSlider,
    QWidget,
)

from bpstudio.model import file_validation, fileformat
from bpstudio.model.graph import Graph
from bpstudio.model.layout import fill_missing_positions
from bpstudio.model.numfmt import fmt
from bpstudio.paths import example_files, examples_dir
from bpstudio.qt import dialogs
from bpstudio.qt.canvas.edge_item import EdgeItem

# Issue 9 bugs being fixed on other branches right now. Each entry says how the random user
# avoids triggering the bug until its fix is merged; delete the entry with the merge and the
# harness exercises that path again. With the dict empty nothing is skipped.
KNOWN_BUGS_PENDING_MERGE: dict[int, str] = {}
# what each known bug's exception or Python warning says, should one get past the avoidance
# (the report then names the item instead of failing the run)
KNOWN_EXCEPTIONS: dict[int, str] = {}
KNOWN_WARNINGS: dict[int, str] = {}


def has_split(path: Path) -> bool:
    try:
        return float(fileformat.load(path).training.get("validation_split") or 0) > 0
    except (fileformat.NetworkFileError, OSError, TypeError, ValueError):
        return False


SPLIT_EXAMPLES = {p for p in example_files() if has_split(p)}  # known bug 8


def known(item: int) -> bool:
    return item in KNOWN_BUGS_PENDING_MERGE


# Qt warnings that are not bpstudio's doing (message part, why). Everything else Qt prints
# fails the run.
QT_WARNING_ALLOWLIST: list[tuple[str, str]] = [
    # the offscreen platform plugin cannot resize native windows to a dock's size hint
    ("This plugin does not support propagateSizeHints()", "offscreen platform limitation"),
    # a combo box's list opened (Space, or Ctrl+Space when Play is disabled, on a focused
    # combo): the offscreen plugin cannot raise the popup or grab the keyboard for it
    ("This plugin does not support raise()", "offscreen platform limitation: a popup"),
    ("This plugin does not support grabbing the keyboard", "offscreen platform limitation"),
]

LOG_KEEP = 30
# Ctrl+A, Ctrl+D, Ctrl+D, … doubles the network each time, Connect Fully on a big selection
# adds thousands of edges: the user keeps the network to what a CI run can afford (the 3,060
# actions of CI cost ~100 s of CPU with this cap)
MAX_NEURONS, MAX_EDGES = 300, 3000
GROWING_KEYS = {"Ctrl+V": "paste", "Ctrl+D": "duplicate", "Ctrl+L": "add layer",
                "Ctrl+Shift+C": "connect fully"}  # fmt: skip
GROWING_MENUS = {"&Edit > &Paste": "paste", "&Edit > &Duplicate": "duplicate",
                 "&Network > Add &Layer…": "add layer",
                 "&Network > Connect Selected → Selected &Fully": "connect fully"}  # fmt: skip
# Every action (with the seed of its episode) is also written here as it happens: a segfault
# in Qt ends the interpreter before any report, this file still holds the reproduction.
TRACE_PATH = Path(os.environ.get("BPSTUDIO_RANDOM_TRACE")
                  or Path(tempfile.gettempdir()) / f"bpstudio-random-user-{os.getpid()}.log")  # fmt: skip
TRACE = open(TRACE_PATH, "a", encoding="utf-8")  # open for the whole run
# An action that holds the GUI thread longer than STALL_S has every thread's stack written
# here every STALL_S seconds while it lasts (faulthandler, from its own thread): a soak's
# "slowest action 103 s" then says where the time went, not only which action it was.
STALL_S = float(os.environ.get("BPSTUDIO_RU_STALL_S", 10.0))
STALL_PATH = TRACE_PATH.with_name(TRACE_PATH.stem + "-stalls.txt")
SWITCHING_MENUS = (
    "&File > &New",
    "&File > &Open",
    "&File > Open",
    "&File > &Quit",
)  # may replace the document
ODD_NUMBERS = ["", "-", "1e9999", "nan", "0,3", "−1", "inf", "-0", "1e-9", "1e308", "abc",
               " 7 ", "0.5", "-2.25", "3", "100", "1000000", "0.001"]  # fmt: skip
ODD_LABELS = ["", "x", "h₁", "a b", "ÿ€😀", "-", "1e9999", "very long label " * 3, "nan"]
CSV_FILES = {
    "good.csv": "x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n",
    "three.csv": "a,b,c,t\n0.1,0.2,0.3,1\n0.4,0.5,0.6,0\n",
    "comma.csv": "x1;x2;y\n0,5;0,25;1\n1,5;0,75;0\n",
    "short_row.csv": "x1,x2,y\n0,0,0\n1,1\n",
    "text.csv": "x1,x2,y\n0,zero,0\n",
    "empty.csv": "",
}

DIALOG_FUNCTIONS = ("ask_save_changes", "show_errors", "ask_open_path", "ask_save_path",
                    "ask_export_path", "ask_recovery", "ask_layer", "about",
                    "ask_quick_start", "ask_answers_network")  # fmt: skip
# the real functions (tests/qt/conftest.py replaces them with "fail on any dialog" per test;
# the random user runs them and answers their modal loops instead)
_REAL_DIALOGS = {name: getattr(dialogs, name) for name in DIALOG_FUNCTIONS}
assert all(f.__qualname__ == n for n, f in _REAL_DIALOGS.items()), "imported after patching"


def snapshot(graph: Graph, target_dir: Path | None = None) -> str:
    """The document as its file would hold it (fileformat.dumps), bit for bit; with
    target_dir, as a file in that folder holds it (a relative CSV path rebased onto it)."""
    try:
        return fileformat.dumps(graph, target_dir)
    except ValueError:  # NaN/inf: not savable, but still comparable
        doc = fileformat.to_document(graph, target_dir)
        return "UNSAVABLE " + json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=True)


def stack_entries(stack) -> str:
    """The undo stack's entries by text, the current index marked (which entry to suspect)."""
    rows = [
        f"  {'→' if i == stack.index() else ' '} {i}: {stack.text(i)}" for i in range(stack.count())
    ]
    if stack.index() == stack.count():
        rows.append("  → (the end: nothing undone)")
    return "undo stack (→ the next entry redo would apply):\n" + "\n".join(rows)


def short_diff(a: str, b: str, n: int = 40) -> str:
    lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "expected", "got", n=1,
                                      lineterm=""))  # fmt: skip
    return "\n".join(lines[:n]) + ("\n…" if len(lines) > n else "")


def under(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


@dataclass
class Failure:
    kind: str
    text: str
    seed: int
    episode: int
    action: int
    log: list[str] = field(default_factory=list)

    def signature(self) -> str:
        first = self.text.strip().splitlines()[-1] if self.text.strip() else ""
        return f"{self.kind}: {first[:160]}"

    def report(self, test_id: str = "") -> str:
        where = f" -k {test_id!r}" if test_id else ""
        return (
            f"random user failure ({self.kind}) — seed {self.seed}, episode {self.episode}, "
            f"action {self.action}\nreproduce: BPSTUDIO_RANDOM_SEED={self.seed} "
            f"QT_QPA_PLATFORM=offscreen python -m pytest tests/qt/test_random_user.py{where}\n"
            f"last {len(self.log)} actions (all of them: {TRACE_PATH}):\n  "
            + "\n  ".join(self.log)
            + f"\n{self.text}"
        )


class RandomUser:
    """Drives one MainWindow with seeded random input and checks the invariants."""

    def __init__(self, qtbot, seed: int, workdir: Path):
        self.qtbot, self.seed = qtbot, seed
        self.rng = random.Random(seed)
        self.workdir = Path(workdir)
        self.window = None
        self.graph: Graph | None = None
        self.log: deque[str] = deque(maxlen=LOG_KEEP)
        self.count = 0  # actions done
        self.episode = 0
        self.failures: list[Failure] = []
        self.saved: list[Path] = []
        self.reference: str | None = None  # the document as opened (undo-all target)
        self._switched = False  # a file switch happened during the current action
        self.errors_shown: list[str] = []  # show_errors titles during the current action
        self._before_open: tuple[str, int] | None = None
        self.stats: dict[str, int] = {}  # actions done, by kind
        self.seconds: dict[str, float] = {}  # time spent, by kind (to tune CI time)
        self.allowed: dict[str, int] = {}  # allowlisted Qt warnings seen
        self.slowest: tuple[float, str] = (0.0, "")  # seconds, the action
        self.stalls: list[tuple[float, str]] = []  # actions over STALL_S (stacks: STALL_PATH)
        # undo-stack index -> (action, document, stack, the entry below it): see _remember_document
        self._trail: dict[int, tuple[int, str, object, object]] = {}
        self._stall_file = None  # opened at the first action
        self.passes = self.files = True  # which kinds of action this episode may use (bug 1)
        self._prev_handler = None
        self._prev_hook = None
        self.bad_network = self.workdir / "broken.json"
        self.bad_network.write_text('{"format": "bpstudio-network", "neurons": [', "utf-8")
        self.csv_dir = self.workdir / "csv"
        self.csv_dir.mkdir(exist_ok=True)
        for name, text in CSV_FILES.items():
            (self.csv_dir / name).write_text(text, "utf-8")
        (self.workdir / "saves" / "sub").mkdir(parents=True, exist_ok=True)
        (self.workdir / "exports").mkdir(exist_ok=True)
        self.table: list[tuple[float, str, Callable[[], None]]] = self._action_table()

    def attach(self, window) -> None:
        """Drive this window from now on (each episode gets a fresh one)."""
        if self.graph is not None:
            self.graph.unsubscribe(self._on_graph_change)
        self.window, self.graph = window, window.graph
        self.graph.subscribe(self._on_graph_change)
        self.reference = snapshot(self.graph)
        self._trail.clear()  # the documents of the last window's undo stack
        self.activate()

    def activate(self) -> None:
        """Shortcuts need the active window (the user clicks into it)."""
        self.window.activateWindow()
        deadline = time.perf_counter() + 2.0
        while QApplication.activeWindow() is not self.window and time.perf_counter() < deadline:
            QTest.qWait(5)

    # ================================================================ hooks
    def install(self, monkeypatch) -> None:
        """Excepthook, Qt message handler, non-blocking dialogs, the save spy."""
        self._prev_hook = sys.excepthook
        sys.excepthook = self._excepthook
        self._prev_showwarning = warnings.showwarning
        warnings.showwarning = self._showwarning
        self._prev_handler = qInstallMessageHandler(self._qt_message)
        for name, fn in _REAL_DIALOGS.items():  # undo conftest's "fail on any dialog"
            monkeypatch.setattr(dialogs, name, fn)
        # instance methods: the patched function gets the box/dialog as its first argument
        monkeypatch.setattr(QMessageBox, "exec", lambda box: self._message_box_exec(box))
        monkeypatch.setattr(QDialog, "exec", lambda dlg: self._dialog_exec(dlg))
        monkeypatch.setattr(QMessageBox, "about", self._about)
        monkeypatch.setattr(QMessageBox, "question", self._question)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", self._get_open_file_name)
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self._get_save_file_name)
        real_save = fileformat.save
        monkeypatch.setattr(fileformat, "save", lambda g, p: self._spy_save(real_save, g, p))
        self._watch_undo_reentry(monkeypatch)
        real_autosave_write = fileformat.atomic_write_text
        monkeypatch.setattr(
            fileformat,
            "atomic_write_text",
            lambda p, text: self._spy_write(real_autosave_write, Path(p), text),
        )
        app = QApplication.instance()
        self._quit_on_close = app.quitOnLastWindowClosed()
        app.setQuitOnLastWindowClosed(False)  # File > Quit is an action; the window comes back

    def _watch_undo_reentry(self, monkeypatch) -> None:
        """A QUndoStack operation started inside another one on the same stack is a failure.

        Qt's QUndoStack is not re-entrant: a push from inside a command's redo() during
        QUndoStack.redo() deletes the command being redone, and Qt then reads it (a segfault,
        reproduced with a bare QUndoStack). The segfault inside QUndoStack.push seen in
        full-suite runs (issue 9) could not be reproduced; if re-entry is its cause, this
        reports where it starts, with the Python stack, before the crash (the trace file keeps
        the report). Patched on the Qt class: qt/undo.py's super() calls go through it."""
        from PySide6.QtGui import QUndoStack

        running: dict[int, str] = {}  # id(stack) -> the operation in progress

        def guarded(name: str, real):
            def call(stack, *args):
                outer = running.get(id(stack))
                if outer is not None:
                    self.fail("undo-reentry", f"QUndoStack.{name} called inside QUndoStack."
                              f"{outer} on the same stack (Qt is not re-entrant: it may free "
                              f"a command it still uses):\n"
                              + "".join(traceback.format_stack(limit=30)))  # fmt: skip
                running[id(stack)] = name
                try:
                    return real(stack, *args)
                finally:
                    if outer is None:
                        running.pop(id(stack), None)
                    else:
                        running[id(stack)] = outer

            return call

        for name in ("push", "undo", "redo", "setIndex", "clear"):
            monkeypatch.setattr(QUndoStack, name, guarded(name, getattr(QUndoStack, name)))

    def uninstall(self) -> None:
        faulthandler.cancel_dump_traceback_later()  # an action ended by KeyboardInterrupt
        if self._stall_file is not None:
            self._stall_file.close()
            self._stall_file = None
        QApplication.instance().setQuitOnLastWindowClosed(self._quit_on_close)
        sys.excepthook = self._prev_hook
        warnings.showwarning = self._prev_showwarning
        qInstallMessageHandler(self._prev_handler)
        if self.graph is not None:
            self.graph.unsubscribe(self._on_graph_change)

    def _excepthook(self, etype, value, tb) -> None:
        text = "".join(traceback.format_exception(etype, value, tb))
        for item, needle in KNOWN_EXCEPTIONS.items():
            if known(item) and needle in text:
                self.note(f"  (known bug {item}: {etype.__name__}: {value})")
                return
        self.fail("exception", text)

    def _showwarning(self, message, category, filename, lineno, file=None, line=None) -> None:
        """A Python warning (numpy overflow, pyqtgraph misuse) is a failure too."""
        text = f"{category.__name__}: {message} ({filename}:{lineno})"
        for item, needle in KNOWN_WARNINGS.items():
            if known(item) and needle in str(message):
                self.note(f"  (known bug {item}: {text})")
                return
        self.fail("python-warning", text + "\n" + "".join(traceback.format_stack(limit=12)))

    def _qt_message(self, mode, context, message) -> None:
        if mode not in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            return
        if mode == QtMsgType.QtFatalMsg:  # Qt aborts after this: say why, with the reproduction
            print(f"Qt fatal: {message}\nseed {self.seed}\n  " + "\n  ".join(self.log),
                  file=sys.stderr)  # fmt: skip
        for m, _why in QT_WARNING_ALLOWLIST:
            if m in message:
                self.allowed[m] = self.allowed.get(m, 0) + 1
                return
        where = f" ({context.file}:{context.line} {context.function})" if context.file else ""
        self.fail("qt-warning", f"{mode.name}: {message}{where}")

    def fail(self, kind: str, text: str) -> None:
        self.failures.append(Failure(kind, text, self.seed, self.episode, self.count,
                                     list(self.log)))  # fmt: skip
        TRACE.write(f"FAILURE ({kind}) at #{self.count}:\n{text}\n")  # a crash may follow
        TRACE.flush()

    def note(self, text: str) -> None:
        line = f"#{self.count} {text}"
        self.log.append(line)
        TRACE.write(line + "\n")  # survives a crash of the interpreter (see TRACE_PATH)
        TRACE.flush()

    def _on_graph_change(self, ch) -> None:
        if ch.kind == "reset":  # Document.load_graph: a new file, a new undo history
            self.reference = snapshot(self.graph)
            self._switched = True

    # ================================================================ dialogs
    def _message_box_exec(self, box: QMessageBox) -> int:
        title = box.windowTitle()
        SB = QMessageBox.StandardButton
        if title == "Unsaved changes":
            options = ["save", "discard", "cancel"]
            if known(3) and self._path_is_example():
                options = ["discard", "cancel"]
            answer = self.rng.choice(options)
            self.note(f"  dialog 'Unsaved changes' → {answer}")
            return {"save": SB.Save, "discard": SB.Discard, "cancel": SB.Cancel}[answer].value
        # show_errors: a message the user reads and closes
        self.errors_shown.append(title)
        self.note(f"  dialog {title!r}: {box.text()} {box.informativeText()[:200]!r} → OK")
        return SB.Ok.value

    def _dialog_exec(self, dlg: QDialog) -> int:
        if dlg.windowTitle() == "New network":  # issue 15 (the design block below)
            return self.answer_quick_start(dlg)
        if dlg.windowTitle() == "Add layer":
            if self.rng.random() < 0.2:
                self.note("  dialog 'Add layer' → Cancel")
                return QDialog.DialogCode.Rejected.value
            spins = dlg.findChildren(QSpinBox)
            combos = dlg.findChildren(QComboBox)
            count = self.rng.choice([1, 1, 2, 3, 4])
            spins[0].setValue(count)
            for c in combos:
                c.setCurrentIndex(self.rng.randrange(c.count()))
            self.note(f"  dialog 'Add layer' → {count} × "
                      f"{'/'.join(c.currentText() for c in combos)}")  # fmt: skip
            return QDialog.DialogCode.Accepted.value
        self.fail("dialog", f"unexpected modal dialog {dlg.windowTitle()!r} ({type(dlg).__name__})")
        return QDialog.DialogCode.Rejected.value

    def _about(self, parent, title, text) -> None:
        self.note(f"  dialog {title!r} → OK")

    def _question(self, parent, title, text, *args, **kwargs):
        yes = self.rng.random() < 0.5
        self.note(f"  dialog {title!r} → {'Yes' if yes else 'No'}")
        SB = QMessageBox.StandardButton
        return SB.Yes if yes else SB.No

    def _get_open_file_name(self, parent, caption="", directory="", filters="", *a, **k):
        if caption == "Import CSV data":
            options = [*sorted(self.csv_dir.iterdir()), None]
        else:
            options = [*self.examples(), *self.saved[-4:], self.bad_network,
                       self.workdir / "missing.json", self.csv_dir / "good.csv", None]  # fmt: skip
        choice = self.rng.choice(options)
        self.note(f"  dialog {caption!r} → {choice.name if choice else 'Cancel'}")
        return (str(choice) if choice else "", "")

    def _get_save_file_name(self, parent, caption="", suggestion="", filters="", *a, **k):
        r = self.rng.random()
        if r < 0.1:
            self.note(f"  dialog {caption!r} → Cancel")
            return ("", "")
        chosen = filters.split(";;")[0] if filters else ""
        if caption == "Save network as":
            if r < 0.15:
                path = self.workdir / "no_such_dir" / "net.json"  # an OSError: "Cannot save"
            elif r < 0.25:
                path = self.workdir / "saves" / f"plain{self.rng.randrange(3)}"  # no suffix
            else:  # sometimes another folder: relative CSV paths must follow the file
                folder = self.workdir / "saves" / ("sub" if self.rng.random() < 0.3 else "")
                path = folder / f"net{self.rng.randrange(5)}.json"
        else:
            filts = filters.split(";;") if filters else [""]
            chosen = self.rng.choice(filts)
            ext = chosen.split("(*", 1)[1].split(")", 1)[0].split()[0] if "(*" in chosen else ""
            stem = f"export{self.rng.randrange(3)}"
            path = self.workdir / "exports" / (stem + (ext if self.rng.random() < 0.7 else ""))
        self.note(f"  dialog {caption!r} → {path.name}")
        return (str(path), chosen)

    @staticmethod
    def examples() -> list[Path]:
        return [p for p in example_files() if not (known(8) and p in SPLIT_EXAMPLES)]

    # ================================================================ file spies
    def _path_is_example(self) -> bool:
        p = self.window.document.path
        return p is not None and under(Path(p), examples_dir())

    def _spy_save(self, real_save, graph: Graph, path) -> None:
        path = Path(path)
        if under(path, examples_dir()):
            self.fail("save", f"the app tried to rewrite the bundled example {path}")
            raise OSError(f"random user: refusing to overwrite the bundled file {path}")
        fits = not file_validation.validate_data(graph, path.parent)  # as the saved file reads
        # the file holds its CSV path from its own folder (an example's copy saved elsewhere
        # rebases it): soak seed 106934, action 26,740
        expected = snapshot(graph, path.resolve().parent)
        real_save(graph, path)
        self.saved.append(path)
        self._check_reopens(path, expected, fits or not known(2))

    def _spy_write(self, real_write, path: Path, text: str) -> None:
        if under(path, examples_dir()):
            self.fail("save", f"the app tried to write into the bundled examples: {path}")
            raise OSError(f"random user: refusing to write {path}")
        real_write(path, text)

    def _check_reopens(self, path: Path, expected: str, strict: bool) -> None:
        try:
            again = fileformat.load(path, allow_misfit=True)  # as the app opens it
        except fileformat.NetworkFileError as exc:
            if strict:
                self.fail("save", f"{path.name} was saved but does not open: {exc.errors}")
            return
        fill_missing_positions(again)
        got = snapshot(again)
        if got != expected:
            self.fail("save", f"{path.name} reopens different:\n{short_diff(expected, got)}")

    # ================================================================ geometry helpers
    @property
    def view(self):
        return self.window.view

    @property
    def scene(self):
        return self.window.scene

    def vp_point(self, scene_pos: QPointF) -> QPoint | None:
        """The viewport pixel showing scene_pos, if it is on screen and not under the legend."""
        p = self.view.mapFromScene(scene_pos)
        r = self.view.viewport().rect().adjusted(2, 2, -2, -2)
        if not r.contains(p):
            return None
        legend = self.view.legend
        if legend.isVisible() and legend.geometry().contains(
            self.view.viewport().mapTo(self.view, p)
        ):
            return None
        return p

    def to_scene(self, p: QPoint) -> QPointF:
        return self.view.mapToScene(p)

    def random_neuron(self) -> tuple[str, QPoint] | None:
        items = self.scene.neuron_items()
        self.rng.shuffle(items)
        for it in items[:12]:
            p = self.vp_point(it.pos())
            if p is not None and self.view.neuron_at_scene(self.to_scene(p)) == it.neuron_id:
                return it.neuron_id, p
        return None

    def neuron_rim(self, nid: str) -> QPoint | None:
        from bpstudio.qt import theme

        it = self.scene.neuron_item(nid)
        a = self.rng.uniform(0, 2 * math.pi)
        r = theme.NEURON_RADIUS - 3
        p = self.vp_point(it.pos() + QPointF(r * math.cos(a), r * math.sin(a)))
        if p is not None and self.view.neuron_at_scene(self.to_scene(p)) == nid:
            return p
        return None

    def random_edge(self) -> tuple[str, QPoint] | None:
        items = self.scene.edge_items()
        self.rng.shuffle(items)
        for it in items[:12]:
            line = it._line
            for t in (self.rng.uniform(0.25, 0.75), 0.5, 0.35):
                p = self.vp_point(line.pointAt(t))
                if p is None:
                    continue
                hit = self.view.item_at_scene(self.to_scene(p))
                if isinstance(hit, EdgeItem) and hit.edge_id == it.edge_id:
                    return it.edge_id, p
        return None

    def random_empty(self) -> QPoint | None:
        vp = self.view.viewport().rect()
        for _ in range(20):
            p = QPoint(self.rng.randrange(10, vp.width() - 10),
                       self.rng.randrange(10, vp.height() - 10))  # fmt: skip
            if self.vp_point(self.to_scene(p)) is None:
                continue
            if self.view.item_at_scene(self.to_scene(p)) is None:
                return p
        return None

    def random_point(self) -> tuple[str, QPoint] | None:
        r = self.rng.random()
        if r < 0.45:
            got = self.random_neuron()
            if got:
                return f"neuron {got[0]}", got[1]
        if r < 0.7:
            got = self.random_edge()
            if got:
                return f"edge {got[0]}", got[1]
        p = self.random_empty()
        return ("empty canvas", p) if p is not None else None

    def mods(self) -> Qt.KeyboardModifier:
        r = self.rng.random()
        if r < 0.75:
            return Qt.KeyboardModifier.NoModifier
        return (
            Qt.KeyboardModifier.ControlModifier if r < 0.88 else Qt.KeyboardModifier.ShiftModifier
        )

    @staticmethod
    def mods_text(m) -> str:
        if m == Qt.KeyboardModifier.ControlModifier:
            return " +Ctrl"
        return " +Shift" if m == Qt.KeyboardModifier.ShiftModifier else ""

    # ================================================================ low-level input
    def press_move_release(self, a: QPoint, b: QPoint, steps: int = 4, mods=None,
                           button=Qt.MouseButton.LeftButton) -> None:  # fmt: skip
        vp = self.view.viewport()
        mods = Qt.KeyboardModifier.NoModifier if mods is None else mods
        QTest.mousePress(vp, button, mods, a)
        for k in range(1, steps + 1):
            t = k / steps
            QTest.mouseMove(vp, QPoint(round(a.x() + (b.x() - a.x()) * t),
                                       round(a.y() + (b.y() - a.y()) * t)))  # fmt: skip
        QTest.mouseRelease(vp, button, mods, b)

    def key(self, key, mods=Qt.KeyboardModifier.NoModifier, widget: QWidget | None = None):
        target = widget or QApplication.focusWidget() or self.view
        if not target.isVisible() or target.window() is not self.window:
            target = self.view
        QTest.keyClick(target, key, mods)
        return target

    def show_dock_of(self, w: QWidget) -> None:
        """Bring w on screen as a user would: open its dock, click its tab."""
        p = w
        while p is not None and not isinstance(p, QDockWidget):
            p = p.parentWidget()
        if p is not None and (not p.isVisible() or w.visibleRegion().isEmpty()):
            p.show()
            p.raise_()
            for _ in range(2):  # the layout settles before the user aims at a cell
                QApplication.sendPostedEvents()
                QApplication.processEvents()

    def click_widget(self, w: QWidget) -> None:
        self.show_dock_of(w)
        QTest.mouseClick(w, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         w.rect().center())  # fmt: skip

    @staticmethod
    def type_text(w: QWidget, text: str) -> None:
        """keyClicks for any text: QTest maps characters to keys only for Latin-1 (it aborts
        on "−" or "₁"), so other characters arrive as key events with their text, as an
        input method delivers them."""
        for ch in text:
            if ch == "\n":
                QTest.keyClick(w, Qt.Key.Key_Return)
                continue
            if 32 <= ord(ch) < 127:
                QTest.keyClick(w, ch)
                continue
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(w, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))

    def type_into(self, w: QWidget, text: str, end: str) -> None:
        """Click into a field, select all, type, then Enter/Tab/Esc/nothing."""
        self.show_dock_of(w)
        target = w.lineEdit() if isinstance(w, (QAbstractSpinBox, QComboBox)) else w
        if target is None:
            return
        QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         target.rect().center())  # fmt: skip
        QTest.keyClick(target, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        if text:
            self.type_text(target, text)
        else:
            QTest.keyClick(target, Qt.Key.Key_Backspace)
        key = {"Enter": Qt.Key.Key_Return, "Tab": Qt.Key.Key_Tab, "Esc": Qt.Key.Key_Escape}
        if end in key:
            QTest.keyClick(target, key[end])

    def end_key(self) -> str:
        return self.rng.choice(["Enter", "Enter", "Tab", "Esc", "none"])

    def choose_combo(self, combo: QComboBox) -> str:
        """Focus a combo box and move through it with the arrow keys (emits activated)."""
        self.click_widget_focus(combo)
        k = self.rng.choice([Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_End,
                             Qt.Key.Key_Home])  # fmt: skip
        for _ in range(self.rng.choice([1, 1, 2, 3])):
            QTest.keyClick(combo, k)
        return combo.currentText()

    def click_widget_focus(self, w: QWidget) -> None:
        self.show_dock_of(w)
        w.setFocus(Qt.FocusReason.MouseFocusReason)  # a click on a closed combo opens its popup

    def wait(self, ms: int) -> None:
        QTest.qWait(ms)

    # ================================================================ the action table
    def _action_table(self):
        return [
            (7, "click", self.a_click),
            (3, "double-click", self.a_double_click),
            (5, "drag neurons", self.a_drag),
            (6, "connect", self.a_connect),
            (3, "rubber band", self.a_rubber_band),
            (5, "place", self.a_place),
            (2, "wheel", self.a_wheel),
            (1, "pan", self.a_pan),
            (7, "canvas key", self.a_canvas_key),
            (8, "pass key", self.a_pass_key),
            (8, "edit key", self.a_edit_key),
            (1, "F5", self.a_f5),
            (3, "training key", self.a_train_key),
            (2, "file key", self.a_file_key),
            (11, "menu", self.a_menu),
            (8, "inspector", self.a_inspector),
            (7, "data panel", self.a_data_panel),
            (6, "training panel", self.a_training_panel),
            (3, "training burst", self.a_training_burst),
            (3, "scrub history", self.a_scrub),
            (3, "pass controls", self.a_pass_controls),
            (2, "plots", self.a_plots),
            (2, "loss landscape", self.a_landscape),
            (1, "matrix click", self.a_matrix_click),
            (4, "wait", self.a_wait),
            (5, "exercise", self.a_exercise),
            (0.5, "autosave", self.a_autosave),
            *self.design_actions(),  # issue 15: the design block below
            *self.learning_view_actions(),  # issue 14: neuron tiles, derived inputs
        ]

    # ---------------------------------------------------------------- canvas mouse
    def a_click(self) -> None:
        got = self.random_point()
        if got is None:
            return
        what, p = got
        m = self.mods()
        self.note(f"click {what}{self.mods_text(m)}")
        QTest.mouseClick(self.view.viewport(), Qt.MouseButton.LeftButton, m, p)

    def a_double_click(self) -> None:
        got = self.random_point()
        if got is None:
            return
        what, p = got
        self.note(f"double-click {what}")
        QTest.mouseDClick(self.view.viewport(), Qt.MouseButton.LeftButton,
                          Qt.KeyboardModifier.NoModifier, p)  # fmt: skip

    def a_drag(self) -> None:
        got = self.random_neuron()
        if got is None:
            return
        nid, p = got
        d = QPoint(self.rng.randint(-150, 150), self.rng.randint(-120, 120))
        m = self.mods() if self.rng.random() < 0.3 else Qt.KeyboardModifier.NoModifier
        self.note(f"drag neuron {nid} by ({d.x()}, {d.y()}) px{self.mods_text(m)}")
        self.press_move_release(p, p + d, steps=self.rng.choice([1, 3, 6]), mods=m)

    def a_connect(self) -> None:
        src = self.random_neuron()
        if src is None:
            return
        nid, p = src
        tgt = self.random_neuron() if self.rng.random() < 0.85 else None
        end = tgt[1] if tgt else (self.random_empty() or p)
        with_tool = self.rng.random() < 0.35
        if with_tool:
            self.note(f"connect tool: drag {nid} → {tgt[0] if tgt else 'empty canvas'}")
            self.window.action_by_name["tool_connect"].trigger()  # the toolbar button
        else:
            rim = self.neuron_rim(nid)
            if rim is None:
                return
            p = rim
            self.note(f"drag from {nid}'s rim → {tgt[0] if tgt else 'empty canvas'}")
        self.press_move_release(p, end, steps=4)
        if with_tool and self.rng.random() < 0.6:
            self.note("  Esc (select tool)")
            self.key(Qt.Key.Key_Escape, widget=self.view)

    def a_rubber_band(self) -> None:
        a = self.random_empty()
        if a is None:
            return
        vp = self.view.viewport().rect()
        b = QPoint(self.rng.randrange(5, vp.width() - 5), self.rng.randrange(5, vp.height() - 5))
        m = self.mods() if self.rng.random() < 0.4 else Qt.KeyboardModifier.NoModifier
        self.note(f"rubber band {a.x()},{a.y()} → {b.x()},{b.y()}{self.mods_text(m)}")
        self.press_move_release(a, b, steps=3, mods=m)

    def a_place(self) -> None:
        role = self.rng.choice(["input", "hidden", "hidden", "output", "bias"])
        p = self.random_empty()
        if p is None:
            return
        key = {"input": Qt.Key.Key_I, "hidden": Qt.Key.Key_H, "output": Qt.Key.Key_O,
               "bias": Qt.Key.Key_B}[role]  # fmt: skip
        if self.rng.random() < 0.5:
            self.note(f"toolbar: {role} tool, click empty canvas")
            self.window.action_by_name["tool_place_" + role].trigger()
        else:
            self.note(f"key {role[0].upper()} (on canvas), click empty canvas")
            self.view.setFocus(Qt.FocusReason.MouseFocusReason)
            self.key(key, widget=self.view)
        QTest.mouseClick(self.view.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, p)  # fmt: skip
        if self.rng.random() < 0.5:
            self.note("  Esc")
            self.key(Qt.Key.Key_Escape, widget=self.view)

    def a_wheel(self) -> None:
        vp = self.view.viewport()
        p = QPointF(self.rng.randrange(vp.width()), self.rng.randrange(vp.height()))
        delta = self.rng.choice([120, -120, 240, -240, 60, -360])
        self.note(f"wheel {delta} at {p.x():.0f},{p.y():.0f}")
        ev = QWheelEvent(p, QPointF(vp.mapToGlobal(p.toPoint())), QPoint(0, 0), QPoint(0, delta),
                         Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                         Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
        QApplication.sendEvent(vp, ev)

    def a_pan(self) -> None:
        a = self.random_empty()
        if a is None:
            return
        b = a + QPoint(self.rng.randint(-200, 200), self.rng.randint(-150, 150))
        if self.rng.random() < 0.5:
            self.note("middle-drag pan")
            self.press_move_release(a, b, button=Qt.MouseButton.MiddleButton)
        else:
            self.note("Space+drag pan")
            self.view.setFocus(Qt.FocusReason.MouseFocusReason)
            QTest.keyPress(self.view, Qt.Key.Key_Space)
            self.press_move_release(a, b)
            QTest.keyRelease(self.view, Qt.Key.Key_Space)

    # ---------------------------------------------------------------- keys
    def _send(self, name: str, key, mods=Qt.KeyboardModifier.NoModifier, canvas: float = 0.7):
        """A key to the focused widget; usually the user has clicked the canvas first."""
        if self.rng.random() < canvas:
            self.view.setFocus(Qt.FocusReason.MouseFocusReason)
        target = self.key(key, mods)
        self.note(f"key {name} → {type(target).__name__}")

    def a_canvas_key(self) -> None:
        K, M = Qt.Key, Qt.KeyboardModifier
        name, key, mods = self.rng.choice([
            ("Delete", K.Key_Delete, M.NoModifier), ("Delete", K.Key_Delete, M.NoModifier),
            ("Left", K.Key_Left, M.NoModifier), ("Right", K.Key_Right, M.NoModifier),
            ("Up", K.Key_Up, M.NoModifier), ("Down", K.Key_Down, M.ShiftModifier),
            ("Shift+Left", K.Key_Left, M.ShiftModifier), ("Esc", K.Key_Escape, M.NoModifier),
            ("S", K.Key_S, M.NoModifier), ("C", K.Key_C, M.NoModifier),
            ("I", K.Key_I, M.NoModifier), ("H", K.Key_H, M.NoModifier),
            ("O", K.Key_O, M.NoModifier), ("B", K.Key_B, M.NoModifier),
            ("W", K.Key_W, M.NoModifier), ("F", K.Key_F, M.NoModifier),
            ("Tab", K.Key_Tab, M.NoModifier),
        ])  # fmt: skip
        self._send(name, key, mods)

    def a_pass_key(self) -> None:
        if not self.passes:
            return
        K, M = Qt.Key, Qt.KeyboardModifier
        name, key, mods = self.rng.choice([
            ("F6", K.Key_F6, M.NoModifier), ("F6", K.Key_F6, M.NoModifier),
            ("F7", K.Key_F7, M.NoModifier), ("F8", K.Key_F8, M.NoModifier),
            ("F9", K.Key_F9, M.NoModifier), ("Shift+F6", K.Key_F6, M.ShiftModifier),
            ("Shift+F7", K.Key_F7, M.ShiftModifier), ("Shift+F9", K.Key_F9, M.ShiftModifier),
            ("PgDown", K.Key_PageDown, M.NoModifier), ("PgDown", K.Key_PageDown, M.NoModifier),
        ])  # fmt: skip
        self._send(name, key, mods, canvas=0.8)

    def a_edit_key(self) -> None:
        K, C = Qt.Key, Qt.KeyboardModifier.ControlModifier
        CS = C | Qt.KeyboardModifier.ShiftModifier
        name, key, mods = self.rng.choice([
            ("Ctrl+Z", K.Key_Z, C), ("Ctrl+Z", K.Key_Z, C), ("Ctrl+Y", K.Key_Y, C),
            ("Ctrl+Shift+Z", K.Key_Z, CS), ("Ctrl+C", K.Key_C, C), ("Ctrl+V", K.Key_V, C),
            ("Ctrl+X", K.Key_X, C), ("Ctrl+D", K.Key_D, C), ("Ctrl+A", K.Key_A, C),
            ("Ctrl+L", K.Key_L, C), ("Ctrl+Shift+C", K.Key_C, CS), ("Ctrl+K", K.Key_K, C),
            ("Ctrl+0", K.Key_0, C), ("Ctrl+=", K.Key_Equal, C), ("Ctrl+-", K.Key_Minus, C),
        ])  # fmt: skip
        if name in GROWING_KEYS and self.too_big(GROWING_KEYS[name]):
            return
        self._send(name, key, mods)

    def too_big(self, what: str) -> bool:
        """Would this edit take the network past MAX_NEURONS / MAX_EDGES (at worst)?"""
        g = self.graph
        sel, _ = self.scene.selected_ids()
        if what == "paste":
            try:
                doc = json.loads(QApplication.clipboard().text())
                n, e = len(doc.get("neurons", [])), len(doc.get("edges", []))
            except (ValueError, AttributeError, TypeError):
                n = e = 0
        elif what == "duplicate":
            keep = set(sel)
            n = len(sel)
            e = sum(1 for x in g.edges.values() if x.source in keep and x.target in keep)
        elif what == "add layer":
            n, e = 4, 4 * max(len(sel), 1)
        else:  # connect fully: at worst half the selection feeds the other half
            n, e = 0, (len(sel) // 2) * (len(sel) - len(sel) // 2)
        return len(g.neurons) + n > MAX_NEURONS or len(g.edges) + e > MAX_EDGES

    def a_f5(self) -> None:
        self._send("F5", Qt.Key.Key_F5, canvas=0.5)

    def a_train_key(self) -> None:
        K, C = Qt.Key, Qt.KeyboardModifier.ControlModifier
        name, key, mods = self.rng.choice([
            ("Ctrl+Space", K.Key_Space, C), ("Ctrl+Space", K.Key_Space, C),
            ("Ctrl+E", K.Key_E, C), ("Ctrl+E", K.Key_E, C),
            ("Ctrl+Shift+R", K.Key_R, C | Qt.KeyboardModifier.ShiftModifier),
        ])  # fmt: skip
        self._send(name, key, mods, canvas=0.5)

    def a_file_key(self) -> None:
        K, C = Qt.Key, Qt.KeyboardModifier.ControlModifier
        S = Qt.KeyboardModifier.ShiftModifier
        name, key, mods = self.rng.choice([
            ("Ctrl+S", K.Key_S, C), ("Ctrl+S", K.Key_S, C), ("Ctrl+Shift+S", K.Key_S, C | S),
            ("Ctrl+O", K.Key_O, C), ("Ctrl+N", K.Key_N, C), ("Ctrl+Shift+W", K.Key_W, C | S),
            ("Ctrl+Shift+I", K.Key_I, C | S),
        ])  # fmt: skip
        if name == "Ctrl+S" and known(3) and self._path_is_example():
            name, mods = "Ctrl+Shift+S (known bug 3: not Ctrl+S on an example)", C | S
        if name in ("Ctrl+O", "Ctrl+N"):
            if not self.files:
                return
            self.note(f"(before key {name})")
            self.checkpoint()
            self.before_open()
        self._send(name, key, mods, canvas=0.6)

    # ---------------------------------------------------------------- menus
    def menu_leaves(self, menu: QMenu, path: str, out: list) -> None:
        menu.aboutToShow.emit()  # menus that fill themselves when opened (Keep in presentation)
        for a in menu.actions():
            if a.isSeparator() or not a.isVisible():
                continue
            sub = a.menu()
            if sub is not None:
                self.menu_leaves(sub, f"{path} > {a.text()}", out)
            elif a.isEnabled():
                out.append((f"{path} > {a.text()}", a))

    def a_menu(self) -> None:
        tops = [a for a in self.window.menuBar().actions() if a.menu() is not None]
        top = self.rng.choice(tops)
        leaves: list = []
        self.menu_leaves(top.menu(), top.text(), leaves)
        if known(7):
            leaves = [(n, a) for n, a in leaves if a.text() != "Show &Legend"]
        if not self.passes:
            leaves = [(n, a) for n, a in leaves if not n.startswith("&Pass")]
        if not self.files:
            leaves = [(n, a) for n, a in leaves if not n.startswith(SWITCHING_MENUS)]
        leaves = [(n, a) for n, a in leaves
                  if n not in GROWING_MENUS or not self.too_big(GROWING_MENUS[n])]  # fmt: skip
        if known(8):  # examples with a validation split (Open Example, Open Recent)
            avoid = {p.stem.replace("_", " ") for p in SPLIT_EXAMPLES}
            avoid |= {str(p.resolve()) for p in SPLIT_EXAMPLES}
            leaves = [(n, a) for n, a in leaves if a.text() not in avoid]
        if not leaves:
            return
        name, action = self.rng.choice(leaves)
        if action is self.window.action_by_name["save"] and known(3) and self._path_is_example():
            name, action = "&File > Save &As… (known bug 3)", self.window.action_by_name["save_as"]
        self.note(f"menu {name.replace('&', '')}")
        if name.startswith(SWITCHING_MENUS):
            self.checkpoint()
            self.before_open()
        t0 = time.perf_counter()
        action.trigger()
        QApplication.processEvents()
        leaf = "menu " + name.replace("&", "").split(" > ")[-1]
        self.seconds[leaf] = self.seconds.get(leaf, 0.0) + time.perf_counter() - t0
        self.stats[leaf] = self.stats.get(leaf, 0) + 1
        if not self.window.isVisible():  # File > Quit went through: start the app again
            self.note("  the window closed; shown again")
            self.window.show()
            self.qtbot.waitExposed(self.window)
            self.activate()

    # ---------------------------------------------------------------- panels
    def a_inspector(self) -> None:
        ins = self.window.inspector
        page = ins.currentWidget()
        if page is ins.network_page:
            fields = [("name", ins.net_name, "label"), ("description", ins.net_desc, "text")]
        elif page is ins.neuron_page:
            fields = [("label", ins.n_label, "label"), ("role", ins.n_role, "combo"),
                      ("activation", ins.n_act, "combo"), ("bias", ins.n_bias, "number"),
                      ("trainable", ins.n_train, "check")]  # fmt: skip
        elif page is ins.edge_page:
            fields = [("weight", ins.e_weight, "number"), ("trainable", ins.e_train, "check")]
        else:
            fields = [("activation (all)", ins.m_act, "combo"),
                      ("bias (all)", ins.m_bias, "number")]  # fmt: skip
        fields = [f for f in fields if f[1].isEnabled()]
        if fields:
            self.edit_field("inspector", *self.rng.choice(fields))

    def edit_field(self, panel: str, name: str, w: QWidget, kind: str) -> None:
        if kind == "combo":
            self.note(f"{panel}: {name} combo, arrow keys")
            text = self.choose_combo(w)
            self.note(f"  → {text}")
        elif kind == "check":
            self.note(f"{panel}: click {name} checkbox")
            self.click_widget(w)
        elif kind == "button":
            self.note(f"{panel}: click {name}")
            self.click_widget(w)
        elif kind == "slider":
            self.use_slider(panel, name, w)
        else:
            pool = ODD_LABELS if kind == "label" else ODD_NUMBERS
            if kind == "text":
                pool = [*ODD_LABELS, "line one\nline two"]
            text = self.rng.choice(pool)
            end = self.end_key() if kind != "text" else "none"
            self.note(f"{panel}: type {text!r} into {name}, {end}")
            if isinstance(w, QPlainTextEdit):
                self.show_dock_of(w)
                QTest.mouseClick(w.viewport(), Qt.MouseButton.LeftButton,
                                 Qt.KeyboardModifier.NoModifier, QPoint(5, 5))  # fmt: skip
                QTest.keyClick(w, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
                self.type_text(w, text) if text else QTest.keyClick(w, Qt.Key.Key_Delete)
            else:
                self.type_into(w, text, end)

    def use_slider(self, panel: str, name: str, slider) -> None:
        """A drag of the handle (press, moves, release), a click on the groove, or arrow and
        page keys: each gesture is one value (and one undo step) for the document."""
        self.show_dock_of(slider)
        if not slider.isVisible() or slider.visibleRegion().isEmpty():
            return
        opt = QStyleOptionSlider()
        slider.initStyleOption(opt)
        cc, style = QStyle.ComplexControl.CC_Slider, slider.style()
        handle = style.subControlRect(cc, opt, QStyle.SubControl.SC_SliderHandle, slider)
        how = self.rng.choice(["drag", "drag", "click", "keys"])
        y = handle.center().y()
        if how == "drag":
            a = handle.center()
            b = QPoint(self.rng.randint(-10, slider.width() + 10), y)
            self.note(f"{panel}: drag the {name} slider from x={a.x()} to x={b.x()}")
            QTest.mousePress(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
            steps = self.rng.randint(1, 8)
            for k in range(1, steps + 1):
                QTest.mouseMove(slider, QPoint(a.x() + (b.x() - a.x()) * k // steps, y))
            QTest.mouseRelease(slider, Qt.MouseButton.LeftButton,
                               Qt.KeyboardModifier.NoModifier, b)  # fmt: skip
        elif how == "click":
            x = self.rng.randint(0, max(0, slider.width() - 1))
            self.note(f"{panel}: click the {name} slider's groove at x={x}")
            QTest.mouseClick(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             QPoint(x, y))  # fmt: skip
        else:
            keys = [Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown,
                    Qt.Key.Key_Home, Qt.Key.Key_End]  # fmt: skip
            key = self.rng.choice(keys)
            times = self.rng.choice([1, 1, 2, 3])
            self.note(f"{panel}: {name} slider, {times} × {QKeySequence(key).toString()}")
            slider.setFocus(Qt.FocusReason.MouseFocusReason)
            for _ in range(times):
                QTest.keyClick(slider, key)

    def a_data_panel(self) -> None:
        dp = self.window.training_tools.data_panel
        kind = dp.kind()
        r = self.rng.random()
        if r < 0.12:
            self.edit_field("data", "source", dp.source, "combo")
            return
        if r < 0.2 and not known(8):
            self.edit_field("data", "validation split", dp.val_split, "number")
            return
        if r < 0.26 and not known(8):
            self.edit_field("data", "validation split", dp.split_slider, "slider")
            return
        if kind == "samples":
            choices = [("add sample", dp.add_row_button, "button"),
                       ("remove sample", dp.remove_row_button, "button")]  # fmt: skip
            if dp.table.rowCount() and dp.table.columnCount() and self.rng.random() < 0.7:
                self.edit_cell(dp)
                return
        elif kind == "generator":
            choices = [("data set", dp.gen_name, "combo"), ("samples n", dp.gen_n, "number"),
                       ("noise", dp.gen_noise, "number"), ("noise", dp.noise_slider, "slider"),
                       ("noise", dp.noise_slider, "slider"), ("seed", dp.gen_seed, "number"),
                       ("classes", dp.gen_classes, "number"),
                       ("Regenerate", dp.regenerate_button, "button"),
                       ("Edit as table", dp.to_table_button, "button")]  # fmt: skip
        else:
            choices = [("Import CSV…", dp.csv_button, "button"),
                       ("Use these columns", dp.csv_apply, "button")]  # fmt: skip
            if dp.inputs_list.count() and self.rng.random() < 0.5:
                self.toggle_list_item(dp, self.rng.choice([dp.inputs_list, dp.targets_list]))
                return
        if dp.pages.currentIndex() == 2 and kind != "csv":  # the CSV page, waiting for a file
            choices += [("Import CSV…", dp.csv_button, "button"),
                        ("Use these columns", dp.csv_apply, "button")]  # fmt: skip
        self.edit_field("data", *self.rng.choice(choices))

    def toggle_list_item(self, dp, lst: QListWidget) -> None:
        row = self.rng.randrange(lst.count())
        self.note(f"data: toggle CSV column {lst.item(row).text()!r} (Space)")
        self.show_dock_of(lst)
        lst.setFocus(Qt.FocusReason.MouseFocusReason)
        lst.setCurrentRow(row)
        QTest.keyClick(lst, Qt.Key.Key_Space)

    def edit_cell(self, dp) -> None:
        t = dp.table
        r, c = self.rng.randrange(t.rowCount()), self.rng.randrange(t.columnCount())
        text = self.rng.choice(ODD_NUMBERS)
        ends = ["Enter", "Enter", "Esc"] if known(5) else ["Enter", "Tab", "Esc"]
        end = self.rng.choice(ends)
        self.note(f"data: double-click cell ({r + 1}, {c + 1}), type {text!r}, {end}")
        self.show_dock_of(t)
        item = t.item(r, c)
        if item is None:
            return
        t.scrollToItem(item)
        rect = t.visualItemRect(item)
        QTest.mouseDClick(t.viewport(), Qt.MouseButton.LeftButton,
                          Qt.KeyboardModifier.NoModifier, rect.center())  # fmt: skip
        editor = QApplication.focusWidget()
        editing = t.state() == QAbstractItemView.State.EditingState
        if not isinstance(editor, QLineEdit) or not editing or editor.parent() is not t.viewport():
            self.note(f"  (no cell editor opened: focus on {type(editor).__name__})")
            return
        # the cell being edited is the one under the editor: the table's current index can
        # lag behind it (soak action 37,217: current (1, 4), the editor and the value on (1, 3))
        edited = t.indexAt(editor.geometry().center())
        if (edited.row(), edited.column()) != (r, c):
            self.note(f"  (the editor opened on cell ({edited.row() + 1}, "
                      f"{edited.column() + 1}))")  # fmt: skip
            r, c = edited.row(), edited.column()
        QTest.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        if text:
            self.type_text(editor, text)
        else:
            QTest.keyClick(editor, Qt.Key.Key_Backspace)
        key = {"Enter": Qt.Key.Key_Return, "Tab": Qt.Key.Key_Tab, "Esc": Qt.Key.Key_Escape}[end]
        QTest.keyClick(editor, key)
        QApplication.processEvents()  # the delegate commits on Enter/Tab by a queued call
        value = self.parse_cell(text)
        if end != "Esc" and value is not None:
            self.check_cell(dp, r, c, value)

    @staticmethod
    def parse_cell(text: str) -> float | None:
        try:
            v = float(text.strip().replace(",", "."))
        except ValueError:
            return None
        return v if math.isfinite(v) else None

    def check_cell(self, dp, r: int, c: int, value: float) -> None:
        """A number typed into a cell lands in that sample's value (issue 9, item 5)."""
        samples = self.graph.data.get("samples", [])
        n_in = len(self.graph.inputs())
        if r >= len(samples):
            self.fail("data", f"typed into row {r + 1}; the data has {len(samples)} samples")
            return
        s = samples[r]
        got = s["x"][c] if c < n_in else s["y"][c - n_in]
        if got != value:
            self.fail("data", f"typed {value!r} into cell ({r + 1}, {c + 1}); it holds {got!r} "
                      f"(data {self.graph.data}, message {dp.error.text()!r})")  # fmt: skip

    def a_training_panel(self) -> None:
        tp = self.window.training_tools.training_panel
        fields = [
            ("loss", tp.loss, "combo"), ("optimizer", tp.optimizer, "combo"),
            ("learning rate", tp.lr, "number"), ("momentum", tp.momentum, "number"),
            ("β₁", tp.beta1, "number"), ("β₂", tp.beta2, "number"), ("ε", tp.eps, "number"),
            ("batch size", tp.batch, "number"), ("epochs", tp.epochs, "number"),
            ("stop at loss", tp.stop_loss, "number"), ("L2", tp.l2, "number"),
            ("L1", tp.l1, "number"), ("init", tp.init, "combo"),
            ("seed", tp.seed, "number"), ("speed", tp.speed, "combo"),
            ("Play", tp.play_button, "button"), ("Step epoch", tp.step_button, "button"),
            ("Reset", tp.reset_button, "button"),
            ("Re-initialise", tp.reinit_button, "button"),
            ("Clear earlier runs", tp.clear_runs_button, "button"),
        ]  # fmt: skip
        self.show_dock_of(tp)
        fields = [f for f in fields if f[1].isVisible() and f[1].isEnabled()]
        if fields:
            self.edit_field("training", *self.rng.choice(fields))

    def a_training_burst(self) -> None:
        c = self.window.training_tools.controller
        ms = self.rng.choice([10, 30, 60, 120])
        self.note(f"training burst: Ctrl+Space, {ms} ms")
        self.view.setFocus(Qt.FocusReason.MouseFocusReason)
        self.key(Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
        self.wait(ms)
        if c.running and self.rng.random() < 0.6:
            self.note("  Ctrl+Space (pause)")
            self.key(Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier, widget=self.view)

    def a_scrub(self) -> None:
        """The history slider (issue 14): keys, a drag or a click on it, or Restore. Only
        Restore (and a pause of running training) may change the document; while scrubbed
        the canvas labels show the kept epoch's weights."""
        tools = self.window.training_tools
        scrub = tools.scrubber
        bar, s = scrub.bar, scrub.bar.slider
        self.show_dock_of(bar)
        if not s.isEnabled() or not s.isVisible():
            self.note("history slider: disabled (no epochs yet)")
            return
        # focus first: a field left mid-edit (typed, not committed) commits as it loses the
        # focus, which is that field's edit, not the slider's (soak seed 106934, action 39,593:
        # '0.5' typed into L2, then the slider dragged)
        s.setFocus(Qt.FocusReason.MouseFocusReason)
        QApplication.processEvents()
        running, before = tools.controller.running, snapshot(self.graph)
        r = self.rng.random()
        restored = False
        if r < 0.45:
            key = self.rng.choice([Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home,
                                   Qt.Key.Key_End, Qt.Key.Key_Left])  # fmt: skip
            self.note(f"history slider: key {key.name}")
            s.setFocus(Qt.FocusReason.MouseFocusReason)
            QTest.keyClick(s, key)
        elif r < 0.85:
            y = s.height() // 2
            a = QPoint(self.rng.randrange(max(s.width(), 1)), y)
            b = QPoint(self.rng.randrange(max(s.width(), 1)), y)
            self.note(f"history slider: drag {a.x()} → {b.x()} of {s.width()} px")
            QTest.mousePress(s, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
            for k in range(1, 4):
                QTest.mouseMove(s, a + (b - a) * (k / 3))
            QTest.mouseRelease(s, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
        elif bar.restore_button.isEnabled():
            self.note(f"history: click {bar.restore_button.text()!r}")
            self.click_widget(bar.restore_button)
            restored = True
        else:
            self.note("history: Restore is disabled (live)")
        QApplication.processEvents()
        if not running and not restored and snapshot(self.graph) != before:
            self.fail("scrub", "moving the history slider changed the document")
        if scrub.scrubbed:
            shown = self.scene.shown_parameters
            if shown is None:
                self.fail("scrub", f"epoch {scrub.shown_epoch} is shown, the canvas draws the "
                          "document's weights")  # fmt: skip
                return
            items = self.scene.edge_items()
            if items:
                e = self.rng.choice(items)
                want = shown[0].get(e.edge_id)
                if (
                    want is not None
                    and e.show_label
                    and e.label_text().split("\n")[0] != fmt(want, self.scene.decimals)
                ):
                    self.fail("scrub", f"edge {e.edge_id} reads {e.label_text()!r} at epoch "
                              f"{scrub.shown_epoch}, whose weight is {want!r}")  # fmt: skip
            self.note(f"  → showing epoch {scrub.shown_epoch}")

    # ---------------------------------------------------------------- exercise mode (issue 12)
    def a_exercise(self) -> None:
        """Start an exercise, or type into its blanks as a student would (Tab, digits, Enter,
        ?, Backspace, Esc). Typed answers are not document edits: the graph and the undo
        stack stay as they were, and no hidden value shows in a badge."""
        if not self.passes:
            return
        mode = self.window.pass_tools.exercise
        K, M = Qt.Key, Qt.KeyboardModifier
        if not mode.active and self.window.pass_tools.stepper.compute() is None:
            # edits have left a network with no pass: undo back to one (a lecturer would)
            undos = 0
            while self.window.pass_tools.stepper.compute() is None and undos < 40:
                if not self.window.undo_stack.canUndo():
                    return
                self.window.action_by_name["undo"].trigger()
                undos += 1
            self.note(f"exercise: {undos} undos to a network that runs a pass")
        if not mode.active or self.rng.random() < 0.1:
            how = self.rng.choice(["Ctrl+Shift+X", "Ctrl+Shift+X", "updates", "everything",
                                   "layer", "leave"])  # fmt: skip
            self.note(f"exercise: {how}")
            if how == "Ctrl+Shift+X" and self.rng.random() < 0.5:
                self._send(how, K.Key_X, M.ControlModifier | M.ShiftModifier, canvas=0.9)
            elif how == "Ctrl+Shift+X":
                mode.actions["backward"].trigger()  # Pass > Exercise > Hide Backward Values
            elif how == "layer":
                r = self.window.pass_tools.stepper.compute()
                if r is not None and r.compiled.n_layers:
                    mode.start("layer", self.rng.randint(1, r.compiled.n_layers))
            elif how == "leave":
                mode.actions["leave"].trigger()
            else:
                mode.actions[how].trigger()
            self.check_exercise()
            if not mode.active:
                return
        before, index = snapshot(self.graph), self.window.undo_stack.index()
        typed = []
        self.view.setFocus(Qt.FocusReason.MouseFocusReason)
        for _ in range(self.rng.randint(1, 8)):
            r = self.rng.random()
            if r < 0.4:  # what a student mostly does: Tab to a blank, type, Enter
                text = self.rng.choice(["0.1385", "-0.1385", "0.0822", "-0.0822", "0.5933",
                                        str(round(self.rng.uniform(-1, 1), 4))])  # fmt: skip
                typed.append(f"Tab {text!r} Enter")
                QTest.keyClick(self.view, K.Key_Tab)
                QTest.keyClicks(self.view, text)
                QTest.keyClick(self.view, K.Key_Return)
                self.stats["exercise entry"] = self.stats.get("exercise entry", 0) + 1
            elif r < 0.6:
                name, key, mods = self.rng.choice([
                    ("Tab", K.Key_Tab, M.NoModifier), ("Tab", K.Key_Tab, M.NoModifier),
                    ("Shift+Tab", K.Key_Backtab, M.ShiftModifier),
                    ("Enter", K.Key_Return, M.NoModifier), ("Backspace", K.Key_Backspace, M.NoModifier),
                    ("Delete", K.Key_Delete, M.NoModifier), ("Esc", K.Key_Escape, M.NoModifier),
                ])  # fmt: skip
                typed.append(name)
                QTest.keyClick(self.view, key, mods)
            else:
                text = self.rng.choice(["0.1385", "-0.0822", "1", "0.", "5e-3", "-", "?", "x",
                                        "0.1.2", str(round(self.rng.uniform(-2, 2), 4))])  # fmt: skip
                typed.append(repr(text))
                QTest.keyClicks(self.view, text)
            if not mode.active:  # Esc may leave the lecture layout, a key may end the pass
                break
        self.note(f"exercise keys: {' '.join(typed)}")
        if mode.active and (
            snapshot(self.graph) != before or self.window.undo_stack.index() != index
        ):
            self.fail("exercise", "typing into exercise blanks changed the document or undo stack")
        self.check_exercise()

    def check_exercise(self) -> None:
        """No hidden value in a badge while an exercise is on; none left blank after it."""
        mode = self.window.pass_tools.exercise
        ov = self.window.pass_tools.overlay
        if not mode.active:
            if ov.exercise is not None:
                self.fail("exercise", "the exercise ended but the overlay still draws blanks")
            return
        ex = mode.exercise
        for quantity, ident, _ in ex.keys:
            if quantity in ("grad", "updated"):
                b = ov.edge_badge(ident)
            elif quantity == "loss":
                b = ov.visible_loss_badge()
            else:
                b = ov.neuron_badge(ident, "forward")
            if b is not None and ex.editable and quantity in b.values:
                self.fail("exercise", f"the hidden {quantity} of {ident} is in its badge")

    def a_pass_controls(self) -> None:
        ctl = self.window.pass_tools.controls
        K = Qt.Key
        r = self.rng.random()
        if r < 0.3:
            self.edit_field("pass", "mode", ctl.mode, "combo")
        elif r < 0.6:
            self.edit_field("pass", "sample", ctl.sample, "number")
        elif r < 0.85:
            key = self.rng.choice([K.Key_Home, K.Key_End, K.Key_Right, K.Key_Left, K.Key_PageUp])
            self.note(f"pass: speed slider key {key.name}")
            ctl.speed.setFocus(Qt.FocusReason.MouseFocusReason)
            QTest.keyClick(ctl.speed, key)
            self.note(f"  → speed {ctl.speed.value()}")
        else:
            self.edit_field("pass", "decimals", ctl.decimals, "number")

    def a_plots(self) -> None:
        t = self.window.training_tools
        plot = self.rng.choice([t.loss_plot, t.grad_plot, t.boundary_plot, t.activation_plot])
        buttons = [("PNG", plot.png_button), ("CSV", plot.csv_button)]
        if getattr(plot, "log_box", None) is not None:
            buttons.append(("log y", plot.log_box))
        name, b = self.rng.choice(buttons)
        if self.rng.random() < 0.3 and hasattr(plot, "plot"):
            self.show_dock_of(plot)
            vp = plot.plot.viewport()
            p = QPointF(vp.width() / 2, vp.height() / 2)
            self.note(f"wheel on the {plot.title} plot")
            ev = QWheelEvent(p, QPointF(vp.mapToGlobal(p.toPoint())), QPoint(0, 0),
                             QPoint(0, 120), Qt.MouseButton.NoButton,
                             Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                             False)  # fmt: skip
            QApplication.sendEvent(vp, ev)
            return
        self.note(f"plot {plot.title}: click {name}")
        self.click_widget(b)

    def a_landscape(self) -> None:
        """The Loss landscape dock (issue 14): random directions, two edges Ctrl+clicked on
        the canvas then Selected weights, Follow, Race optimizers / Stop race, Keep ▾."""
        lp = self.window.training_tools.landscape_plot
        r = self.rng.random()
        if r < 0.2:
            for k in range(2):
                got = self.random_edge()
                if got is None:
                    break
                m = Qt.KeyboardModifier.ControlModifier if k else Qt.KeyboardModifier.NoModifier
                self.note(f"landscape: click edge {got[0]}{self.mods_text(m)}")
                QTest.mouseClick(self.view.viewport(), Qt.MouseButton.LeftButton, m, got[1])
            b = lp.weights_button
        elif r < 0.3:
            b = lp.follow_box
        elif r < 0.42 and lp.keep_button.isEnabled():
            name = self.rng.choice(list(lp.keep_actions))
            self.note(f"landscape: Keep > {name}'s weights")
            lp.keep_actions[name].trigger()  # as the popup menu would
            return
        elif r < 0.6:
            b = lp.random_button
        else:
            b = lp.race_button
        self.show_dock_of(lp)
        if not (b.isVisible() and b.isEnabled()):
            return
        self.note(f"landscape: click {b.text()}")
        self.click_widget(b)
        if b is lp.race_button and lp.racing:
            self.wait(self.rng.choice([0, 20, 60]))

    def a_matrix_click(self) -> None:
        m = self.window.pass_tools.matrix
        self.show_dock_of(m)
        tables = [t for t in m.findChildren(QWidget) if type(t).__name__ == "LayerTable"]
        tables = [t for t in tables if t.rowCount() and t.columnCount()]
        if not tables:
            return
        t = self.rng.choice(tables)
        r, c = self.rng.randrange(t.rowCount()), self.rng.randrange(t.columnCount())
        self.note(f"matrices: click layer {t.layer} cell ({r}, {c})")
        rect = t.visualRect(t.model().index(r, c))  # the tables are model/view (QTableView)
        QTest.mouseClick(t.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         rect.center())  # fmt: skip

    def a_wait(self) -> None:
        ms = self.rng.choice([0, 5, 20, 50, 120])
        self.note(f"wait {ms} ms")
        self.wait(ms)

    def a_autosave(self) -> None:
        doc = self.window.document
        self.note("30 s pass: the autosave timer fires")
        f = doc.slot.network_file
        # as the recovery file holds it: a relative CSV path rebased onto its folder (soak
        # seed 106934, action 22,303: an example's CSV path compared unrebased)
        modified, expected = doc.modified, snapshot(self.graph, f.resolve().parent)
        before = f.stat().st_mtime_ns if f.exists() else None
        doc.autosave_timer.timeout.emit()
        if self.window.training_tools.controller.running:
            # live training: the edits made before the run were written when it started
            # (Document.checkpoint), one made during it (a drag does not pause the run) by the
            # autosave due after it; training's own progress waits for the run to stop. So a
            # modified document has a recovery file, and one written now holds the document.
            if modified and not f.exists():
                self.fail("save", "training runs on unsaved edits the autosave never wrote")
            elif f.exists() and f.stat().st_mtime_ns != before:
                self._check_recovery_reopens(f, expected)
            return
        if not modified:
            if f.exists() and f.stat().st_mtime_ns != before:
                self.fail("save", "the autosave rewrote the recovery file of a saved document")
            return
        if not f.exists():
            self.fail("save", "the document is modified but the autosave wrote nothing")
            return
        self._check_recovery_reopens(f, expected)

    def _check_recovery_reopens(self, f: Path, expected: str) -> None:
        base = self.window.training_tools.data_panel.base_dir()
        fits = not file_validation.validate_data(self.graph, base)
        self._check_reopens(f, expected, strict=fits or not known(2))

    # ================================================================ issue 15: design
    # Drag-and-drop design: palette drops (the tile's own QDrag mime data, played to the
    # viewport as Qt's drag manager would: QDrag.exec blocks), layer handles, the Layer panel
    # (grow, shrink, activation, weights, bias), N and Tab, the quick-start dialog.
    # ================================================================ issue 14: learning views
    def learning_view_actions(self):
        return [
            (2, "tiles", self.a_tiles),
            (2, "derived inputs", self.a_features),
        ]

    def a_tiles(self) -> None:
        """T (View > Show Neuron Tiles), or a click on a neuron's tile (the boundary dock)."""
        tiles = list(self.window.neuron_tiles.tiles.values())
        if tiles and self.rng.random() < 0.6:
            t = self.rng.choice(tiles)
            if t.scene() is None:
                return
            p = self.view.mapFromScene(t.sceneBoundingRect().center())
            if not self.view.viewport().rect().contains(p):
                return
            self.note(f"click the tile of {t.neuron_id}")
            QTest.mouseClick(self.view.viewport(), Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier, p)  # fmt: skip
            return
        self._send("T", Qt.Key.Key_T)

    def a_features(self) -> None:
        """Tick or untick a derived input (x₁², sin x, …) in the Data panel."""
        boxes = self.window.training_tools.data_panel.features.boxes
        if not boxes or not self.design_room(1, 8):
            return
        name = self.rng.choice(sorted(boxes))
        box = boxes[name]
        self.note(f"data: {'untick' if box.isChecked() else 'tick'} derived input {name}")
        self.click_widget(box)

    def design_actions(self):
        return [
            (4, "palette drop", self.a_palette_drop),
            (2, "layer handle", self.a_layer_handle),
            (4, "layer panel", self.a_layer_panel),
            (2, "design key", self.a_design_key),
        ]

    def design_room(self, neurons: int, edges: int) -> bool:
        g = self.graph
        return len(g.neurons) + neurons <= MAX_NEURONS and len(g.edges) + edges <= MAX_EDGES

    def a_palette_drop(self) -> None:
        from bpstudio.qt.palette import ROLES

        pal = self.window.design_palette
        if self.rng.random() < 0.6:
            role = self.rng.choice(["input", "hidden", "output"])
            tile = pal.layer_tiles[role]
            if self.rng.random() < 0.5:
                self.type_into(pal.counts[role], str(self.rng.choice([1, 2, 3, 4, 0, 300])),
                               "Enter")  # fmt: skip
            if role in pal.activations and self.rng.random() < 0.4:
                self.choose_combo(pal.activations[role])
            count = pal.counts[role].value()
        else:
            role = self.rng.choice(ROLES)
            tile, count = pal.tiles[role], 1
        widest = max((len(c) for c in self._columns()), default=0)
        if not self.design_room(count, count * max(widest, 1)):
            return
        if self.rng.random() < 0.15:
            self.note("  click 'Connect fully'")
            self.click_widget(pal.connect_box)
        p = self.random_empty() if self.rng.random() < 0.7 else None
        if p is None:
            got = self.random_point()
            p = got[1] if got else QPoint(40, 40)
        shift = self.rng.random() < 0.25
        cancel = self.rng.random() < 0.1
        self.show_dock_of(tile)
        self.note(f"drag palette {tile.label.text()} → {p.x()},{p.y()}"
                  f"{' +Shift' if shift else ''}{' (leaves again)' if cancel else ''}")  # fmt: skip
        self.play_drop(tile.drag_object().mimeData(), p, shift, cancel)

    def play_drop(self, mime, end: QPoint, shift: bool, cancel: bool) -> None:
        from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent

        vp = self.view.viewport()
        copy, left = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton
        mods = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
        start = QPoint(1, max(1, min(end.y(), vp.height() - 2)))
        enter = QDragEnterEvent(start, copy, mime, left, mods)
        QApplication.sendEvent(vp, enter)
        if not enter.isAccepted():
            self.fail("harness-or-app", "the canvas refused a palette drag")
            return
        for k in range(1, self.rng.choice([2, 4]) + 1):
            QApplication.sendEvent(vp, QDragMoveEvent(start + (end - start) * (k / 4), copy,
                                                      mime, left, mods))  # fmt: skip
        if cancel:
            QApplication.sendEvent(vp, QDragLeaveEvent())
            return
        QApplication.sendEvent(vp, QDropEvent(QPointF(end), copy, mime, left, mods))

    def _columns(self) -> list[list[str]]:
        from bpstudio.qt.layers import columns

        return columns(self.graph)

    def a_layer_handle(self) -> None:
        handles = self.window.layer_handles.handles
        if not handles:
            return
        h = self.rng.choice(handles)
        p = self.vp_point(h.scenePos())
        if p is None:
            return
        if self.rng.random() < 0.7:
            m = self.mods() if self.rng.random() < 0.3 else Qt.KeyboardModifier.NoModifier
            self.note(f"click layer handle {h.text}{self.mods_text(m)}")
            QTest.mouseClick(self.view.viewport(), Qt.MouseButton.LeftButton, m, p)
        else:
            d = QPoint(self.rng.randint(-120, 120), self.rng.randint(-80, 80))
            self.note(f"drag layer handle {h.text} by ({d.x()}, {d.y()}) px")
            self.press_move_release(p, p + d, steps=self.rng.choice([1, 3]))

    def a_layer_panel(self) -> None:
        panel = self.window.layer_panel
        if not panel.column or self.rng.random() < 0.3:
            self.a_layer_handle()
        if not panel.column:
            return
        what = self.rng.choice(["grow", "shrink", "size", "activation", "weights", "bias"])
        col = len(panel.column)
        if what in ("grow", "size"):
            widest = max(len(c) for c in self._columns())
            if not self.design_room(3, 3 * 2 * max(widest, 1)):
                what = "shrink"
        if what in ("grow", "shrink"):
            key = Qt.Key.Key_Up if what == "grow" else Qt.Key.Key_Down
            self.note(f"layer panel: {what} the layer of {col} (arrow key in Neurons)")
            self.click_widget_focus(panel.size_field)
            QTest.keyClick(panel.size_field, key)
        elif what == "size":
            text = self.rng.choice(["1", "2", str(col + 2), "0", "abc", ""])
            self.note(f"layer panel: type {text!r} into Neurons")
            self.type_into(panel.size_field, text, self.end_key())
        elif what == "activation":
            self.note("layer panel: activation")
            self.choose_combo(panel.activation)
        elif what == "weights":
            n = len(panel.weights.placeholderText().split(",")) + col
            nums = [self.rng.choice(ODD_NUMBERS) or "0.5" for _ in range(n)]
            text = " ".join(nums) if self.rng.random() < 0.5 else panel.weights.text()
            self.note(f"layer panel: weights {text[:60]!r}")
            self.type_into(panel.weights, text, self.end_key())
        else:
            text = self.rng.choice(ODD_NUMBERS)
            self.note(f"layer panel: bias {text!r}")
            self.type_into(panel.bias, text, self.end_key())

    def a_design_key(self) -> None:
        K, M = Qt.Key, Qt.KeyboardModifier
        name, key, mods = self.rng.choice([
            ("N", K.Key_N, M.NoModifier), ("N", K.Key_N, M.NoModifier),
            ("Tab", K.Key_Tab, M.NoModifier), ("Shift+Tab", K.Key_Backtab, M.ShiftModifier),
        ])  # fmt: skip
        if name == "N" and not self.design_room(1, len(self.scene.selected_ids()[0])):
            return
        self._send(name, key, mods, canvas=0.9)

    def answer_quick_start(self, dlg: QDialog) -> int:
        """File > New > Fully Connected Network…: a size text, good or bad, then OK/Cancel."""
        from PySide6.QtWidgets import QDialogButtonBox, QLabel

        text = self.rng.choice(["2-4-1", "2-8-8-1", "3-5-2", "2-3", "2", "2-x-1", "", "4 4 4",
                                "1-300-1", "2x2x2", "−1-2"])  # fmt: skip
        field = dlg.findChild(QLineEdit, "quick_sizes")
        field.selectAll()
        self.type_text(field, text)
        ok = dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        note = dlg.findChild(QLabel, "quick_note").text()
        if self.rng.random() < 0.2 or not ok.isEnabled():
            self.note(f"  dialog 'New network' {text!r} ({note[:80]}) → Cancel")
            return QDialog.DialogCode.Rejected.value
        self.note(f"  dialog 'New network' {text!r} ({note[:80]}) → OK")
        return QDialog.DialogCode.Accepted.value

    # ================================================================ episodes
    def step(self) -> None:
        weights = [w for w, _, _ in self.table]
        _, name, fn = self.rng.choices(self.table, weights)[0]
        self.count += 1
        self.stats[name] = self.stats.get(name, 0) + 1
        self.errors_shown.clear()
        self._switched = False
        self._before_open = None  # set by actions that may open a file (see before_open)
        if self._stall_file is None:
            self._stall_file = open(STALL_PATH, "a", encoding="utf-8")  # noqa: SIM115
        faulthandler.dump_traceback_later(STALL_S, repeat=True, file=self._stall_file)
        t0 = time.perf_counter()
        try:
            fn()
        except Exception:
            self.fail("harness-or-app", traceback.format_exc())
        QApplication.processEvents()
        dt = time.perf_counter() - t0
        faulthandler.cancel_dump_traceback_later()
        self.seconds[name] = self.seconds.get(name, 0.0) + dt
        what = self.log[-1] if self.log else name
        if dt > self.slowest[0]:  # printed by the tests: a freeze shows, without a timed assert
            self.slowest = (dt, what)
        if dt > STALL_S:  # the stacks written above belong to this action
            self.stalls.append((dt, what))
            self._stall_file.write(f"^^^ the stacks above: {what} ({dt:.1f} s)\n\n")
            self._stall_file.flush()
        self._remember_document()
        if self._switched:
            self.after_switch()
        elif self._before_open is not None and "Cannot open network" in self.errors_shown:
            if not self.window.training_tools.controller.running:
                self.check_failed_open(*self._before_open)

    def _remember_document(self) -> None:
        """The document as this action left it, by undo-stack index: a failed redo all then
        names the first entry whose redo does not give back what the user had at that index
        (and the action after which they had it). Small documents only (a snapshot each
        action), and not while training runs (its stretch is not an entry yet)."""
        stack = self.window.undo_stack
        k = stack.index()
        if k == 0 or len(self.graph.edges) > 1_000 or self.window.training_tools.controller.running:
            return
        self._trail[k] = (self.count, snapshot(self.graph), stack, stack.command(k - 1))

    def first_redo_that_differs(self, n: int) -> str:
        """Undo n entries, then redo them one at a time against the documents remembered at
        each index; the first that differs, in words (empty: none remembered differs)."""
        stack = self.window.undo_stack
        undo, redo = self.window.action_by_name["undo"], self.window.action_by_name["redo"]
        for _ in range(n):
            undo.trigger()
        found = ""
        for _ in range(n):
            redo.trigger()
            QApplication.processEvents()
            k = stack.index()
            seen = self._trail.get(k)
            if found or seen is None or seen[2] is not stack or seen[3] is not stack.command(k - 1):
                continue
            now = snapshot(self.graph)
            if now != seen[1]:
                found = (f"the first redo that differs: entry {k - 1} '{stack.text(k - 1)}'; after "
                         f"action #{seen[0]} (the stack at {k}) the document was:\n"
                         + short_diff(seen[1], now))  # fmt: skip
        return found

    def before_open(self) -> None:
        """Remember the document: a failed open must leave it as it was (unless live
        training changes its weights meanwhile)."""
        if not self.window.training_tools.controller.running:
            self._before_open = (snapshot(self.graph), self.window.undo_stack.index())

    def after_switch(self) -> None:
        """A file opened: the document shown is the file as it reads (plus filled positions)."""
        doc = self.window.document
        if doc.path is None or doc.modified:
            return
        try:
            g = fileformat.load(doc.path, allow_misfit=True)
        except (fileformat.NetworkFileError, OSError) as exc:
            self.fail("open", f"{doc.path} is shown but does not load: {exc}")
            return
        fill_missing_positions(g)
        if snapshot(g) != self.reference:
            self.fail("open", f"{doc.path.name} shows something else than the file holds:\n"
                      + short_diff(snapshot(g), self.reference or ""))  # fmt: skip

    def check_failed_open(self, before: str, index_before: int) -> None:
        now = snapshot(self.graph)
        if now != before or self.window.undo_stack.index() != index_before:
            self.fail("open", "a failed open changed the document:\n" + short_diff(before, now))

    def quiesce(self) -> None:
        """Let running things settle: pause training, land a pass walk, run posted events."""
        tools = self.window.training_tools
        if tools.controller.running:
            self.note("(check) Ctrl+Space: pause training")
            self.key(Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier, widget=self.view)
            if tools.controller.running:
                tools.controller.pause()
        self.window.pass_tools.controller.land()
        for _ in range(3):
            QApplication.processEvents()

    def checkpoint(self) -> None:
        """Undo all → the document as opened; redo all → the document as it is now."""
        self.quiesce()
        stack = self.window.undo_stack
        final = snapshot(self.graph)
        undo, redo = self.window.action_by_name["undo"], self.window.action_by_name["redo"]
        n = 0
        while stack.canUndo() and n < 100_000:
            undo.trigger()
            n += 1
        QApplication.processEvents()
        got = snapshot(self.graph)
        if self.reference is not None and got != self.reference:
            self.fail("undo", f"undo all ({n} steps) does not give back the document as "
                      f"opened:\n{short_diff(self.reference, got)}\n{stack_entries(stack)}")  # fmt: skip
        for _ in range(n):  # back to where the user was (entries undone by the user stay so)
            redo.trigger()
        QApplication.processEvents()
        got = snapshot(self.graph)
        if got != final:
            self.fail("redo", f"redo all ({n} steps) does not give back the final document:\n"
                      + short_diff(final, got) + "\n" + stack_entries(stack) + "\n"
                      + self.first_redo_that_differs(n))  # fmt: skip
        self.note(f"(check) undo all / redo all: {n} steps")

    def open_example(self, path: Path) -> None:
        """Start an episode: File > Open Example > name (answering any prompt with Discard)."""
        for a in self.window.example_menu.actions():
            if a.text() == path.stem.replace("_", " "):
                self.window.undo_stack.setClean()  # the previous episode's edits: discarded
                self.note(f"menu File > Open Example > {a.text()}")
                a.trigger()
                QApplication.processEvents()
                self.after_switch()
                if known(8) and path in SPLIT_EXAMPLES:
                    self.note("data: type '0' into validation split, Enter (known bug 8)")
                    self.type_into(self.window.training_tools.data_panel.val_split, "0", "Enter")
                    QApplication.processEvents()
                    self.reference = snapshot(self.graph)  # the episode starts from here
                    self.window.undo_stack.clear()
                return
        raise LookupError(path)

    def run_episode(self, window, path: Path | None, actions: int) -> None:
        """Open path (or keep the window's network), do the actions, check the invariants."""
        self.episode += 1
        self.attach(window)
        self.passes = self.files = True
        if known(1):  # alternate: pass episodes and file episodes
            self.passes = (self.seed + self.episode) % 2 == 0
            self.files = not self.passes
        self.note(f"episode {self.episode} (seed {self.seed}, {path.stem if path else '-'}): "
                  f"{'pass' if self.passes else ''}"
                  f"{'+' if self.passes and self.files else ''}{'file' if self.files else ''} "
                  "episode")  # fmt: skip
        if path is not None:
            self.open_example(path)
        for _ in range(actions):
            self.step()
        self.checkpoint()


def run_random_user(make_window, qtbot, monkeypatch, workdir: Path, seed: int,
                    episodes: list[tuple[Path | None, int]],
                    progress=None) -> RandomUser:  # fmt: skip
    """Each episode in a fresh window; returns the user (its failures in ``.failures``).

    ``progress(user, k)``, if given, is called after episode k (a soak runs for hours)."""
    user = RandomUser(qtbot, seed, workdir)
    user.install(monkeypatch)
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        for k, (path, n) in enumerate(episodes):
            window = make_window()
            try:
                user.run_episode(window, path, n)
            finally:
                user.quiesce()
                close_window(window)
            if progress is not None:
                progress(user, k)
    finally:
        user.elapsed = time.perf_counter() - t0
        user.cpu = time.process_time() - c0  # what the run costs on an idle machine
        user.uninstall()
    return user


def stalls_line(user: RandomUser) -> str:
    """What the tests print of the actions that held the GUI thread over STALL_S."""
    if not user.stalls:
        return f"no action over {STALL_S:.0f} s"
    worst = ", ".join(f"{what} ({dt:.1f} s)" for dt, what in sorted(user.stalls)[::-1][:3])
    return f"{len(user.stalls)} action(s) over {STALL_S:.0f} s: {worst}; stacks in {STALL_PATH}"


def close_window(window) -> None:
    """Close without the unsaved-changes prompt and free the window now (soaks make many)."""
    import shiboken6

    if shiboken6.isValid(window):
        window.undo_stack.setClean()
        window.close()
        window.deleteLater()
        QApplication.processEvents()
