"""The seams between the editor and the tools plugged into it (qt/passes, qt/training).

The pass and training packages never look for a method by name (``getattr``) on the window
or the canvas: they take these Protocols, so the type checker (``mypy``, run by .ci/run)
reports a renamed or misspelt member on either side instead of an overlay that silently
stops drawing. Nothing subclasses them: :class:`~bpstudio.qt.main_window.MainWindow` and
:class:`~bpstudio.qt.canvas.scene.NetworkScene` fit them by their shape (tests/qt/test_host.py
checks that at run time too).

* :class:`Canvas`: what the pass overlay asks of the editor's scene (where a neuron is, its
  item to tint, the weight labels it shares the room with). The overlay draws its own items on
  that same scene, so the pass tools are handed the :class:`NetworkScene` itself.
* :class:`PassHost` and :class:`TrainingHost` (both a :class:`WindowHost`): the window's
  extension API (the docstring of ``main_window.py``) that ``install_pass_tools`` and
  ``install_training_tools`` use, besides the ``QMainWindow`` the host must also be (docks,
  toolbars, shortcuts: they check that when they are called).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QGraphicsView, QMenu, QToolBar

from ..model.graph import Graph
from ..model.label_placement import Label, Placement

if TYPE_CHECKING:  # (the canvas imports nothing from here: no cycle at run time either)
    from .canvas.edge_item import EdgeItem, EdgeLabelItem
    from .canvas.neuron_item import NeuronItem
    from .canvas.scene import NetworkScene
    from .document import Document
    from .training import TrainingTools
    from .undo import UndoStack


class Canvas(Protocol):
    """The editor's scene as the pass overlay sees it (``NetworkScene``)."""

    def neuron_item(self, neuron_id: str) -> NeuronItem | None: ...

    def edge_item(self, edge_id: str) -> EdgeItem | None:
        """None in bulk mode (the edges are one picture) or for an id not on the canvas."""

    def edge_label_items(self) -> list[EdgeLabelItem]: ...

    def place_labels_with(
        self,
        guests: list[Label] | None,
        apply: Callable[[Placement], None] | None = None,
        weights: bool = True,
    ) -> Placement:
        """Place the overlay's labels with the weight labels (see NetworkScene)."""

    def network_rect(self) -> QRectF: ...

    @property
    def bulk(self) -> bool: ...


class WindowHost(Protocol):
    """What the pass and training tools need from the window that hosts them (MainWindow).

    Read-only here (properties): the tools never replace the window's objects."""

    @property
    def graph(self) -> Graph: ...

    @property
    def undo_stack(self) -> UndoStack:
        """The document's stack, which says before it changes the model (qt/undo.py)."""

    @property
    def menus(self) -> dict[str, QMenu]:
        """The menus by name; a tool adds its own ("Pass", "Train") when it is missing."""

    @property
    def toolbar(self) -> QToolBar: ...

    def add_dock(self, dock: QDockWidget, area: Qt.DockWidgetArea) -> None:
        """Add a dock (the window arranges its docks itself: qt/window_layout.py)."""

    def status(self, text: str) -> None: ...


class PassHost(WindowHost, Protocol):
    """``install_pass_tools``: the canvas the overlay draws on, and its view."""

    @property
    def scene(self) -> NetworkScene: ...

    @property
    def view(self) -> QGraphicsView: ...

    @property
    def training_tools(self) -> TrainingTools | None:
        """The lecture layout's plots and Play/Step (installed first; None: no training)."""

    @property
    def inspector_dock(self) -> QDockWidget | None:
        """The dock the Answers dock goes in beside as a tab (None: a window without)."""

    def add_file_action(self, action: QAction) -> None:
        """Add an action to the File menu, above Quit (File → Check Answers…)."""


class TrainingHost(WindowHost, Protocol):
    """``install_training_tools``: the document (CSV paths are relative to its folder), and
    the canvas the history slider draws an epoch's weights on (and a divergence's mark)."""

    @property
    def scene(self) -> NetworkScene: ...

    @property
    def document(self) -> Document: ...
