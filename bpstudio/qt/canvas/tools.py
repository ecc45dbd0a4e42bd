"""Canvas interactions as small tool classes (start / move / finish / cancel).

The view forwards left-button mouse events and keys to the active tool; tools turn
gestures into undo commands and say what a gesture will do through ``view.say(text)``
(the status bar). A drag is previewed on the items and becomes one command on release.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsLineItem, QGraphicsRectItem

from ...model import edits
from ...model.graph import Edge, Neuron
from .. import theme
from ..commands import MoveNeuronsCommand, add_edge_command, add_neuron_command
from .edge_item import EdgeItem
from .neuron_item import NeuronItem

if TYPE_CHECKING:
    from .view import CanvasView

RIM = 8.0  # a press this close to a neuron's rim starts a connection instead of a move
DRAG_START = 3  # pixels before a press becomes a drag


def new_neuron(graph, role: str, pos: QPointF) -> Neuron:
    return edits.new_neuron(graph, role, pos.x(), pos.y())


class Tool:
    name = "tool"
    hint = ""

    def __init__(self, view: CanvasView):
        self.view = view
        self.scene = view.network_scene

    def press(self, event, pos: QPointF) -> None: ...
    def move(self, event, pos: QPointF) -> None:
        self.view.say(self.hover_text(pos))

    def release(self, event, pos: QPointF) -> None: ...
    def double_click(self, event, pos: QPointF) -> None: ...
    def key_press(self, event) -> bool:
        return False

    def cancel(self) -> None: ...

    def abandon(self) -> None:
        """Another network is about to be drawn (open, new) while a gesture may be under way:
        drop it without touching the model. The scene deletes every item right after, so
        nothing of the old network is put back."""
        self.cancel()

    def hover_text(self, pos: QPointF) -> str:
        return self.hint


class ConnectGesture:
    """Rubber line from a neuron; on release over a valid target, one AddEdge command."""

    def __init__(self, view: CanvasView, source_id: str):
        self.view, self.source_id = view, source_id
        source = view.network_scene.neuron_item(source_id)
        assert source is not None, source_id  # the press was on it
        start = source.pos()
        self.line = QGraphicsLineItem(QLineF(start, start))
        pen = QPen(QColor(60, 60, 60), 2, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self.line.setPen(pen)
        self.line.setZValue(50)
        view.network_scene.addItem(self.line)

    def move(self, pos: QPointF) -> None:
        self.line.setLine(QLineF(self.line.line().p1(), pos))
        target = self.view.neuron_at_scene(pos)
        graph = self.view.graph
        src = graph.neurons[self.source_id].display_label
        if target is None or target == self.source_id:
            self.view.say(f"Connect from {src}: release over another neuron")
            return
        reason = graph.connection_refusal(self.source_id, target)
        if reason:
            self.view.say(f"Cannot connect: {reason}")
        else:
            self.view.say(f"Release to connect {src} → {graph.neurons[target].display_label}")

    def finish(self, pos: QPointF) -> bool:
        self.cancel()
        graph = self.view.graph
        target = self.view.neuron_at_scene(pos)
        if target is None:
            self.view.say("Connection cancelled: released on empty canvas")
            return False
        if target == self.source_id:
            return False
        reason = graph.connection_refusal(self.source_id, target)
        if reason:
            self.view.refuse(reason)
            return False
        edge = Edge(graph.new_id("w"), self.source_id, target)
        self.view.undo_stack.push(add_edge_command(graph, edge))
        self.view.say(f"Connected: {self.view.undo_stack.undoText()}")
        return True

    def cancel(self) -> None:
        if self.line.scene() is not None:
            self.line.scene().removeItem(self.line)


class SelectTool(Tool):
    """Click/Ctrl/Shift select, rubber band, drag to move, drag from the rim to connect."""

    name = "select"
    hint = (
        "Click to select · drag to move · drag from a neuron's rim to connect · "
        "double-click empty canvas to add a neuron"
    )

    def __init__(self, view: CanvasView):
        super().__init__(view)
        self._reset()

    def _reset(self) -> None:
        self.press_pos: QPointF | None = None
        self.press_view = None
        self.moving: dict[str, QPointF] = {}
        self.dragging = False
        self.band: QGraphicsRectItem | None = None
        self.band_add = False
        self.connect: ConnectGesture | None = None
        # a plain click on a selected item selects only it (no drag)
        self.click_only: QGraphicsItem | None = None

    def _item(self, nid: str) -> NeuronItem:
        """A selected neuron's item (the selection holds only neurons on the canvas)."""
        item = self.scene.neuron_item(nid)
        assert item is not None, nid
        return item

    def press(self, event, pos: QPointF) -> None:
        self._reset()
        self.press_pos, self.press_view = pos, event.position()
        item = self.view.item_at_scene(pos)
        mods = event.modifiers()
        add = bool(mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier))
        if isinstance(item, NeuronItem) and not add:
            dist = math.hypot(pos.x() - item.pos().x(), pos.y() - item.pos().y())
            if dist >= theme.NEURON_RADIUS - RIM:
                self.connect = ConnectGesture(self.view, item.neuron_id)
                return
        if item is None:
            self.band_add = add
            if not add:
                self.scene.clearSelection()
            self.band = QGraphicsRectItem(QRectF(pos, pos))
            pen = QPen(theme.SELECTION, 1, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            self.band.setPen(pen)
            self.band.setBrush(QColor(255, 159, 26, 40))
            self.band.setZValue(100)
            self.scene.addItem(self.band)
            return
        if mods & Qt.KeyboardModifier.ControlModifier:
            item.setSelected(not item.isSelected())
        elif mods & Qt.KeyboardModifier.ShiftModifier:
            item.setSelected(True)
        elif not item.isSelected():
            self.scene.clearSelection()
            item.setSelected(True)
        else:
            self.click_only = item
        if isinstance(item, NeuronItem) and item.isSelected():
            ids, _ = self.scene.selected_ids()
            self.moving = {i: QPointF(self._item(i).pos()) for i in ids}

    def move(self, event, pos: QPointF) -> None:
        if self.connect is not None:
            self.connect.move(pos)
        elif self.band is not None and self.press_pos is not None:
            self.band.setRect(QRectF(self.press_pos, pos).normalized())
        elif self.moving and self.press_pos is not None:
            if not self.dragging:
                d = event.position() - self.press_view
                if abs(d.x()) + abs(d.y()) < DRAG_START:
                    return
                self.dragging = True
            delta = pos - self.press_pos
            # rounded as on release: the drop's model events then find the items in place
            self.scene.preview_move(
                {
                    i: QPointF(round(p.x() + delta.x(), 1), round(p.y() + delta.y(), 1))
                    for i, p in self.moving.items()
                }
            )
            self.view.say(f"Moving {len(self.moving)} neuron(s): release to drop")
        else:
            super().move(event, pos)

    def release(self, event, pos: QPointF) -> None:
        if self.connect is not None:
            self.connect.finish(pos)
        elif self.band is not None:
            rect = self.band.rect()
            self.scene.removeItem(self.band)
            self._select_in(rect)
        elif self.dragging and self.press_pos is not None:
            delta = pos - self.press_pos
            graph = self.view.graph
            old = {i: (graph.neurons[i].x, graph.neurons[i].y) for i in self.moving}
            # (mapped back to the document's positions: the lecture layout may stretch them)
            new = {i: self.scene.model_point(p + delta) for i, p in self.moving.items()}
            self.scene.end_preview()
            if delta.manhattanLength() > 0:
                self.view.undo_stack.push(MoveNeuronsCommand(graph, old, new))
        elif self.click_only is not None:
            self.scene.clearSelection()
            self.click_only.setSelected(True)
        self._reset()

    def _select_in(self, rect: QRectF) -> None:
        if rect.width() < 2 and rect.height() < 2:
            return
        neurons = [i.neuron_id for i in self.scene.items(rect) if isinstance(i, NeuronItem)]
        edges = [
            i.edge_id
            for i in self.scene.items(rect, Qt.ItemSelectionMode.ContainsItemShape)
            if isinstance(i, EdgeItem)
        ]
        self.scene.select_ids(neurons, edges, add=self.band_add)

    def double_click(self, event, pos: QPointF) -> None:
        if self.view.item_at_scene(pos) is None:
            graph = self.view.graph
            self.view.undo_stack.push(add_neuron_command(graph, new_neuron(graph, "hidden", pos)))

    def key_press(self, event) -> bool:
        step = 1.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 10.0
        d = {
            Qt.Key.Key_Left: (-step, 0),
            Qt.Key.Key_Right: (step, 0),
            Qt.Key.Key_Up: (0, -step),
            Qt.Key.Key_Down: (0, step),
        }.get(event.key())
        ids, _ = self.scene.selected_ids()
        if d is None or not ids:
            return False
        graph = self.view.graph
        old = {i: (graph.neurons[i].x, graph.neurons[i].y) for i in ids}
        pos = {i: self._item(i).pos() for i in ids}
        new = {i: self.scene.model_point(p + QPointF(*d)) for i, p in pos.items()}
        self.view.undo_stack.push(
            MoveNeuronsCommand(graph, old, new, text="Nudge neurons", mergeable=True)
        )
        return True

    def abandon(self) -> None:
        # the previewed neurons belong to the network being replaced: nothing to put back
        # (their ids may not exist in the new one), only the gesture's own items to drop
        self.dragging = False
        if self.moving:
            self.scene.end_preview()
        self.cancel()

    def cancel(self) -> None:
        if self.connect is not None:
            self.connect.cancel()
        if self.band is not None and self.band.scene() is not None:
            self.scene.removeItem(self.band)
        if self.dragging:  # put the previewed items back where they were at the press
            self.scene.preview_move(dict(self.moving))
            self.scene.end_preview()
        self._reset()

    def hover_text(self, pos: QPointF) -> str:
        item = self.view.item_at_scene(pos)
        if isinstance(item, NeuronItem):
            dist = math.hypot(pos.x() - item.pos().x(), pos.y() - item.pos().y())
            if dist >= theme.NEURON_RADIUS - RIM:
                return f"Drag from {item.label}'s rim to connect it to another neuron"
            return f"{item.label}: click to select, drag to move" + (
                f" — ⚠ {item.warning}" if item.warning else ""
            )
        if isinstance(item, EdgeItem):
            return f"Edge {item.edge_id}: click to select, Del to delete"
        return self.hint


class ConnectTool(Tool):
    """Drag from any point of a neuron to another neuron."""

    name = "connect"
    hint = "Connect: drag from one neuron to another (Esc for the select tool)"

    def __init__(self, view: CanvasView):
        super().__init__(view)
        self.gesture: ConnectGesture | None = None

    def press(self, event, pos: QPointF) -> None:
        nid = self.view.neuron_at_scene(pos)
        if nid is not None:
            self.gesture = ConnectGesture(self.view, nid)

    def move(self, event, pos: QPointF) -> None:
        if self.gesture is not None:
            self.gesture.move(pos)
        else:
            super().move(event, pos)

    def release(self, event, pos: QPointF) -> None:
        if self.gesture is not None:
            self.gesture.finish(pos)
            self.gesture = None

    def cancel(self) -> None:
        if self.gesture is not None:
            self.gesture.cancel()
            self.gesture = None


class PlaceTool(Tool):
    """Click on empty canvas to add a neuron of one role."""

    name = "place"

    def __init__(self, view: CanvasView, role: str):
        super().__init__(view)
        self.role = role
        self.name = f"place_{role}"
        self.hint = f"Click on empty canvas to add a {role} neuron (Esc for the select tool)"

    def press(self, event, pos: QPointF) -> None:
        if self.view.item_at_scene(pos) is not None:
            self.view.say(f"Click on empty canvas to add a {self.role} neuron")
            return
        graph = self.view.graph
        self.view.undo_stack.push(add_neuron_command(graph, new_neuron(graph, self.role, pos)))
        self.view.say(f"{self.view.undo_stack.undoText()} — click again for another")
