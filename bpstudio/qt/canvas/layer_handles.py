"""A handle above every drawn column: one click selects the layer, a drag moves it whole.

The handles are scene items owned here, rebuilt (coalesced) after the graph changes; the view
gives them the press first through ``view.gesture_hooks``. A press on a handle selects its
column (Ctrl/Shift: adds it to the selection); dragging it previews the move and pushes one
MoveNeuronsCommand on release, as dragging a neuron does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from ...model.graph import Change, ChangeKind
from .. import theme
from ..commands import MoveNeuronsCommand
from ..layers import column_x, columns, describe
from .neuron_item import NeuronItem
from .scene import NetworkScene
from .tools import DRAG_START

if TYPE_CHECKING:
    from .view import CanvasView

HANDLE_W, HANDLE_H = 118.0, 22.0  # the width grows with the text
GAP = 18.0  # between the handle and the top neuron's circle


class LayerHandle(QGraphicsItem):
    def __init__(self, ids: list[str], text: str):
        super().__init__()
        self.ids = ids
        self.text = text
        self.setZValue(40)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"Layer of {text}: click to select it, drag to move it")
        self.width = max(HANDLE_W, QFontMetricsF(theme.font(9)).horizontalAdvance("⠿ " + text) + 16)

    def boundingRect(self) -> QRectF:
        return QRectF(-self.width / 2, -HANDLE_H / 2, self.width, HANDLE_H)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        scene = self.scene()
        selected = isinstance(scene, NetworkScene) and all(
            (item := scene.neuron_item(i)) is not None and item.isSelected() for i in self.ids
        )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(theme.SELECTION if selected else QColor(120, 120, 130), 1.5)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(QBrush(QColor(255, 236, 204) if selected else QColor(244, 245, 248)))
        painter.drawRoundedRect(self.boundingRect(), 6, 6)
        painter.setPen(theme.TEXT)
        painter.setFont(theme.font(9))
        painter.drawText(self.boundingRect(), Qt.AlignmentFlag.AlignCenter, "⠿ " + self.text)


class LayerHandles:
    """Keeps one handle per column on the scene and runs their gestures."""

    def __init__(self, view: CanvasView):
        self.view = view
        self.scene = view.network_scene
        self.graph = view.graph
        self.handles: list[LayerHandle] = []
        self.visible = True
        self._press: tuple[LayerHandle, QPointF, QPointF] | None = None
        self._moving: dict[str, QPointF] = {}
        self._dragging = False
        self._timer = QTimer(view)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.rebuild)
        self.scene.rebuilding.connect(self._forget)  # the scene deletes every item
        self.scene.selection_changed_ids.connect(lambda *_: self._repaint())
        self.graph.subscribe(self._on_change)
        view.gesture_hooks.append(self)
        view.fit_hooks.append(self.flush)
        self.rebuild()

    def flush(self) -> None:
        """A rebuild still waiting on its timer, now (before the view fits to the network)."""
        if self._timer.isActive():
            self.rebuild()

    def _forget(self) -> None:
        self.handles = []
        self._timer.start()

    def _on_change(self, ch: Change) -> None:
        if ch.kind not in (
            ChangeKind.WEIGHTS_CHANGED,
            ChangeKind.EDGE_CHANGED,
            ChangeKind.NETWORK_CHANGED,
        ):
            self._timer.start()

    def _repaint(self) -> None:
        for h in self.handles:
            h.update()

    def set_visible(self, on: bool) -> None:
        self.visible = bool(on)
        self.rebuild()

    def rebuild(self) -> None:
        self._timer.stop()  # (a pending rebuild: this is it)
        for h in self.handles:
            if h.scene() is not None:
                h.scene().removeItem(h)
        self.handles = []
        self.scene.label_obstacles = self.handles  # no label is placed under a handle
        self.scene.labels_changed()
        if not self.visible:
            return
        for col in columns(self.graph):
            found = [self.scene.neuron_item(i) for i in col]
            items = [item for item in found if item is not None]
            if len(items) < len(found):
                continue
            top = min(item.pos().y() for item in items)
            h = LayerHandle(col, describe(self.graph, col))
            # where the column is drawn (the lecture layout may spread it: scene.shown_pos)
            x = self.scene.shown_pos(column_x(self.graph, col), top).x()
            h.setPos(x, top - theme.NEURON_RADIUS - GAP - HANDLE_H / 2)
            self.scene.addItem(h)
            self.handles.append(h)

    def _item(self, nid: str) -> NeuronItem:
        """A neuron of a handle's column (handles are made for columns on the canvas)."""
        item = self.scene.neuron_item(nid)
        assert item is not None, nid
        return item

    def handle_at(self, pos: QPointF) -> LayerHandle | None:
        for item in self.scene.items(pos):
            if isinstance(item, LayerHandle):
                return item
        return None

    # ---------------------------------------------------------------- gestures (view hooks)
    def press(self, event, pos: QPointF) -> bool:
        h = self.handle_at(pos)
        if h is None:
            return False
        self.view.tool.cancel()
        add = bool(
            event.modifiers()
            & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        )
        self.scene.select_ids(h.ids, add=add)
        self._press = (h, QPointF(pos), event.position())
        self._handle_start = QPointF(h.pos())
        self._moving = {i: QPointF(self._item(i).pos()) for i in h.ids}
        self._dragging = False
        self.view.say(
            f"Layer of {h.text} selected: drag the handle to move it, or edit it in the Layer panel"
        )
        return True

    def move(self, event, pos: QPointF) -> bool:
        if self._press is None:
            return False
        h, start, start_view = self._press
        if not self._dragging:
            d = event.position() - start_view
            if abs(d.x()) + abs(d.y()) < DRAG_START:
                return True
            self._dragging = True
        delta = pos - start
        self.scene.preview_move(
            {
                i: QPointF(round(p.x() + delta.x(), 1), round(p.y() + delta.y(), 1))
                for i, p in self._moving.items()
            }
        )
        h.setPos(self._handle_start + delta)
        self.view.say(f"Moving the layer of {h.text}: release to drop")
        return True

    def release(self, event, pos: QPointF) -> bool:
        if self._press is None:
            return False
        h, start, _ = self._press
        self._press = None
        if self._dragging:
            delta = pos - start
            graph = self.graph
            old = {i: (graph.neurons[i].x, graph.neurons[i].y) for i in self._moving}
            new = {i: self.scene.model_point(p + delta) for i, p in self._moving.items()}
            self.scene.end_preview()
            if delta.manhattanLength() > 0:
                self.view.undo_stack.push(MoveNeuronsCommand(graph, old, new, text="Move layer"))
        self._moving = {}
        self._dragging = False
        self.rebuild()
        return True
