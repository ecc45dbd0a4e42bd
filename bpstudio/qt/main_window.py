# Longer than 400 lines: the window wires every panel, menu and tool into one place; others edit it
# now, so it is not split here.
"""The main window: canvas in the middle, inspector dock, toolbar, menus, status bar.

Extension points for panels added by other features (stable; please keep them so). The pass
and training tools see them through the Protocols of ``qt/host.py`` (``PassHost``,
``TrainingHost``, ``Canvas``), so mypy reports a renamed one:

``window.graph``
    The one :class:`~bpstudio.model.graph.Graph` of the session. Open/New replace its contents
    in place (``graph.replace_with``, one ``reset`` event), so subscribing once is enough.
``window.undo_stack``
    The QUndoStack. Push QUndoCommands that change only the graph (see ``qt/commands.py``).
    ``window.document`` holds the path, modified state, recent files and autosave.
``window.scene`` / ``window.view``
    :class:`NetworkScene` and :class:`CanvasView`. ``scene.neuron_item(id)`` and
    ``scene.edge_item(id)`` (None in bulk mode, > BULK_EDGES = 1000 edges) give the items; the
    pass overlay draws its own items and tints a neuron with
    ``NeuronItem.set_fill_override(QColor | None)``.
``window.selection_changed_ids``
    Signal(list[str], list[str]): selected neuron ids, selected edge ids (model order). The
    same signal exists on the scene.
``window.add_dock(dock, area)``
    Adds a QDockWidget and lists its toggle action in the View menu.
``window.menus``
    QMenus by name: "File", "Edit", "View", "Network", "Help" (add actions to them).
``window.add_file_action(action)``
    Puts a QAction in the File menu above Quit, in a group of its own.
``window.action_by_name``
    The window's QActions by name ("save", "undo", "quit", …; the installers add theirs).
``window.inspector_dock``
    The Inspector's QDockWidget (an occasional dock goes in beside it as a tab).
``window.toolbar``
    The main QToolBar.
``window.status(text)``
    Shows text in the status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QToolBar

from ..model import edits, fileformat, templates
from ..model.graph import ChangeKind, Graph
from ..model.layout import spacing_for_labels
from ..paths import example_files
from . import dialogs, editing, help_pages, places, recovery, turns
from .canvas.layer_handles import LayerHandles
from .canvas.scene import NetworkScene
from .canvas.tiles import NeuronTiles, install_tiles
from .canvas.view import CanvasView
from .commands import DeleteCommand
from .design import install_design_tools
from .docks import hide_stale_tab_bars_soon
from .document import Document
from .elided_label import ElidedLabel
from .exports import install_export_actions
from .icon import app_icon
from .inspector import Inspector
from .layer_panel import LayerPanel
from .media_export import MediaExport, install_media_actions
from .palette import Palette
from .passes import PassTools, install_pass_tools
from .training import PLOTS, TrainingTools, install_training_tools
from .window_layout import arrange_docks, scrollable, size_columns

APP_NAME = "Backprop Studio"


class MainWindow(QMainWindow):
    selection_changed_ids = Signal(list, list)
    # made by the install_* functions in __init__ (they take the window as a qt/host.py host)
    training_tools: TrainingTools
    pass_tools: PassTools
    media_export: MediaExport | None = None  # the running (or last) File > Export animation
    # drag-and-drop design (qt/design.py)
    palette_dock: QDockWidget
    design_palette: Palette
    layer_panel: LayerPanel
    layer_handles: LayerHandles
    neuron_tiles: NeuronTiles

    def __init__(self, graph: Graph | None = None, path: str | Path | None = None):
        super().__init__()
        self._fitted = False  # the first show fits the view to the network
        self._columns_sized = False  # the dock columns are sized once the real size is known
        self.graph = Graph()
        self.document = Document(self.graph, self)
        self.undo_stack = self.document.undo_stack
        self.scene = NetworkScene(self.graph, self)
        self.view = CanvasView(self.scene, self.undo_stack, self)
        self.setCentralWidget(self.view)
        self.recovered_windows: list[MainWindow] = []  # opened by offer_recovery
        self.menus: dict[str, QMenu] = {}
        self.action_by_name: dict[str, QAction] = {}
        self.toolbar = QToolBar("Main toolbar", self)
        self.toolbar.setObjectName("main_toolbar")
        self.addToolBar(self.toolbar)
        self._hint = ElidedLabel()  # a long message never widens the window past the screen
        self.statusBar().addWidget(self._hint, 1)
        self._build_actions()
        self.inspector = Inspector(self.graph, self.undo_stack, self, status=self.status)
        self.inspector_dock = QDockWidget("Inspector", self)
        self.inspector_dock.setObjectName("inspector_dock")
        self.inspector_dock.setWidget(scrollable(self.inspector))
        self.add_dock(self.inspector_dock, Qt.DockWidgetArea.RightDockWidgetArea)
        self.training_tools = install_training_tools(self)  # docks, Train menu (qt/training)
        training = self.training_tools.controller
        self.document.postpone_autosave = lambda: training.running  # see Document
        training.running_changed.connect(
            lambda running: (
                self.document.checkpoint() if running else self.document.resume_autosave()
            )
        )
        self.pass_tools = install_pass_tools(self)  # pass stepping, explain, matrix, F5 (qt/passes)
        install_export_actions(self)  # File → Export worked example / image (bpstudio/qt/exports)
        install_media_actions(self)  # File → Export animation / slides (bpstudio/qt/media_export)
        install_design_tools(self)  # palette, layer handles and panel, quick start (qt/design.py)
        install_tiles(self)  # each neuron's output over the input plane (qt/canvas/tiles.py)
        self.reset_layout()
        self.scene.selection_changed_ids.connect(self.selection_changed_ids)
        self.selection_changed_ids.connect(self.inspector.show_selection)
        self.selection_changed_ids.connect(lambda *_: self._update_actions())
        self.view.status_message.connect(self.status)
        self.document.modified_changed.connect(lambda _: self._update_title())
        self.document.path_changed.connect(lambda _: self._update_title())
        self.graph.subscribe(self._on_graph_reset)
        self.document.recent_changed.connect(lambda _: self._fill_recent())
        self.undo_stack.indexChanged.connect(lambda _: self._update_title())
        self.resize(1280, 800)
        self.setWindowIcon(app_icon())
        if path is not None:
            self.document.open(path)
        else:
            self.document.load_graph(graph if graph is not None else templates.lecture_221(), None)
        self._update_title()
        self._update_actions()
        self.status(self.view.tools["select"].hint)

    # ---------------------------------------------------------------- extension API
    def add_dock(self, dock: QDockWidget, area: Qt.DockWidgetArea) -> None:
        if not dock.objectName():
            dock.setObjectName(dock.windowTitle().replace(" ", "_").lower() + "_dock")
        self.addDockWidget(area, dock)
        self.menus["View"].addAction(dock.toggleViewAction())

    def add_file_action(self, action: QAction) -> None:
        """Above Quit, in a group of its own (File → Check Answers…)."""
        quit_action = self.action_by_name["quit"]
        self.menus["File"].insertAction(quit_action, action)
        self.menus["File"].insertSeparator(quit_action)

    def dock_groups(self) -> dict[str, list[QDockWidget]]:
        t, p = self.training_tools.docks, self.pass_tools
        return {
            "left": [t["training"], t["data"], self.palette_dock],
            "right_top": [self.inspector_dock, p.explain_dock, p.matrix_dock],
            "right_bottom": [t[plot.key] for plot in PLOTS],
        }

    def reset_layout(self) -> None:
        """The default arrangement (qt/window_layout.py): the canvas first."""
        arrange_docks(self, **self.dock_groups())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self._columns_sized and self.isVisible():
            self._columns_sized = True  # once the real size is known, not on every resize
            size_columns(self, **self.dock_groups())

    def status(self, text: str) -> None:
        self._hint.setText(text)

    # ---------------------------------------------------------------- actions
    def _act(
        self, menu: str, name: str, text: str, slot, shortcut=None, checkable=False, tip: str = ""
    ) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        a.setCheckable(checkable)
        a.setStatusTip(tip or text.replace("&", "").rstrip("…"))
        a.triggered.connect(slot)
        self.menus[menu].addAction(a)
        self.action_by_name[name] = a
        return a

    def _opener(self, path: str | Path) -> Callable[[], object]:
        return lambda: self.open_file(path)

    # menu items' slots made in loops (a lambda binding the loop variable as a default
    # argument is a callable the type checker cannot give a type)
    def _new_from(self, make: Callable[[], Graph]) -> Callable[[], object]:
        return lambda: self.new_document(make())

    def _aligner(self, how: str) -> Callable[[], object]:
        return lambda: self._push(
            editing.align_command(self.graph, self.scene.selected_ids()[0], how)
        )

    def _build_actions(self) -> None:
        bar = self.menuBar()
        for name in ("File", "Edit", "View", "Network", "Help"):
            self.menus[name] = bar.addMenu("&" + name)
        S = QKeySequence.StandardKey
        f = "File"
        new_menu = self.new_menu = self.menus[f].addMenu("&New")  # + quick start (qt/design.py)
        for k, (title, make) in enumerate(templates.TEMPLATES.items()):
            a = new_menu.addAction(title, self._new_from(make))
            if k == 0:
                a.setShortcut(QKeySequence(S.New))
        self._act(f, "open", "&Open…", self.open_dialog, S.Open)
        self._act(
            f,
            "gallery",
            "&Browse Examples…",
            self.show_gallery,
            "Ctrl+Shift+O",
            tip="Every bundled example as a picture with its description",
        )
        self.example_menu = self.menus[f].addMenu("Open &Example")
        for p in example_files():
            self.example_menu.addAction(p.stem.replace("_", " "), self._opener(p))
        self.recent_menu = self.menus[f].addMenu("Open &Recent")
        self._fill_recent()
        self.menus[f].addSeparator()
        self._act(f, "save", "&Save", self.save, S.Save)
        self._act(f, "save_as", "Save &As…", self.save_as, S.SaveAs)
        self.menus[f].addSeparator()
        self._act(f, "quit", "&Quit", self.close, S.Quit)

        e = "Edit"
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence(S.Undo))
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence(S.Redo))
        self.menus[e].addActions([undo, redo])
        self.action_by_name.update(undo=undo, redo=redo)
        self.menus[e].addSeparator()
        self._act(e, "cut", "Cu&t", self.cut, S.Cut)
        self._act(e, "copy", "&Copy", self.copy, S.Copy)
        self._act(e, "paste", "&Paste", self.paste, S.Paste)
        self._act(e, "duplicate", "&Duplicate", self.duplicate, "Ctrl+D")
        self._act(e, "delete", "&Delete", self.delete_selection, S.Delete)
        self.menus[e].addSeparator()
        self._act(e, "select_all", "Select &All", self.select_all, S.SelectAll)

        v = "View"
        self._act(v, "zoom_in", "Zoom &In", self.view.zoom_in, "Ctrl+=")
        self.action_by_name["zoom_in"].setShortcuts(
            [QKeySequence("Ctrl+="), QKeySequence("Ctrl++")]
        )
        self._act(v, "zoom_out", "Zoom &Out", self.view.zoom_out, "Ctrl+-")
        self._act(v, "fit", "&Fit to View", self.view.fit_all, "F")
        self._act(v, "actual", "Actual &Size", self.view.reset_zoom, "Ctrl+0")
        self.menus[v].addSeparator()
        self._act(v, "grid", "Show &Grid", self.scene.set_show_grid, None, True).setChecked(True)
        self._act(v, "weights", "Show &Weights", self.scene.set_show_weights, "W", True)
        self.action_by_name["weights"].setChecked(True)
        # not the bound setVisible: PySide6 calls a Python QWidget subclass's inherited slot
        # from triggered() with no argument (TypeError, and the legend never hides)
        self._act(
            v,
            "biases",
            "Show &Biases",
            self.scene.set_show_biases,
            "Ctrl+B",
            True,
            tip="b = … under each hidden and output neuron",
        )
        self._act(v, "legend", "Show &Legend", self._show_legend, None, True)
        self.action_by_name["legend"].setChecked(True)
        self.menus[v].addSeparator()
        self._act(
            v,
            "reset_layout",
            "&Reset Layout",
            self.reset_layout,
            tip="Every panel back in its place: the canvas first",
        )
        self.menus[v].addSeparator()

        n = "Network"
        tools = QActionGroup(self)
        for name, text, key in [
            ("select", "Select", "S"),
            ("connect", "Connect", "C"),
            ("place_input", "Input", "I"),
            ("place_hidden", "Hidden", "H"),
            ("place_output", "Output", "O"),
            ("place_bias", "Bias", "B"),
        ]:
            a = self._act(
                n,
                "tool_" + name,
                text,
                lambda _=False, t=name: self.view.set_tool(t),
                key,
                True,
                self.view.tools[name].hint,
            )
            tools.addAction(a)
            self.toolbar.addAction(a)
        self.action_by_name["tool_select"].setChecked(True)
        self.view.tool_changed.connect(lambda t: self.action_by_name["tool_" + t].setChecked(True))
        self.menus[n].addSeparator()
        self.toolbar.addSeparator()
        self.toolbar.addAction(self._act(n, "add_layer", "Add &Layer…", self.add_layer, "Ctrl+L"))
        self.toolbar.addAction(
            self._act(
                n,
                "connect_fully",
                "Connect Selected → Selected &Fully",
                self.connect_fully,
                "Ctrl+Shift+C",
            )
        )
        self.toolbar.addAction(self._act(n, "layout", "Auto-&Layout", self.auto_layout, "Ctrl+K"))
        self.toolbar.addAction(self.action_by_name["fit"])
        align = self.menus[n].addMenu("&Align")
        for how, text in [
            ("left", "Left"),
            ("hcenter", "Centre (vertical line)"),
            ("right", "Right"),
            ("top", "Top"),
            ("vcenter", "Middle (horizontal line)"),
            ("bottom", "Bottom"),
        ]:
            align.addAction(
                text,
                self._aligner(how),
            )
        dist = self.menus[n].addMenu("&Distribute")
        dist.addAction(
            "Horizontally",
            lambda: self._push(
                editing.distribute_command(self.graph, self.scene.selected_ids()[0], "x")
            ),
        )
        dist.addAction(
            "Vertically",
            lambda: self._push(
                editing.distribute_command(self.graph, self.scene.selected_ids()[0], "y")
            ),
        )
        self._act("Help", "getting_started", "&Getting Started", self.show_getting_started)
        self._act("Help", "shortcuts", "&Keyboard Shortcuts", self.show_shortcuts, "F1")
        self.menus["Help"].addSeparator()
        self._act("Help", "about", "&About", lambda: dialogs.about(self, ABOUT))

    # ---------------------------------------------------------------- help (qt/help_pages.py)
    def _show_page(self, title: str, page: str) -> help_pages.TextDialog:
        """Non-modal: the lecturer can keep the sheet open beside the window."""
        dialog = help_pages.TextDialog(self, title, page)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_shortcuts(self) -> help_pages.TextDialog:
        # QWidget.actions(): the window-wide shortcuts (self.action_by_name is the dict by name)
        rows = help_pages.shortcut_rows(self.menus, QMainWindow.actions(self))
        return self._show_page("Keyboard Shortcuts", help_pages.shortcut_sheet_html(rows))

    def show_getting_started(self) -> help_pages.TextDialog:
        return self._show_page("Getting Started", help_pages.GETTING_STARTED)

    def show_gallery(self) -> help_pages.ExampleGallery:
        gallery = help_pages.ExampleGallery(self, example_files(), self.open_file)
        gallery.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        gallery.show()
        return gallery

    BIASES_UP_TO = 40  # neurons: a network this small shows its biases when it opens

    def _on_graph_reset(self, change) -> None:
        """Another network: its biases show if it is small (View > Show Biases changes it)."""
        if change.kind == ChangeKind.RESET:
            show = len(self.graph.neurons) <= self.BIASES_UP_TO
            self.action_by_name["biases"].setChecked(show)
            self.scene.set_show_biases(show)

    def _show_legend(self, on: bool) -> None:
        self.view.legend.setVisible(bool(on))

    def _push(self, cmd) -> None:
        if cmd is not None:
            self.undo_stack.push(cmd)

    def _update_actions(self) -> None:
        neurons, edges = self.scene.selected_ids()
        for name in ("cut", "copy", "duplicate"):
            self.action_by_name[name].setEnabled(bool(neurons))
        self.action_by_name["delete"].setEnabled(bool(neurons or edges))

    def _update_title(self) -> None:
        if not shiboken6.isValid(self.undo_stack):  # signals during teardown
            return
        star = "*" if self.document.modified else ""
        self.setWindowTitle(f"{self.document.display_name()}{star} — {APP_NAME}")

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.document.recent_files()
        for f in files:
            self.recent_menu.addAction(f, self._opener(f))
        self.recent_menu.setEnabled(bool(files))

    # ---------------------------------------------------------------- edit slots
    def select_all(self) -> None:
        self.scene.select_ids(list(self.graph.neurons), list(self.graph.edges))

    def delete_selection(self) -> None:
        neurons, edges = self.scene.selected_ids()
        if neurons or edges:
            # unselect first: the views following the selection (inspector, Explain) then
            # change once, instead of once per deleted neuron through every state between
            self.scene.clearSelection()
            self.undo_stack.push(DeleteCommand(self.graph, neurons, edges))

    def copy(self) -> None:
        neurons, _ = self.scene.selected_ids()
        if neurons:
            QGuiApplication.clipboard().setText(edits.copy_selection(self.graph, neurons))

    def cut(self) -> None:
        neurons, _ = self.scene.selected_ids()
        if neurons:
            self.copy()
            self.scene.clearSelection()  # (as delete_selection)
            self.undo_stack.push(DeleteCommand(self.graph, neurons, [], text="Cut"))

    def paste(self) -> None:
        try:
            cmd = editing.paste_command(self.graph, QGuiApplication.clipboard().text())
        except edits.PasteRefused as exc:  # a damaged selection: say why, change nothing
            self.status(f"Nothing pasted: the clipboard's selection is damaged: {exc}")
            return
        if cmd is None:
            self.status("Nothing pasted: the clipboard holds no copied neurons")
            return
        self._push_and_select(cmd)

    def duplicate(self) -> None:
        neurons, _ = self.scene.selected_ids()
        self._push_and_select(editing.duplicate_command(self.graph, neurons))

    def _push_and_select(self, cmd) -> None:
        if cmd is None:
            return
        self.undo_stack.push(cmd)
        self.scene.select_ids([n.id for n in cmd.neurons], [e.id for e in cmd.edges])

    def add_layer(self) -> None:
        answer = dialogs.ask_layer(self)
        if answer is None:
            return
        count, activation, role = answer
        if activation == "softmax" and role == "hidden":  # a file with it would never open
            self.status(
                "softmax is allowed on output neurons only: choose output, or another activation"
            )
            return
        neurons, _ = self.scene.selected_ids()
        self._push_and_select(
            editing.add_layer_command(self.graph, count, activation, role, neurons)
        )

    def connect_fully(self) -> None:
        neurons, _ = self.scene.selected_ids()
        src, tgt = edits.split_by_layer(self.graph, neurons)
        cmd = editing.connect_fully_command(self.graph, src, tgt)
        if cmd is None:
            self.status("Nothing to connect: select neurons of two layers")
        self._push(cmd)

    def auto_layout(self) -> None:
        # room for the pass overlay's numbers at the size it draws them (larger on a projector)
        spacing = spacing_for_labels(self.pass_tools.overlay.font_px)
        self._push(editing.layout_command(self.graph, spacing=spacing))
        self.view.fit_all()

    # ---------------------------------------------------------------- files
    def maybe_save(self) -> bool:
        """True if it is fine to drop the current document (saved, discarded or unmodified)."""
        if not self.document.modified:
            return True
        answer = dialogs.ask_save_changes(self, self.document.display_name())
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_document(self, graph: Graph) -> None:
        if self.maybe_save():
            self.document.load_graph(graph, None)
            self.document.discard_recovery()  # the old document's changes: saved or discarded
            self.view.fit_all()

    def open_dialog(self) -> None:
        path = dialogs.ask_open_path(self, str(places.start_dir()))
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        """Open FILE; on a bad file show the errors and keep the current document."""
        if not self.maybe_save():
            return False
        try:
            self.document.open(path)
        except fileformat.NetworkFileError as exc:
            dialogs.show_errors(
                self,
                "Cannot open network",
                f"{Path(path).name} is not a valid network file:",
                exc.errors,
            )
            return False
        except OSError as exc:
            dialogs.show_errors(self, "Cannot open network", str(path), [str(exc)])
            return False
        self.document.discard_recovery()  # the old document's changes: saved or discarded
        self.view.fit_all()
        self.status(f"Opened {path}")
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        doc = self.document
        suggestion = str(doc.path) if doc.path else places.suggest(doc.suggested_file_name())
        path = dialogs.ask_save_path(self, suggestion)
        return path is not None and bool(path) and self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            self.document.save(path)
        except OSError as exc:
            dialogs.show_errors(self, "Cannot save", str(path), [str(exc)])
            return False
        self.status(f"Saved {path}")
        return True

    def offer_recovery(self) -> list[MainWindow]:
        """After a crash: offer each autosaved network (app.run calls this at start-up).

        The file asked for on the command line stays in this window: a recovered network
        opens in a new window beside it, unless this window only shows the start-up network.
        Returns the new windows (they live as long as this one keeps them).
        """
        opened: list[MainWindow] = []
        for pending in recovery.pending():
            doc = self.document
            here = doc.path is None and doc.example is None and not doc.modified
            answer = dialogs.ask_recovery(self, pending.describe(), not here)
            if answer == "keep":
                pending.keep()
                continue
            if answer == "open":
                target = self if here else MainWindow()
                try:
                    target.document.adopt_recovery(pending)
                except fileformat.NetworkFileError as exc:
                    dialogs.show_errors(
                        self, "Cannot restore", "The recovery file is damaged:", exc.errors
                    )
                    if target is not self:
                        target.undo_stack.setClean()
                        target.close()
                else:
                    if target is not self:
                        opened.append(target)
                        target.move(self.pos() + QPoint(48, 48) * len(opened))
                        target.show()
                    target.view.fit_all()
                    continue
            pending.discard()
        self.recovered_windows.extend(opened)
        return opened

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.maybe_save():
            self.document.discard_recovery()
            # every running Export animation/slides ends with us, not just the last one
            # started (a second can start while the first renders)
            for export in self.findChildren(MediaExport):
                export.stop()
            event.accept()
        else:
            event.ignore()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.UpdateRequest:
            # the window was repainted (docks and canvas, one backing store): a heavy job due
            # in this same pass of the event loop waits for the next one (qt/turns.py)
            turns.done(self)
        return handled

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            self.view.fit_all()
            hide_stale_tab_bars_soon(self)


ABOUT = (
    "<h3>Backprop Studio</h3><p>Draw a neural network, step its forward and backward passes, "
    "train it live, and see every number of backpropagation.</p>"
)
