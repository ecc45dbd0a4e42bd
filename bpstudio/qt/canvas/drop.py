"""Drops from the Palette onto the canvas: where they land, the preview, one undo step.

:func:`plan_drop` decides what a drop at a scene point makes (pure: graph in, neurons and
edges out): a drop onto a drawn column joins it (below its last neuron); a drop beside a
column snaps one column spacing from it and level with it; with "connect fully" (the palette
checkbox, Shift inverts it) a hidden or output layer is fed by every neuron of the column on
its left, an input or bias layer feeds every neuron of the column on its right.

:class:`DropTarget` runs the drag events of the view: ghost neurons and dashed edges show
what the drop will make, the status bar says it, and the drop pushes one AddItemsCommand
(undo removes the whole drop) and selects what it made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QGraphicsLineItem

from ...model.graph import Edge, Graph, Neuron
from ...model.templates import COLUMN, ROW
from .. import theme
from ..commands import AddItemsCommand
from ..layers import COLUMN_TOLERANCE, column_x, columns, describe, make_layer
from ..palette import DropSpec, decode

if TYPE_CHECKING:
    from .view import CanvasView

BESIDE = 1.75 * COLUMN  # a column this far left/right of the drop is "beside" it
MAX_PREVIEW_EDGES = 400  # a layer of 256 beside 256: the count is said, not every line drawn


@dataclass
class DropPlan:
    neurons: list[Neuron] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    text: str = ""  # what the drop will do, for the status bar
    command_text: str = ""


def _grid(v: float) -> float:
    return round(v / theme.GRID) * theme.GRID


def plan_drop(graph: Graph, spec: DropSpec, pos: QPointF, connect: bool) -> DropPlan:
    cols = [(column_x(graph, c), c) for c in columns(graph)]
    x, y = pos.x(), pos.y()
    ys = {i: graph.neurons[i].y or 0.0 for _, c in cols for i in c}
    same = min(
        (cx_c for cx_c in cols if abs(cx_c[0] - x) <= COLUMN_TOLERANCE),
        key=lambda cx_c: abs(cx_c[0] - x),
        default=None,
    )
    count = spec.count
    if same is not None:  # onto a column: join it, below its last neuron
        x = same[0]
        centre = max(ys[i] for i in same[1]) + ROW * (count + 1) / 2
    else:
        left_cols = [cc for cc in cols if x - BESIDE <= cc[0] < x]
        right_cols = [cc for cc in cols if x < cc[0] <= x + BESIDE]
        left = max(left_cols, key=lambda cc: cc[0], default=None)
        right = min(right_cols, key=lambda cc: cc[0], default=None)
        near = None
        if left is not None and abs(x - (left[0] + COLUMN)) < COLUMN / 2:
            x, near = left[0] + COLUMN, left
        elif right is not None and abs(x - (right[0] - COLUMN)) < COLUMN / 2:
            x, near = right[0] - COLUMN, right
        else:
            x = _grid(x)
            near = left or right
        centre = _grid(y)
        if near is not None:
            mid = sum(ys[i] for i in near[1]) / len(near[1])
            if abs(y - mid) < ROW * max(1, len(near[1])) / 2 + ROW:
                centre = mid  # level with the layer beside it, as a textbook draws it
    left = max(
        (cc for cc in cols if x - BESIDE <= cc[0] < x - COLUMN_TOLERANCE),
        key=lambda cc: cc[0],
        default=None,
    )
    right = min(
        (cc for cc in cols if x + COLUMN_TOLERANCE < cc[0] <= x + BESIDE),
        key=lambda cc: cc[0],
        default=None,
    )
    sources: list[str] = []
    targets: list[str] = []
    if spec.role in ("hidden", "output") and left is not None:
        sources = [i for i in left[1] if graph.neurons[i].role != "output"]
    if spec.role in ("input", "bias") and right is not None:
        targets = [i for i in right[1] if graph.neurons[i].has_activation]
    beside = sources or targets
    chosen_s, chosen_t = (sources, targets) if connect else ([], [])
    neurons, edges = make_layer(
        graph, count, spec.role, spec.activation, x, centre, chosen_s, chosen_t
    )
    what = spec.describe()
    where = f" into the column of {describe(graph, same[1])}" if same is not None else ""
    if edges:
        other = sources if sources else targets
        names = ", ".join(graph.neurons[i].display_label for i in other[:6])
        names += ", …" if len(other) > 6 else ""
        way = "from" if sources else "to"
        how = f", fully connected {way} {names} ({len(edges)} new edges) · Shift: no edges"
    elif beside and not connect:
        how = " without edges (tick Connect fully, or drop without Shift, to connect it)"
    else:
        how = ""
    plan = DropPlan(neurons, edges)
    plan.text = f"Drop to add {what}{where}{how}"
    plan.command_text = f"Drop {what}" + (f" ({len(edges)} edges)" if edges else "")
    return plan


class DropTarget:
    """The view's drag-and-drop handler for palette drags."""

    def __init__(self, view: CanvasView):
        self.view = view
        self.ghosts: list[QGraphicsItem] = []
        self.plan: DropPlan | None = None
        view.network_scene.rebuilding.connect(self._forget)  # the scene deletes every item

    def _forget(self) -> None:
        self.ghosts = []

    def _spec(self, event) -> DropSpec | None:
        return decode(event.mimeData())

    @staticmethod
    def connect_wanted(spec: DropSpec, event) -> bool:
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        return spec.connect != shift

    def _scene_pos(self, event) -> QPointF:
        return self.view.mapToScene(event.position().toPoint())

    def enter(self, event) -> bool:
        spec = self._spec(event)
        if spec is None:
            return False
        self.view.tool.cancel()
        event.acceptProposedAction()
        self._update(spec, event)
        return True

    def move(self, event) -> bool:
        spec = self._spec(event)
        if spec is None:
            return False
        event.acceptProposedAction()
        self._update(spec, event)
        return True

    def leave(self) -> None:
        if self.plan is None:  # not a palette drag
            return
        self._clear()
        self.plan = None
        self.view.say("Drop cancelled: released outside the canvas")

    def drop(self, event) -> bool:
        spec = self._spec(event)
        if spec is None:
            return False
        plan = plan_drop(
            self.view.graph, spec, self._scene_pos(event), self.connect_wanted(spec, event)
        )
        self._clear()
        self.plan = None
        event.acceptProposedAction()
        graph = self.view.graph
        self.view.undo_stack.push(
            AddItemsCommand(graph, plan.neurons, plan.edges, plan.command_text)
        )
        self.view.network_scene.select_ids([n.id for n in plan.neurons])
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)  # Tab / N / Del act on the drop
        self.view.say(f"{plan.command_text}: Ctrl+Z undoes it")
        return True

    # ---------------------------------------------------------------- preview
    def _update(self, spec: DropSpec, event) -> None:
        plan = plan_drop(
            self.view.graph, spec, self._scene_pos(event), self.connect_wanted(spec, event)
        )
        self.plan = plan
        self._clear()
        scene = self.view.network_scene
        ghost_pos = {n.id: QPointF(n.x or 0.0, n.y or 0.0) for n in plan.neurons}  # (placed)
        dash = QPen(QColor(60, 60, 60, 170), 2, Qt.PenStyle.DashLine)
        dash.setCosmetic(True)

        def at(nid: str) -> QPointF:  # (not `get() or`: a ghost at (0, 0) is a falsy QPointF)
            if nid in ghost_pos:
                return ghost_pos[nid]
            item = scene.neuron_item(nid)  # an edge of the plan ends at a ghost or on the canvas
            assert item is not None, nid
            return item.pos()

        for e in plan.edges[:MAX_PREVIEW_EDGES]:
            a, b = at(e.source), at(e.target)
            line = QGraphicsLineItem(QLineF(a, b))
            line.setPen(dash)
            line.setZValue(60)
            scene.addItem(line)
            self.ghosts.append(line)
        r = theme.NEURON_RADIUS
        for n in plan.neurons:
            style = theme.ROLE_STYLES[n.role]
            ghost = QGraphicsEllipseItem(QRectF(-r, -r, 2 * r, 2 * r))
            pen = QPen(style.border, 2.5, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            ghost.setPen(pen)
            fill = QColor(style.fill)
            fill.setAlpha(190)
            ghost.setBrush(QBrush(fill))
            ghost.setPos(ghost_pos[n.id])
            ghost.setZValue(61)
            scene.addItem(ghost)
            self.ghosts.append(ghost)
        self.view.say(plan.text)

    def _clear(self) -> None:
        for item in self.ghosts:
            if item.scene() is not None:
                item.scene().removeItem(item)
        self.ghosts = []
