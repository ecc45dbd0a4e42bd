"""The canvas view: zoom (wheel, Ctrl+=/−), pan (middle-drag or Space+drag), fit (F), and
dispatch of left-button gestures to the active tool (see tools.py)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QUndoStack
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

from ...model.graph import Graph
from .drop import DropTarget
from .edge_item import EdgeItem
from .legend import LegendWidget
from .neuron_item import NeuronItem
from .scene import NetworkScene
from .tools import ConnectTool, PlaceTool, SelectTool, Tool

MIN_ZOOM, MAX_ZOOM = 0.05, 8.0


class CanvasView(QGraphicsView):
    status_message = Signal(str)  # "what a gesture will do" for the status bar
    tool_changed = Signal(str)
    refused = Signal(str)  # a connection was refused, with the reason

    def __init__(self, scene: NetworkScene, undo_stack: QUndoStack, parent=None):
        super().__init__(scene, parent)
        self.network_scene = scene  # scene() as the editor's NetworkScene (typed)
        self.graph: Graph = scene.graph
        self.undo_stack = undo_stack
        self.last_refusal: str | None = None
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        # the grid is redrawn only on scroll/zoom, not under every dragged item
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setMouseTracking(True)
        # pan with middle-drag or Space+drag; scroll bars only clutter a projected canvas
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # a child of the view, not the viewport: viewport children scroll with the scene
        self.legend = LegendWidget(self)
        self._pan_from: QPoint | None = None
        self.auto_fit = False  # fit_all again on resize (until the user zooms or pans)
        self._space = False
        self.tools: dict[str, Tool] = {
            "select": SelectTool(self),
            "connect": ConnectTool(self),
            **{f"place_{r}": PlaceTool(self, r) for r in ("input", "hidden", "output", "bias")},
        }
        self.tool: Tool = self.tools["select"]
        # a file opened (or New) while the mouse is down: the rebuild deletes the rubber band
        # or connect line under the gesture, so the gesture ends first (the release that
        # follows then does nothing)
        scene.rebuilding.connect(self._abandon_gesture)
        # palette drops (canvas/drop.py); gesture/key hooks of qt/design.py (layer handles,
        # keyboard design): each returns True when it took the event
        self.drops = DropTarget(self)
        self.setAcceptDrops(True)
        self.gesture_hooks: list = []  # objects with press/move/release(event, pos) -> bool
        # called first by fit_all: what draws around the network on a timer (layer handles)
        # is built then, so the fit counts it (the "2 inputs" handle was cut off at the
        # canvas's edge at start, ECS171's "4 neurons" one sat on the legend after an open)
        self.fit_hooks: list[Callable[[], None]] = []
        self.key_hooks: list = []  # callables (key event) -> bool; Tab comes as well
        self._hooked = None  # the hook that took the current press

    # ---------------------------------------------------------------- tools
    def set_tool(self, name: str) -> None:
        self.tool.cancel()
        self.tool = self.tools[name]
        self.viewport().setCursor(
            Qt.CursorShape.ArrowCursor if name == "select" else Qt.CursorShape.CrossCursor
        )
        self.say(self.tool.hint)
        self.tool_changed.emit(name)

    def _abandon_gesture(self) -> None:
        for tool in self.tools.values():
            tool.abandon()

    def say(self, text: str) -> None:
        self.status_message.emit(text)

    def refuse(self, reason: str) -> None:
        self.last_refusal = reason
        self.say(f"Cannot connect: {reason}")
        self.refused.emit(reason)

    def item_at_scene(self, pos: QPointF) -> QGraphicsItem | None:
        """Topmost neuron or edge under a scene point (neurons win: they sit above edges)."""
        for item in self.scene().items(pos):
            if isinstance(item, (NeuronItem, EdgeItem)):
                return item
        return None

    def neuron_at_scene(self, pos: QPointF) -> str | None:
        for item in self.scene().items(pos):
            if isinstance(item, NeuronItem):
                return item.neuron_id
        return None

    # ---------------------------------------------------------------- zoom / pan
    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor_under_mouse: bool = True) -> None:
        self.auto_fit = False  # the user chose a zoom: resizing keeps it
        target = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom() * factor))
        factor = target / self.zoom()
        if not anchor_under_mouse:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.scale(factor, factor)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)

    def zoom_in(self) -> None:
        self.zoom_by(1.25, anchor_under_mouse=False)

    def zoom_out(self) -> None:
        self.zoom_by(0.8, anchor_under_mouse=False)

    def reset_zoom(self) -> None:
        self.auto_fit = False
        self.setTransform(self.transform().fromScale(1, 1))

    def fit_all(self) -> None:
        """The whole network with its numbers in view, below the legend (never under it),
        at most 150 %.

        Until the user zooms or pans, the view keeps fitting as it is resized (a dock
        closed, the window moved to the projector).
        """
        for hook in self.fit_hooks:
            hook()
        rect: QRectF = self.network_scene.content_rect()
        self.auto_fit = True
        if rect.isEmpty():
            self.reset_zoom()
            self.centerOn(0, 0)
            return
        vp = self.viewport().rect()
        top = self.legend.geometry().bottom() + 8 if self.legend.isVisible() else 0
        pad = 24.0
        avail_w, avail_h = vp.width() - 2 * pad, vp.height() - top - 2 * pad
        if avail_w < 40 or avail_h < 40:  # a tiny view: the legend's room is not worth it
            top, avail_h = 0, vp.height() - 2 * pad
        scale = min(
            max(avail_w, 1.0) / max(rect.width(), 1.0),
            max(avail_h, 1.0) / max(rect.height(), 1.0),
            1.5,
        )
        scale = max(scale, MIN_ZOOM)
        self.setTransform(self.transform().fromScale(scale, scale))
        # the network's centre in the middle of the room under the legend
        self.centerOn(rect.center() - QPointF(0.0, top / 2.0 / scale))
        self.auto_fit = True  # setTransform / centerOn above are not the user's

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.15 ** (delta / 120))
        event.accept()

    # ---------------------------------------------------------------- events
    def _scene_pos(self, event) -> QPointF:
        return self.mapToScene(event.position().toPoint())

    def mousePressEvent(self, event) -> None:
        panning = event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space
        )
        if panning:
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif event.button() == Qt.MouseButton.LeftButton:
            pos = self._scene_pos(event)
            self._hooked = next((h for h in self.gesture_hooks if h.press(event, pos)), None)
            if self._hooked is None:
                self.tool.press(event, pos)
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            p = event.position().toPoint()
            d = p - self._pan_from
            self._pan_from = p
            self.auto_fit = False  # the user placed the view: resizing keeps it
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - d.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - d.y())
        elif self._hooked is not None:
            self._hooked.move(event, self._scene_pos(event))
        else:
            pos = self._scene_pos(event)
            self.tool.move(event, pos)
            # a weight label with no room shows while pointed at
            self.network_scene.hover_label_at(
                pos if event.buttons() == Qt.MouseButton.NoButton else None
            )
        event.accept()

    def leaveEvent(self, event) -> None:
        if self.scene() is not None:  # (None once the scene is gone, as the window closes)
            self.network_scene.hover_label_at(None)
        super().leaveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(
                Qt.CursorShape.OpenHandCursor if self._space else Qt.CursorShape.ArrowCursor
            )
        elif event.button() == Qt.MouseButton.LeftButton:
            hooked, self._hooked = self._hooked, None
            if hooked is not None:
                hooked.release(event, self._scene_pos(event))
            else:
                self.tool.release(event, self._scene_pos(event))
        event.accept()

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.tool.double_click(event, self._scene_pos(event))
        event.accept()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            self.say("Drag to pan")
            return
        if event.key() == Qt.Key.Key_Escape:
            self.set_tool("select")
            return
        if self.tool.key_press(event):
            return
        if any(hook(event) for hook in self.key_hooks):
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab / Shift+Tab reach the key hooks first (they cycle the neurons)."""
        key = Qt.Key.Key_Tab if next else Qt.Key.Key_Backtab
        event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)
        if self.hasFocus() and any(hook(event) for hook in self.key_hooks):
            return True
        return super().focusNextPrevChild(next)

    # ---------------------------------------------------------------- palette drops
    def dragEnterEvent(self, event) -> None:
        if not self.drops.enter(event):
            event.ignore()  # text or files from another application: nothing to drop here

    def dragMoveEvent(self, event) -> None:
        if not self.drops.move(event):
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        # not QGraphicsView's: it never saw the enter (warns "drag leave before drag enter")
        self.drops.leave()
        event.accept()

    def dropEvent(self, event) -> None:
        if not self.drops.drop(event):
            event.ignore()

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            return
        super().keyReleaseEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.legend.move(self.viewport().geometry().topLeft() + QPoint(10, 10))
        self.legend.raise_()
        if self.auto_fit:
            self.fit_all()
