"""Hover tips with live values for every neuron, edge and badge on the canvas.

Tips are computed when asked (a scene event filter on the help event), from the pass on the
current parameters, so they are never stale; while one is showing, a change of the graph
(training writes weights several times a second) rewrites it in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QTimer
from PySide6.QtWidgets import QGraphicsScene, QToolTip

from ...model import explain as ex
from ...model.stepper import PassStepper
from .adapter import CanvasAdapter
from .items import StrokeLayer

if TYPE_CHECKING:
    from .overlay import PassOverlay


def neuron_tip(stepper: PassStepper, nid: str, sample: int = 0, decimals: int = 4) -> str:
    g = stepper.graph
    n = g.neurons.get(nid)
    if n is None:
        return ""
    f = lambda v: ex.fmt(v, decimals)  # noqa: E731
    head = f"{n.display_label}  ({n.role}{', ' + n.activation if n.activation else ''})"
    lines = [head]
    r = stepper.compute()
    if n.role in ("hidden", "output"):
        lines.append(f"b = {f(n.bias)}" + ("" if n.trainable else "  (frozen)"))
    if r is None:
        return "\n".join(lines + [stepper.error or ""])
    k = min(sample, len(r.samples) - 1)
    lines.append(f"sample {r.samples[k]}:")
    if n.role == "input":
        lines.append(f"x = {f(r.value('a', nid, k))}")
    elif n.role == "bias":
        lines.append("a = 1")
    else:
        lines.append(f"z = {f(r.value('z', nid, k))}    a = {f(r.value('a', nid, k))}")
        lines.append(f"∂L/∂a = {f(r.value('dL_da', nid, k))}")
        lines.append(f"∂L/∂z = {f(r.value('dL_dz', nid, k))}")
        lines.append(
            f"∂L/∂b = {f(r.bias_grad(nid))}" + (" (batch mean)" if len(r.samples) > 1 else "")
        )
        if nid in r.compiled.output_ids:
            i = r.compiled.output_ids.index(nid)
            lines.append(f"ŷ = {f(r.value('a', nid, k))}    y = {f(float(r.Y[k, i]))}")
    return "\n".join(lines)


def edge_tip(stepper: PassStepper, eid: str, sample: int = 0, decimals: int = 4) -> str:
    g = stepper.graph
    e = g.edges.get(eid)
    if e is None:
        return ""
    f = lambda v: ex.fmt(v, decimals)  # noqa: E731
    s, t = g.neurons.get(e.source), g.neurons.get(e.target)
    lines = [f"{eid}: {s.display_label if s else e.source} → {t.display_label if t else e.target}"]
    lines.append("w = " + (f(e.weight) if e.weight is not None else "(initialised on compile)"))
    r = stepper.compute()
    if r is not None:
        lines.append(
            f"∂L/∂w = {f(r.edge_grad(eid))}" + (" (batch mean)" if len(r.samples) > 1 else "")
        )
        pen = ex.penalty_term(r.compiled, r, eid) if eid in r.compiled.edge_index else None
        if pen is not None:
            lines.append(f"  = ∂L_data/∂w {f(pen.data_grad)} + {pen.name} {f(pen.value)}")
        on = stepper.old_new_weight(eid)
        if on is not None:
            old, new = on
            places = ex.update_places(old, new, decimals)
            lines.append(f"update: {f(old)} → {ex.fmt_places(new, places)}  (Δw = {f(new - old)})")
    if not e.trainable:
        lines.append("frozen (not trainable)")
    return "\n".join(lines)


def loss_tip(stepper: PassStepper, sample: int = 0, decimals: int = 4) -> str:
    r = stepper.compute()
    if r is None:
        return ""
    k = min(sample, len(r.samples) - 1)
    lx = ex.loss_explanation(r.compiled, r, k)
    lines = [f"loss: {lx.name}", f"L = {lx.formula}", f"L = {ex.fmt(lx.value, decimals)}"]
    if len(r.samples) > 1:
        lines.append(f"batch mean L = {ex.fmt(float(r.trace.loss), decimals)}")
    return "\n".join(lines)


class HoverTips(QObject):
    def __init__(
        self,
        scene: QGraphicsScene,
        stepper: PassStepper,
        adapter: CanvasAdapter,
        overlay: PassOverlay | None = None,
    ):
        super().__init__(scene)
        self.scene = scene
        self.stepper = stepper
        self.adapter = adapter
        self.overlay = overlay
        self.current: tuple[str, str] | None = None
        self._pos = QPoint()
        self._widget = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self._live_update)
        scene.installEventFilter(self)
        stepper.graph.subscribe(self._on_change)
        stepper.subscribe(lambda _state: self._on_change(None))

    def _settings(self) -> tuple[int, int]:
        o = self.overlay
        return (o.focus, o.decimals) if o is not None else (0, 4)

    def text_for(self, owner: tuple[str, str]) -> str:
        ex = self.overlay.exercise if self.overlay is not None else None
        if ex is not None and ex.hides_values:
            return "Exercise: the values are hidden (Tab walks the blanks)"
        sample, dec = self._settings()
        kind, ident = owner
        if kind == "neuron":
            return neuron_tip(self.stepper, ident, sample, dec)
        if kind == "edge":
            return edge_tip(self.stepper, ident, sample, dec)
        if kind == "loss":
            return loss_tip(self.stepper, sample, dec)
        return ""

    def eventFilter(self, obj, event) -> bool:
        if obj is self.scene and event.type() == QEvent.Type.GraphicsSceneHelp:
            owner = None
            for item in self.scene.items(event.scenePos()):
                if isinstance(item, StrokeLayer):  # the bulk strokes: one item, many edges
                    owner = item.owner_at(event.scenePos())
                else:
                    owner = self.adapter.id_of(item)
                if owner is not None:
                    break
            if owner is None:
                self.current = None
                return False
            self.current = owner
            self._pos = event.screenPos()
            self._widget = event.widget()
            QToolTip.showText(self._pos, self.text_for(owner), self._widget)
            event.accept()
            return True
        return False

    def _on_change(self, _change) -> None:
        if self.current is not None and not self._timer.isActive():
            self._timer.start()

    def _live_update(self) -> None:
        if self.current is None or not QToolTip.isVisible():
            return
        QToolTip.showText(self._pos, self.text_for(self.current), self._widget)
