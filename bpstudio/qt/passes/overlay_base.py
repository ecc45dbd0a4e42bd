"""The pass overlay's state and its item pools: what every part of it (overlay.py) shares.

:class:`OverlayBase` holds the overlay's settings, the items it has put on the scene (value
badges, strokes, fills, the legend, the pulse layer), the timers and the animation, and the
small operations on those pools. The parts are layered on it, one concern per module:
overlay_place.py (where badges go), overlay_strokes.py (the edges' strokes),
overlay_steps.py (a refresh: what a step shows, from model/reveal.py), overlay_pulse.py
(the travelling pulse and the next step's preview) and overlay.py (the class the app uses:
wiring, settings, another network).
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import numpy as np
from PySide6.QtCore import QEasingCurve, QObject, QPointF, QTimer, QVariantAnimation, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QWidget

from ...model.graph import Graph
from ...model.label_placement import Label
from ...model.reveal import Blanks
from ...model.stepper import PassStepper, StepState
from ...model.trace import PassResult
from ..canvas.scene import NetworkScene
from .adapter import CanvasAdapter
from .badge import ValueBadge
from .colormap import NORMAL, Theme
from .fill_disc import FillDisc
from .frozen_pulse import FrozenPulse
from .legend import LegendItem
from .pulse import PulseLayer
from .stroke_layer import StrokeLayer
from .strokes import EdgeStroke
from .update_anim import WeightSettle

PREVIEW_SLICE_MS = 5.0  # work per event-loop turn when setting up the next step's overlay
# bulk mode: the shown strokes as arrays (ids, ends, rgba, widths, values: see StrokeLayer)
BulkStrokes = tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]
PreviewJob = tuple[StepState, Generator[None, None, None], PassResult | None]


def _timer(parent: QObject) -> QTimer:
    """A single-shot 0 ms timer: the next turn of the event loop."""
    t = QTimer(parent)
    t.setSingleShot(True)
    t.setInterval(0)
    return t


class OverlayBase(QObject):
    """The overlay's settings, items, timers and animation (set up, not yet wired)."""

    frame = Signal(float)  # pulse progress, once per animation frame
    pulse_finished = Signal()

    def __init__(
        self,
        scene: NetworkScene,
        graph: Graph,
        stepper: PassStepper,
        adapter: CanvasAdapter | None = None,
        decimals: int = 4,
        font_px: float = 15.0,
        theme: Theme = NORMAL,
        view: QGraphicsView | None = None,
    ):
        super().__init__(scene)
        self.view = view
        self.frozen: FrozenPulse | None = FrozenPulse(view) if view is not None else None
        self.scene = scene
        self.graph = graph
        self.stepper = stepper
        self.adapter = adapter or CanvasAdapter(scene, graph)
        self.decimals = decimals
        self.font_px = font_px
        self.theme = theme
        self.focus = 0  # which sample of the batch the neuron values show
        self.enabled = True
        # exercise mode (qt/passes/exercise.py): these values are drawn as blanks
        self.exercise: Blanks | None = None
        self.neuron_badges: dict[tuple[str, str], ValueBadge] = {}  # (id, role) -> badge
        self.edge_badges: dict[str, ValueBadge] = {}
        self.loss_badge: ValueBadge | None = None
        self.strokes: dict[str, EdgeStroke] = {}
        self.fills: dict[str, FillDisc] = {}
        self._labels: list[Label] = []  # this refresh's badges, as the label placer sees them
        self._label_badges: dict[tuple[str, ...], ValueBadge] = {}  # placement key -> badge
        self.fill_colours: dict[str, QColor] = {}  # neuron id -> the colour shown (tests)
        self._hooked_fill: set[str] = set()
        self._shown: set[int] = set()  # id() of the items the current refresh shows
        self._bulk: BulkStrokes | None = None  # bulk mode: the last refresh's strokes, arrays
        self._defer_build = False  # refresh(): the stroke picture is built after it returns
        self._refresh_job: Generator[None, None, None] | None = None  # refresh_soon()'s
        self._held: QWidget | None = None  # the viewport whose repaints wait for that job
        self._refresh_job_timer = _timer(self)
        self._make_single_items()
        self._z = 0.0
        self.anim = QVariantAnimation(self)
        self.anim.setStartValue(0.0)
        self.anim.setEndValue(1.0)
        self.anim.setEasingCurve(QEasingCurve.Type.InOutSine)
        self._after_pulse: Callable[[], None] | None = None
        self._last_pulse = True  # no pulse follows the running one (see play_pulse)
        self._warm_only = False  # the running pulse's landing picture was not composed
        self._preview_state: StepState | None = None  # the step a running pulse leads to
        self._drawn: tuple[object, ...] | None = None  # what the overlay was last drawn from
        self._preview_timer = _timer(self)
        # (state, refresh generator, its pass) of a preview being set up
        self._preview_job: PreviewJob | None = None
        # after an animated update: old → new strokes ease, then the labels settle
        self.settle = WeightSettle(self)
        self.update_settled = False  # the old → new labels are gone (the editor's show w)
        self.update_wmax = 1.0  # the weight scale of the strokes after an update
        self._preview_job_timer = _timer(self)
        # Another network (open, new): the editor's scene deletes every item when it rebuilds
        # (clear(), the fast way for 40,000 strokes), and says so first; the overlay then
        # forgets every item of the old picture and makes new ones for the new network.
        self._graveyard: list[QGraphicsItem] = []  # the old network's items, let go in slices
        self._graveyard_timer = _timer(self)
        self._wire()

    def _wire(self) -> None:
        """Connect the timers and signals set up above to their work. The work is defined
        by the subclasses (the finished overlay, PassOverlay, wires it): a hook rather
        than a second ``__init__`` there, so the constructor's arguments and defaults are
        stated once, here."""

    def _make_single_items(self) -> None:
        """The items made once per network (the pools grow as a refresh needs)."""
        self.legend = LegendItem(self.theme)
        self.legend.setVisible(False)
        self.pulse = PulseLayer()
        self.pulse.setVisible(False)
        self.stroke_layer = StrokeLayer()  # bulk mode: draws every stroke (see StrokeLayer)
        self.stroke_layer.view = self.view
        self.stroke_layer.setVisible(False)
        if self.view is not None:
            self.stroke_layer.hints = self.view.renderHints()

    def _take_items_off(self) -> None:
        """Take every item we put on the scene off it (the pools are kept)."""
        for item in self._all_items():
            if item.scene() is self.scene:
                self.scene.removeItem(item)

    def _all_items(self) -> list[QGraphicsItem]:
        items: list[QGraphicsItem] = [*self.neuron_badges.values(), *self.edge_badges.values()]
        items += [*self.strokes.values(), *self.fills.values(), self.legend, self.pulse]
        items.append(self.stroke_layer)
        if self.loss_badge is not None:
            items.append(self.loss_badge)
        return list({id(it): it for it in items}.values())

    # ---------------------------------------------------------------- item pools
    def _ensure_added(self) -> None:
        z = self.adapter.neuron_z()
        if self._z != z:
            self._z = z
        for item in (self.legend, self.pulse):
            if item.scene() is not self.scene:
                self.scene.addItem(item)
        self.legend.setZValue(z + 3)
        self.pulse.setZValue(z + 1)

    def _show(self, item) -> None:
        self._shown.add(id(item))
        if not item.isVisible():
            item.setVisible(True)

    def _badge(self, pool: dict, key, owner, role: str) -> ValueBadge:
        b = pool.get(key)
        if b is None or b.scene() is not self.scene:
            b = ValueBadge(owner, role, self.theme)
            self.scene.addItem(b)
            pool[key] = b
        b.set_theme(self.theme)
        # bulk mode: cached, and the cache warmed under the frozen picture (FrozenPulse.warm)
        mode = QGraphicsItem.CacheMode
        want = mode.DeviceCoordinateCache if self.bulk else mode.NoCache
        if b.cacheMode() != want:
            b.setCacheMode(want)
        if b.zValue() not in (self._z + 2, self._z + 1.9):  # (1.9: led, see _apply_placement)
            b.setZValue(self._z + 2)
        b.set_font_px(self.font_px)
        self._show(b)
        return b

    @property
    def bulk(self) -> bool:
        """The editor draws the edges in one layer: so do we (one StrokeLayer)."""
        return self.scene.bulk

    def own_items(self) -> list[QGraphicsItem]:
        """Every item the overlay has put on the scene (shown or not), pulse excluded."""
        items: list[QGraphicsItem] = [*self.neuron_badges.values(), *self.edge_badges.values()]
        items += [*self.strokes.values(), *self.fills.values(), self.legend, self.stroke_layer]
        if self.loss_badge is not None:
            items.append(self.loss_badge)
        return [it for it in {id(it): it for it in items}.values() if it.scene() is self.scene]

    def _picture_items(self) -> list:
        """What a step can change on the canvas: our items, the (tinted) neurons and the
        editor's weight labels (placed with our badges, so a step may move them)."""
        items = self.own_items()
        for nid in self.graph.neurons:
            item = self.adapter.neuron_item(nid)
            if item is not None:
                items.append(item)
        return items + self.adapter.label_items()

    def _hidden_in_grab(self) -> list:
        """What the picture under a pulse is grabbed without (it is composed over it)."""
        return self.own_items() + self.adapter.label_items()

    def _tint(self, nid: str, colour, p: QPointF, rad: float, prev: dict | None = None) -> None:
        self.fill_colours[nid] = colour
        if nid in self._hooked_fill and prev is not None and prev.get(nid) == colour:
            return  # already tinted so
        if self.adapter.set_fill(nid, colour):
            self._hooked_fill.add(nid)
            return
        disc = self.fills.get(nid)
        if disc is None or disc.scene() is not self.scene:
            n = self.graph.neurons[nid]
            disc = FillDisc(nid, n.display_label, rad)
            self.scene.addItem(disc)
            self.fills[nid] = disc
        if disc.radius != rad or disc.colour != colour:
            disc.prepareGeometryChange()
            disc.radius = rad
            disc.colour = colour
            disc.update()
        if disc.pos() != p:
            disc.setPos(p)
        disc.setZValue(self._z + 0.5)
        self._show(disc)

    def _hide_unshown(self) -> None:
        shown = self._shown
        for item in self.own_items():
            if item.isVisible() and id(item) not in shown:
                item.setVisible(False)
        for nid in list(self._hooked_fill):
            if nid not in self.fill_colours:
                if nid in self.graph.neurons:
                    self.adapter.set_fill(nid, None)
                self._hooked_fill.discard(nid)

    def _cancel_preview_job(self) -> None:
        if self._preview_job is not None:
            self._preview_job[1].close()
            self._preview_job = None
        self._preview_job_timer.stop()

    # ---------------------------------------------------------------- queries for tests/tips
    def neuron_badge(self, nid: str, role: str) -> ValueBadge | None:
        b = self.neuron_badges.get((nid, role))
        return b if b is not None and b.isVisible() else None

    def edge_badge(self, eid: str) -> ValueBadge | None:
        b = self.edge_badges.get(eid)
        return b if b is not None and b.isVisible() else None

    def visible_loss_badge(self) -> ValueBadge | None:
        b = self.loss_badge
        return b if b is not None and b.isVisible() else None

    def _on_projector(self) -> bool:
        """The lecture layout is on (its screen bounds the labels): update labels are one
        line each, Δw and Δb, so a network past the 2-2-1 keeps its numbers by its edges
        (two-line old → new labels, 24 px tall, did not fit and hung on long leaders)."""
        return self.scene.label_bounds is not None
