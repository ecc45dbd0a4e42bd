# Longer than 400 lines: exercise mode's controller holds the blanks' editors, their grading and the
# sheet export as one state machine; others edit it now, so it is not split here.
"""Exercise mode: the pass with some values hidden, typed in by a student, graded at once.

Pass → Exercise → Hide … puts the whole backward pass on the canvas (no update is applied)
and draws the chosen values as blanks (:mod:`.blanks`). Keyboard only: Tab / Shift+Tab walk
the blanks in computation order, typing edits the focused blank, Enter (or Tab) commits it
and the grader (``model/grading``, through :class:`~bpstudio.model.exercise.Exercise`)
colours it: green right, amber follows (from which earlier value), red wrong with the slip in
plain words. ``?`` or Pass → Exercise → Reveal shows the exact value. File → Check Answers…
shows an answers file the same way, read only, with the verdict list (:mod:`.exercise_list`).

Typed answers are not document edits: nothing goes on the undo stack, and leaving the mode
(or any step, edit, undo or other file, which ends it) gives the normal badges back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QGraphicsView, QMainWindow, QMenu

from ...model import fileformat
from ...model.exercise import (
    HIDE_CHOICES,
    Exercise,
    key_words,
    parse_entry,
    verdict_words,
    verdicts_csv,
)
from ...model.fileformat import NetworkFileError, atomic_write_text
from ...model.grading.answers import AnswersError, Key, load_answers
from ...model.grading.grader import Graded
from ...model.numfmt import fmt
from ...model.stepper import BACKWARD, StepState
from .blanks import Blank
from .overlay import MAX_EDGE_LABELS

if TYPE_CHECKING:
    from ..main_window import MainWindow
    from .exercise_list import VerdictList

EMPTY = "_____"
TYPED = set("0123456789.-+eE−")
SYMBOL = {"right": "✓", "follows": "→", "wrong": "✗"}
ANSWER_FILTERS = "Answers (*.json *.csv);;All files (*)"


class ExerciseMode(QObject):
    """The exercise (or checked answers) of one window: ``window.exercise_mode``."""

    changed = Signal()  # an entry, a verdict, the focus or the mode changed

    def __init__(
        self,
        window: QMainWindow,
        tools,
        view: QGraphicsView,
        status: Callable[[str], None],
        parent: QObject | None = None,
    ):
        super().__init__(parent or window)
        self.window = window
        self.tools = tools
        self.view = view  # scrolled to the focused blank
        self._status = status  # the window's status line (PassHost.status)
        self.exercise: Exercise | None = None
        self.index: int | None = None  # the focused blank (into exercise.keys); None: none yet
        self.draft: str | None = None  # what is being typed into it (None: not typing)
        self.version = 0  # Blanks: the overlay redraws when it changes
        self.message = ""  # the last verdict or complaint, in words (status bar, list)
        self.path: Path | None = None  # the checked answers file
        self.hide: str | None = None  # what the exercise on screen hides (HIDE_CHOICES)
        self._moving = False  # our own step of the pass (not the end of the exercise)
        self._hidden_docks: list[QDockWidget] = []
        self.list: VerdictList | None = None  # the Answers dock's list (exercise_list.py)
        self.dock: QDockWidget | None = None
        self.actions: dict[str, QAction] = {}
        # parented: nothing of the window is left for Python's garbage collector to delete
        self.menu = QMenu("E&xercise", window)
        self.layer_menu = QMenu("Hide One &Layer's Backward Values", self.menu)
        self._build_actions()
        tools.stepper.subscribe(self._on_state)
        if self.view is not None:
            self.view.installEventFilter(self)

    # ------------------------------------------------------------------ actions
    def _build_actions(self) -> None:
        def act(key: str, text: str, slot, shortcut: str | None = None, tip: str = "") -> QAction:
            a = QAction(text, self)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            a.setStatusTip(tip or text.replace("&", "").rstrip("…"))
            a.triggered.connect(slot)
            self.actions[key] = a
            return a

        m = self.menu
        m.addAction(
            act(
                "backward",
                "Hide &Backward Values",
                lambda: self.start("backward"),
                "Ctrl+Shift+X",
                "Exercise: ∂L/∂z and ∂L/∂w become blanks to fill in",
            )
        )
        m.addMenu(self.layer_menu)
        self.layer_menu.aboutToShow.connect(self._fill_layer_menu)
        m.addAction(
            act(
                "updates",
                "Hide the &Updates",
                lambda: self.start("updates"),
                tip="Exercise: the new weights and biases become blanks",
            )
        )
        m.addAction(
            act(
                "everything",
                "Hide &Everything",
                lambda: self.start("everything"),
                tip="Exercise: every value of the pass becomes a blank",
            )
        )
        m.addSeparator()
        m.addAction(
            act(
                "reveal",
                "&Reveal Answer",
                self.reveal,
                "Ctrl+R",
                "Show the exact value of the focused blank (also: ?)",
            )
        )
        m.addAction(
            act(
                "export",
                "E&xport Verdicts…",
                lambda: self.export_dialog(),
                tip="The verdict list as CSV: an answers file with the verdicts beside it",
            )
        )
        m.addAction(
            act(
                "sheet",
                "Export Exercise &Sheet…",
                lambda: self.export_sheet(),
                tip="The worked example with blanks (Markdown/LaTeX) and its answer key",
            )
        )
        m.addAction(
            act(
                "leave",
                "&Leave Exercise",
                lambda: self.leave(),
                tip="The normal badges back (typed answers are not kept)",
            )
        )
        self.actions["check"] = QAction("Check &Answers…", self)
        self.actions["check"].setStatusTip(
            "Grade an answers file (JSON or CSV) against this network's exact pass"
        )
        self.actions["check"].triggered.connect(lambda: self.check_dialog())
        self._update_actions()

    def _fill_layer_menu(self) -> None:
        self.layer_menu.clear()
        r = self.tools.stepper.compute()
        if r is None:
            a = self.layer_menu.addAction("(the network cannot run a pass)")
            a.setEnabled(False)
            return
        for layer in range(r.compiled.n_layers, 0, -1):
            a = self.layer_menu.addAction(f"Layer {layer}")
            a.triggered.connect(self._starter(layer))

    def _starter(self, layer: int):
        return lambda: self.start("layer", layer)

    def _update_actions(self) -> None:
        ex = self.exercise
        self.actions["reveal"].setEnabled(ex is not None)
        self.actions["leave"].setEnabled(ex is not None)
        self.actions["export"].setEnabled(ex is not None and ex.report is not None)

    @property
    def active(self) -> bool:
        return self.exercise is not None

    @property
    def hides_values(self) -> bool:
        """An exercise hides values (hover tips say nothing); checked answers do not."""
        return self.exercise is not None and self.exercise.editable

    # ------------------------------------------------------------------ starting, leaving
    def _to_backward_pass(self, batch: bool = False) -> bool:
        """The whole backward pass on screen (no update applied): what the blanks are in."""
        c, st = self.tools.controller, self.tools.stepper
        c.land()
        self._moving = True
        try:
            controls = self.tools.controls
            want = 1 if batch else 0
            if controls.mode.currentIndex() != want:
                controls.mode.setCurrentIndex(want)  # one sample (or the batch) as asked
            st.backward_all()
        finally:
            self._moving = False
        if st.result is None or not st.backward_done:
            self._say(f"No exercise: the network cannot run a pass ({st.error or 'no data'})")
            return False
        return True

    def start(self, hide: str, layer: int | None = None) -> bool:
        """Hide ``hide`` (a key of HIDE_CHOICES; ``layer`` for "layer") and start typing."""
        self.leave(quiet=True)
        if not self._to_backward_pass():
            return False
        st = self.tools.stepper
        assert st.result is not None
        sample = st.result.samples[0]
        ex = Exercise.hiding(self.graph, st.result.compiled.layer_of, sample, hide, layer)
        if not ex.keys:
            self._say("No exercise: nothing of that kind to hide in this network")
            return False
        edges = sum(1 for k in ex.keys if k[0] in ("grad", "updated"))
        if edges and len(st.result.compiled.edge_ids) > MAX_EDGE_LABELS:
            # the canvas draws no edge badges then (hover tips only): no blank to type into
            self._say(
                f"No exercise: this network has {len(st.result.compiled.edge_ids)} edges, more "
                f"than the {MAX_EDGE_LABELS} the canvas labels: exercises are for a network "
                "worked by hand"
            )
            return False
        self._begin(ex)
        self.hide = hide
        what = HIDE_CHOICES[hide] if layer is None else f"layer {layer}'s backward values"
        self._say(
            f"Exercise, {what[0].lower() + what[1:]}: {len(ex.keys)} blanks · Tab: next · type a value, "
            "Enter: check · ?: reveal"
        )
        return True

    def check_file(self, path: str | Path) -> bool:
        """File → Check Answers: grade ``path`` and show its verdicts (False: a bad file,
        said in a message box; nothing on screen or in the document changes)."""
        from .. import dialogs

        p = Path(path)
        named = self._other_network(p)
        if named is not None:  # the answers are for another network (their `network` key)
            window = cast("MainWindow", self.window)
            answer = dialogs.ask_answers_network(
                window, p.name, named, named.is_file(), window.document.display_name()
            )
            if answer == "open":
                # then its own check (the ids are checked against the network they name)
                return window.open_file(named) and self.check_file(p)
            if answer != "this":
                return False
        try:
            sheet = load_answers(p, self.graph)
        except AnswersError as exc:
            dialogs.show_errors(
                self.window, "Check answers", f"Cannot check “{p.name}”:", exc.errors
            )
            return False
        st = self.tools.stepper
        batch = sheet.sample == "all"
        if isinstance(sheet.sample, int):
            self.tools.controls.sample.setValue(sheet.sample)
            if self.tools.controls.sample.value() != sheet.sample:
                dialogs.show_errors(
                    self.window,
                    "Check answers",
                    f"Cannot check “{p.name}”:",
                    [f"{p.name}: sample {sheet.sample} is not in this network's data"],
                )
                return False
        self.leave(quiet=True)
        if not self._to_backward_pass(batch):
            return False
        assert st.result is not None
        sample = None if batch else st.result.samples[0]
        try:
            ex = Exercise.checking(self.graph, sheet.answers, sample)
        except (ValueError, KeyError) as exc:  # the grader's word on a file it cannot use
            dialogs.show_errors(
                self.window, "Check answers", f"Cannot check “{p.name}”:", [str(exc)]
            )
            return False
        self.path = p
        self._begin(ex)
        fw = ex.first_wrong
        if fw is not None and fw.answer.key() in ex.keys:
            self.index = ex.keys.index(fw.answer.key())  # the first slip is what to look at
        self._changed()
        self._say(f"{p.name}: {ex.summary()}")
        return True

    def _other_network(self, answers: Path) -> Path | None:
        """The network an answers file names when that is not the open one, else None.

        The open one: the same file, the bundled example of that name (opened as an untitled
        copy), or a file that holds the same document. An answers file naming no network, or
        one it cannot read (load_answers then says why), is checked against the open one."""
        try:
            named = load_answers(answers).network_path(answers)
        except (AnswersError, OSError):
            return None
        doc = cast("MainWindow", self.window).document
        if named is None or named == doc.path or named.stem == doc.example:
            return None
        try:
            same = fileformat.dumps(fileformat.load(named, allow_misfit=True))
        except (NetworkFileError, OSError, ValueError):
            return named
        return None if same == fileformat.dumps(self.graph) else named

    def check_dialog(self) -> bool:
        from .. import places

        path, _ = QFileDialog.getOpenFileName(
            self.window, "Check answers", str(places.start_dir()), ANSWER_FILTERS
        )
        return bool(path) and self.check_file(path)

    def _begin(self, ex: Exercise) -> None:
        self.exercise = ex
        self.index, self.draft = None, None
        if ex.editable:  # the panels would show every hidden value: out of the way meanwhile
            t = self.tools
            self._hidden_docks = [d for d in (t.explain_dock, t.matrix_dock) if d.isVisible()]
            for d in self._hidden_docks:
                d.hide()
        self.tools.set_exercise(self)
        if self.view is not None:
            self.view.setFocus()
        self._update_actions()
        self._changed()

    def leave(self, quiet: bool = False, why: str = "") -> None:
        """Back to the normal badges (the typed answers are dropped with the exercise)."""
        if self.exercise is None:
            return
        self.exercise = None
        self.draft = None
        self.path = None
        self.hide = None
        self.tools.set_exercise(None)
        for d in self._hidden_docks:
            d.show()
        self._hidden_docks = []
        self._update_actions()
        self._changed()
        if not quiet:
            self._say(why or "Exercise left: the pass's values are shown again")

    def _on_state(self, state: StepState) -> None:
        """A step, an edit, undo, another file or sample: the blanks' pass is gone."""
        if self._moving or self.exercise is None:
            return
        if state.phase != BACKWARD or state.layer != 1:
            self.leave(why="Exercise ended: the pass changed (a step, an edit or another file)")

    @property
    def graph(self):
        return self.tools.graph

    # ------------------------------------------------------------------ the blanks
    @property
    def key(self) -> Key | None:
        ex, i = self.exercise, self.index
        return ex.keys[i] if ex is not None and i is not None and 0 <= i < len(ex.keys) else None

    def blank(self, quantity: str, ident: str | None) -> Blank | None:
        """Blanks (model/reveal.py): how the value (quantity, ident) is drawn, if hidden."""
        ex = self.exercise
        if ex is None:
            return None
        key: Key = (quantity, ident, None)
        if key not in ex.exact or key not in ex.keys:
            return None
        focused = key == self.key
        g = ex.graded(key)
        entry = ex.entries.get(key)
        assert ex.revealed is not None
        notes: list[str] = []
        verdict = None
        if focused and self.draft is not None:
            text = f"▸ {self.draft}_"
        else:
            text = EMPTY if entry is None else entry
            if g is not None:
                text += " " + SYMBOL[g.verdict]
                verdict = g.verdict
                if focused:
                    notes.append(verdict_words(g)[2:])
            if focused:
                text = "▸ " + text
        if key in ex.revealed:
            notes.append(f"exact {fmt(ex.exact[key], self.tools.overlay.decimals)}")
        return Blank(text, verdict, focused, tuple(notes))

    @property
    def hidden_kinds(self) -> frozenset[str]:
        """Blanks (model/reveal.py): the quantities this exercise has a blank of."""
        ex = self.exercise
        return frozenset() if ex is None else frozenset(k[0] for k in ex.keys)

    def focus_step(self, step: int) -> None:
        ex = self.exercise
        if ex is None or not ex.keys:
            return
        if self.index is None:  # the first Tab: the first blank (Shift+Tab: the last)
            self.index = 0 if step > 0 else len(ex.keys) - 1
        else:
            self.index = (self.index + step) % len(ex.keys)
        self.draft = None
        self._changed()
        self._say(self.describe_focus())

    def focus_key(self, key: Key) -> None:
        ex = self.exercise
        if ex is not None and key in ex.keys:
            self.index = ex.keys.index(key)
            self.draft = None
            self._changed()
            self._say(self.describe_focus())

    def describe_focus(self) -> str:
        ex, key = self.exercise, self.key
        if ex is None or key is None:
            return ""
        where = f"{key_words(key)} ({ex.keys.index(key) + 1} of {len(ex.keys)})"
        g = ex.graded(key)
        if g is None:
            return f"{where}: type a value, Enter checks it"
        return f"{where}: {ex.entries.get(key, g.answer.value)} — {self.verdict_text(g)}"

    def verdict_text(self, g: Graded) -> str:
        """The verdict in words, with the grader's explanation of a wrong value."""
        words = verdict_words(g)[2:]
        if g.verdict == "wrong" and g.explanation:
            return f"wrong: {words} ({g.explanation})"
        return words

    # ------------------------------------------------------------------ typing
    def type_text(self, text: str) -> None:
        ex = self.exercise
        if ex is not None and ex.editable and self.key is None and ex.keys:
            self.index = 0  # typing before the first Tab: into the first blank
        if ex is None or not ex.editable or self.key is None:
            if ex is not None:
                self._say("These are the file's answers: Tab walks them, they are not typed over")
            return
        self.draft = (self.draft or "") + text
        self._changed()

    def backspace(self) -> None:
        ex, key = self.exercise, self.key
        if ex is None or not ex.editable or key is None:
            return
        if self.draft is None:  # edit what was entered before
            self.draft = ex.entries.get(key, "")
        self.draft = self.draft[:-1]
        self._changed()

    def discard_draft(self) -> None:
        self.draft = None
        self._changed()
        self._say(self.describe_focus())

    def commit(self) -> Graded | None:
        """Enter: grade the typed value (a text that is no number is refused, said why)."""
        ex, key = self.exercise, self.key
        if ex is None or key is None or self.draft is None:
            return None
        text = self.draft
        if not text.strip():
            self.draft = None
            ex.clear(key)
            self._changed()
            return None
        try:
            parse_entry(text)
        except ValueError as exc:
            self._say(f"{exc}: type a number such as 0.0822 or -1.5e-3")
            return None
        try:
            g = ex.commit(key, text)
        except ValueError as exc:  # the grader could not check it: the entry is not kept
            self._say(f"{exc}: try writing it another way")
            return None
        self.draft = None
        self._changed()
        self._say(f"{key_words(key)} = {text}: {self.verdict_text(g)} · {ex.summary()}")
        return g

    def reveal(self) -> None:
        ex, key = self.exercise, self.key
        if ex is None or key is None:
            return
        value = ex.reveal(key)
        self._changed()
        self._say(f"{key_words(key)} = {fmt(value, max(self.tools.overlay.decimals, 6))}")

    # ------------------------------------------------------------------ keys
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if self.exercise is None or obj is not self.view:
            return False
        et = event.type()
        if et not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        assert isinstance(event, QKeyEvent)
        if not self._handles(event):
            return False
        if et == QEvent.Type.ShortcutOverride:
            event.accept()  # ours, not a shortcut's (Backspace would delete the selection)
            return True
        self._key(event)
        return True

    def _handles(self, e: QKeyEvent) -> bool:
        mods = e.modifiers() & ~(
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
        )
        if mods != Qt.KeyboardModifier.NoModifier:
            return False  # Ctrl+Z, Ctrl+R, ... stay shortcuts
        k = e.key()
        if k in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return True
        if k in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
            return True
        if k == Qt.Key.Key_Escape:
            return self.draft is not None  # else Esc keeps its meaning (leave the lecture layout)
        t = e.text()
        return len(t) == 1 and (t in TYPED or t == "?")

    def _key(self, e: QKeyEvent) -> None:
        k = e.key()
        shift = bool(e.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if k in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            if self.draft is not None and self.commit() is None and self.draft is not None:
                return  # not a number: the focus stays (the status bar says why)
            self.focus_step(-1 if k == Qt.Key.Key_Backtab or shift else 1)
        elif k in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.commit()
        elif k == Qt.Key.Key_Backspace:
            self.backspace()
        elif k == Qt.Key.Key_Delete:
            ex, key = self.exercise, self.key
            if ex is not None and key is not None and ex.editable:
                self.draft = None
                ex.clear(key)
                self._changed()
        elif k == Qt.Key.Key_Escape:
            self.discard_draft()
        elif e.text() == "?":
            self.reveal()
        else:
            self.type_text(e.text())

    # ------------------------------------------------------------------ output
    def export_sheet(self) -> Path | None:
        """``bpstudio report --exercise`` for this network, hiding what the exercise hides."""
        from .exercise_sheet import export_exercise_sheet

        hide = self.hide if self.exercise is not None and self.exercise.editable else None
        return export_exercise_sheet(cast("MainWindow", self.window), hide)

    def export_dialog(self) -> Path | None:
        return self.list.export_dialog() if self.list is not None else None

    def _changed(self) -> None:
        self.version += 1
        if "export" in self.actions:
            self._update_actions()
        self.tools.overlay.refresh()
        self._show_focused()
        self.changed.emit()

    def _show_focused(self) -> None:
        key, ov = self.key, self.tools.overlay
        if key is None:
            return
        quantity, ident, _ = key
        if quantity == "loss":
            badge = ov.visible_loss_badge()
        elif quantity in ("grad", "updated") and ident is not None:
            badge = ov.edge_badge(ident)
        else:
            badge = ov.neuron_badge(ident or "", "forward")
        if badge is not None:
            self.view.ensureVisible(badge.sceneBoundingRect(), 20, 20)

    def _say(self, text: str) -> None:
        self.message = text
        self._status(text)

    def export_csv(self, path: str | Path) -> Path | None:
        """Write the verdict list as CSV (an answers file again: it opens in Check Answers)."""
        ex = self.exercise
        if ex is None or ex.report is None:
            self._say("Nothing to export: no value has been checked yet")
            return None
        p = Path(path)
        try:
            atomic_write_text(p, verdicts_csv(ex.report))
        except OSError as exc:
            from .. import dialogs

            dialogs.show_errors(
                self.window, "Export verdicts", f"Cannot write “{p.name}”:", [str(exc)]
            )
            return None
        self._say(f"Verdicts written to {p}")
        return p
