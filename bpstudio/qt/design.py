"""Drag-and-drop design (issue 15), installed into the MainWindow.

* the Palette dock (``qt/palette.py``) with the Layer panel under it (``qt/layer_panel.py``),
  a tab beside Training | Data; it comes to the front when an empty network is shown;
* palette drops onto the canvas (``canvas/drop.py``, set up by the view itself);
* a handle above every column (``canvas/layer_handles.py``): click selects the layer;
* keyboard design (``qt/keyboard_design.py``): N, Tab;
* File → New → Fully Connected Network… (``model/quickstart.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

from ..model import quickstart
from ..model.graph import Change, ChangeKind
from ..model.stepper import IDLE
from . import dialogs, keyboard_design
from .canvas.layer_handles import LayerHandles
from .layer_panel import LayerPanel
from .palette import Palette
from .window_layout import scrollable

if TYPE_CHECKING:
    from .main_window import MainWindow


def check_sizes(text: str, activation: str) -> tuple[bool, str]:
    try:
        sizes = quickstart.parse_sizes(text)
    except quickstart.SizeError as exc:
        return False, str(exc)
    return True, quickstart.summary(sizes, activation)


def new_quick_start(window: MainWindow) -> None:
    """File → New → Fully Connected Network…: the sizes typed, the network with its data."""
    answer = dialogs.ask_quick_start(window, check_sizes)
    if answer is None:
        return
    text, activation = answer
    try:
        sizes = quickstart.parse_sizes(text)
    except quickstart.SizeError as exc:  # the dialog refuses these; a caller might not
        window.status(f"Cannot build {text!r}: {exc}")
        return
    window.new_document(quickstart.build(sizes, activation))
    window.status(
        f"New network {'-'.join(map(str, sizes))}: {quickstart.summary(sizes, activation)}"
    )


def add_next_neuron(window: MainWindow) -> None:
    neurons, _ = window.scene.selected_ids()
    cmd, why = keyboard_design.next_neuron_command(window.graph, neurons)
    if cmd is None:
        window.status(why)
        return
    window.undo_stack.push(cmd)
    window.scene.select_ids([n.id for n in cmd.neurons])
    window.status(f"{cmd.text()} · N again: the next one · Tab: cycle the neurons")


def install_design_tools(window: MainWindow) -> None:
    palette = Palette()
    palette.hint.connect(window.status)
    panel = LayerPanel(window.graph, window.undo_stack, select=window.scene.select_ids)
    palette.outer.addWidget(panel)
    palette.outer.addStretch(1)
    dock = QDockWidget("Palette", window)
    dock.setObjectName("palette_dock")
    dock.setWidget(scrollable(palette))
    window.add_dock(dock, Qt.DockWidgetArea.LeftDockWidgetArea)
    window.palette_dock, window.design_palette, window.layer_panel = dock, palette, panel
    window.selection_changed_ids.connect(panel.show_selection)
    window.layer_handles = LayerHandles(window.view)
    window.view.key_hooks.append(keyboard_design.tab_hook(window.view))

    def on_change(ch: Change) -> None:  # an empty canvas: the palette is what comes next
        if ch.kind == ChangeKind.RESET and not window.graph.neurons:
            QTimer.singleShot(0, dock, dock.raise_)

    window.graph.subscribe(on_change)

    nxt = QAction("Add Neuron in &Next Column", window)
    nxt.setShortcut(QKeySequence("N"))
    nxt.setStatusTip("Add a neuron right of the selected ones, fed by each of them")
    nxt.triggered.connect(lambda: add_next_neuron(window))
    window.menus["Network"].addAction(nxt)
    window.action_by_name["next_neuron"] = nxt
    handles = QAction("Show Layer &Handles", window)
    handles.setCheckable(True)
    handles.setChecked(True)
    window.menus["View"].addAction(handles)
    window.action_by_name["layer_handles"] = handles
    pres = window.pass_tools.presentation  # (made with the pass tools, before this)

    stepper = window.pass_tools.stepper

    def follow(*_) -> None:
        """The handles are for editing: the lecture layout shows the network, and a pass on
        screen needs the room above the layers for its numbers."""
        lecture = pres is not None and pres.active
        passing = stepper.state.phase != IDLE
        on = handles.isChecked() and not lecture and not passing
        if on != window.layer_handles.visible:  # (each pass step: no rebuild of the handles)
            window.layer_handles.set_visible(on)

    handles.toggled.connect(follow)
    stepper.subscribe(follow)
    if pres is not None:
        pres.action.toggled.connect(lambda _: QTimer.singleShot(0, window, follow))
        pres.leave_action.triggered.connect(lambda: QTimer.singleShot(0, window, follow))
    quick = QAction("&Fully Connected Network…", window)
    quick.setShortcut(QKeySequence("Ctrl+Shift+N"))
    quick.setStatusTip("A fully connected network from its layer sizes (2-4-1), with data")
    quick.triggered.connect(lambda: new_quick_start(window))
    window.new_menu.addSeparator()
    window.new_menu.addAction(quick)
    window.action_by_name["quick_start"] = quick
