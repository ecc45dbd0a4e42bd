"""Draw a stepped pass on the canvas: values per neuron, gradients per edge, pulses.

:class:`PassOverlay` turns the stepper's state into items on the scene. ``refresh()`` is
instant and idempotent (it is what speed 0, the tests and ``bpstudio render`` use);
``play_pulse()`` adds the travelling pulse on its own clock (a QVariantAnimation), so the
event loop keeps serving input while it runs and the numbers appear when it lands.

Refreshes are incremental: items whose content did not change are not touched (no relayout,
no repaint). During a walk the pulse plays over a picture (:class:`~.items.FrozenPulse`); while
a pulse runs the scene already holds the *next* step's overlay (``preview``), whose picture is
composed in slices of a few ms, so at the landing the picture is swapped in at once and no
step ever re-renders the whole canvas.
"""

from __future__ import annotations

import math
import time

import numpy as np
import shiboken6
from PySide6.QtCore import (
    QEasingCurve,
    QEvent,
    QObject,
    QPointF,
    QRectF,
    QTimer,
    QVariantAnimation,
    Signal,
)
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

from ...model.explain import fmt_places, update_places
from ...model.graph import Graph
from ...model.label_placement import Disc, Label, Placement, along_segment, around_disc
from ...model.numfmt import fmt, fmt_signed
from ...model.stepper import BACKWARD, FORWARD, LOSS, PassStepper, StepState
from ..canvas.scene import NetworkScene
from .adapter import CanvasAdapter
from .blanks import FOCUS, NEUTRAL, BlankSource, badge_lines
from .colormap import NORMAL, Theme, activation_scale, diverging
from .items import (
    CENTER,
    EdgeStroke,
    FillDisc,
    FrozenPulse,
    LegendItem,
    PulseLayer,
    StrokeLayer,
    ValueBadge,
    circle_rect,
    overlay_font,
    weight_width,
)
from .update_anim import WeightSettle

# a wheel or a click means the lecturer is taking over: show the result at once. (Scrolls,
# zooms and resizes from elsewhere just make the frozen picture re-grab, see FrozenPulse.)
_LANDING_EVENTS = (QEvent.Type.Wheel, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick)
PREVIEW_SLICE_MS = 5.0  # work per event-loop turn when setting up the next step's overlay
MAX_EDGE_LABELS = 80  # beyond this the labels are noise: strokes + hover tips only
# label placement: what the student reads first wins the room (the editor's weight labels: 0)
P_LOSS, P_OUTPUT, P_NEURON, P_EDGE = 50.0, 40.0, 30.0, 20.0
P_LEGEND = 1.0  # below every number (the editor's weight labels are lower still)
LEGEND_KEY = ("legend",)
CLEARANCE = 6.0  # around a neuron's circle: its activation glyph and warning badge
EDGE_BADGE_FRACTIONS = (0.6, 0.5, 0.7, 0.4, 0.78, 0.32, 0.86, 0.24)


class PassOverlay(QObject):
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
        self.frozen: FrozenPulse | None = None
        if view is not None:
            self.frozen = FrozenPulse(view)
            self.frozen.on_view_changed = self._on_view_changed
            view.viewport().installEventFilter(self)  # user input on the canvas lands pulses
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
        self.exercise: BlankSource | None = None
        self.neuron_badges: dict[tuple[str, str], ValueBadge] = {}  # (id, role) -> badge
        self.edge_badges: dict[str, ValueBadge] = {}
        self.loss_badge: ValueBadge | None = None
        self.strokes: dict[str, EdgeStroke] = {}
        self.fills: dict[str, FillDisc] = {}
        self._labels: list[Label] = []  # this refresh's badges, as the label placer sees them
        self._label_badges: dict = {}  # placement key -> badge
        self.fill_colours: dict[str, object] = {}  # neuron id -> QColor shown (tests read it)
        self._hooked_fill: set[str] = set()
        self._shown: set[int] = set()  # id() of the items the current refresh shows
        self._bulk = None  # bulk mode: the strokes of the last refresh, as arrays
        self._defer_build = False  # refresh(): the stroke picture is built after it returns
        self._refresh_job = None  # refresh_soon(): the refresh generator, run in slices
        self._held = None  # the viewport whose repaints wait for that job
        self._refresh_job_timer = QTimer(self)
        self._refresh_job_timer.setSingleShot(True)
        self._refresh_job_timer.setInterval(0)
        self._refresh_job_timer.timeout.connect(self._refresh_work)
        self._make_single_items()
        self._z = None
        self.anim = QVariantAnimation(self)
        self.anim.setStartValue(0.0)
        self.anim.setEndValue(1.0)
        self.anim.setEasingCurve(QEasingCurve.Type.InOutSine)
        self.anim.valueChanged.connect(self._on_anim_value)
        self.anim.finished.connect(self._on_anim_finished)
        self._after_pulse = None
        self._last_pulse = True  # no pulse follows the running one (see play_pulse)
        self._warm_only = False  # the running pulse's landing picture was not composed
        self._preview_state = None  # the step a running pulse leads to (shown in the scene)
        self._drawn = None  # what the scene's overlay was last drawn from (see refresh)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(0)
        self._preview_timer.timeout.connect(self._start_preview)
        self._preview_job = None  # (state, refresh generator) of a preview being set up
        # after an animated update: old → new strokes ease, then the labels settle
        self.settle = WeightSettle(self)
        self.settle.settled.connect(self._on_settled)
        self.update_settled = False  # the old → new labels are gone (the editor's show w)
        self.update_wmax = 1.0  # the weight scale of the strokes after an update
        self._preview_job_timer = QTimer(self)
        self._preview_job_timer.setSingleShot(True)
        self._preview_job_timer.setInterval(0)
        self._preview_job_timer.timeout.connect(self._preview_work)
        # Another network (open, new): the editor's scene deletes every item when it rebuilds
        # (clear(), the fast way for 40,000 strokes), and says so first; the overlay then
        # forgets every item of the old picture and makes new ones for the new network.
        self._graveyard: list = []  # the old network's items, let go a slice at a time
        self._graveyard_timer = QTimer(self)
        self._graveyard_timer.setSingleShot(True)
        self._graveyard_timer.setInterval(0)
        self._graveyard_timer.timeout.connect(self._let_go)
        scene.rebuilding.connect(self.forget_network)
        scene.add_foreground(self.drawing)  # the canvas's own edge picture waits for ours

    def drawing(self) -> bool:
        """A picture is being set up or rasterised in slices (the canvas waits for it)."""
        return (
            self._refresh_job is not None
            or self._preview_job is not None
            or self.stroke_layer.building
        )

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

    def forget_network(self) -> None:
        """Stop whatever plays, without revealing it (it belonged to the old network), and
        forget every item (the scene is about to delete them: none is touched after this)."""
        self.abandon()
        self.stroke_layer.forget()
        # the wrappers are let go in slices after the switch: freed inside the scene's
        # clear() (their last owner) 40,000 strokes added ~0.5 s to opening the next file
        self._graveyard += [*self.strokes.values(), *self.neuron_badges.values()]
        self._graveyard += [*self.edge_badges.values(), *self.fills.values()]
        self._graveyard_timer.start()
        self.neuron_badges = {}
        self.edge_badges = {}
        self.strokes = {}
        self.fills = {}
        self.loss_badge = None
        self._labels, self._label_badges = [], {}  # the scene forgets them too (rebuild)
        self._make_single_items()
        self._hooked_fill.clear()  # the editor's neuron items are new: none is tinted
        self.fill_colours.clear()
        self._shown = set()
        self._drawn = None
        self.update_settled = False

    def _let_go(self) -> None:
        """Drop a few ms worth of the old network's item wrappers (never touched again)."""
        t0 = time.perf_counter()
        grave = self._graveyard
        while grave and (time.perf_counter() - t0) * 1000 < PREVIEW_SLICE_MS:
            del grave[-500:]
        if grave:
            self._graveyard_timer.start()

    def abandon(self) -> None:
        """Stop a running pulse or update animation without revealing anything: the step it
        led to belongs to a network that is no longer there (edited, or another file)."""
        self._after_pulse = None
        self.anim.stop()  # stop() emits no finished(): nothing is revealed
        self.pulse.setVisible(False)
        self.settle.stop()
        self._preview_state = None
        self._preview_timer.stop()
        self._cancel_preview_job()
        self.cancel_refresh_soon()  # a sliced refresh of the old network's items
        self._bulk = None
        if self.frozen is not None:
            self.frozen.stop()

    def _take_items_off(self) -> None:
        """Take every item we put on the scene off it (the pools are kept)."""
        for item in self._all_items():
            if item.scene() is self.scene:
                self.scene.removeItem(item)

    def _all_items(self) -> list:
        items = [*self.neuron_badges.values(), *self.edge_badges.values()]
        items += [*self.strokes.values(), *self.fills.values(), self.legend, self.pulse]
        items.append(self.stroke_layer)
        if self.loss_badge is not None:
            items.append(self.loss_badge)
        return list({id(it): it for it in items}.values())

    # ---------------------------------------------------------------- settings
    def set_decimals(self, decimals: int) -> None:
        self.decimals = int(decimals)
        self.refresh()

    def set_font_px(self, px: float) -> None:
        self.font_px = float(px)
        self.refresh()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.legend.theme = theme
        self.refresh()

    def set_focus_sample(self, index: int) -> None:
        self.focus = max(0, int(index))
        self.refresh()

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self.refresh()

    def set_exercise(self, source: BlankSource | None) -> None:
        """Draw the values ``source`` hides as blanks (None: every value as usual)."""
        self.exercise = source
        self._drawn = None
        self.refresh()

    def _blank_rows(self, b: ValueBadge, rows, colours, ident: str | None) -> tuple[bool, bool]:
        """Set ``b``'s rows with the exercise's blanks; (any blank, a blank focused)."""
        ex = self.exercise
        if ex is None:
            b.set_rows(rows, self.decimals, colours)
            return False, False
        lines, values, texts, cols, blank, focused = badge_lines(
            ex, rows, ident, self.decimals, colours
        )
        b.set_text_lines(lines, values, texts, cols)
        return blank, focused

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

    def _stroke(self, eid: str, bulk: bool = False) -> EdgeStroke:
        s = self.strokes.get(eid)
        if s is None or s.scene() is not self.scene:
            s = EdgeStroke(eid)
            self.scene.addItem(s)
            self.strokes[eid] = s
        s.setZValue(self._z - 0.5)
        s.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, bulk)
        self._show(s)
        return s

    def own_items(self) -> list:
        """Every item the overlay has put on the scene (shown or not), pulse excluded."""
        items = [*self.neuron_badges.values(), *self.edge_badges.values()]
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

    def clear(self) -> None:
        """Hide everything (items are kept for reuse)."""
        self._drawn = None
        if self._label_badges:
            self._release_labels()
        for pool in (self.neuron_badges, self.edge_badges, self.strokes, self.fills):
            for item in pool.values():
                item.setVisible(False)
        if self.loss_badge is not None:
            self.loss_badge.setVisible(False)
        for nid in list(self._hooked_fill):
            if nid in self.graph.neurons:
                self.adapter.set_fill(nid, None)
        self._hooked_fill.clear()
        self.fill_colours.clear()
        self.legend.setVisible(False)
        self.pulse.setVisible(False)
        self.stroke_layer.setVisible(False)

    def remove(self) -> None:
        if self._label_badges:
            self._release_labels()
        self.anim.stop()
        self.settle.stop()
        self._cancel_preview_job()
        if self.frozen is not None:
            self.frozen.stop()
        self.clear()
        self._take_items_off()
        self.stroke_layer.forget()
        self.neuron_badges.clear()
        self.edge_badges.clear()
        self.strokes.clear()
        self.fills.clear()
        self.loss_badge = None
        self.scene.rebuilding.disconnect(self.forget_network)

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

    # ---------------------------------------------------------------- refresh
    def refresh(self) -> None:
        """Show exactly what the stepper's state reveals (no animation). Incremental: only
        items whose content changes are touched, the rest are hidden at the end."""
        self._cancel_preview_job()
        self.cancel_refresh_soon()
        self._defer_build = True  # the bulk stroke picture: rasterised in slices afterwards
        try:
            for _ in self._refresh_steps():
                pass
        finally:
            self._defer_build = False

    def refresh_soon(self) -> None:
        """:meth:`refresh` spread over event-loop turns of PREVIEW_SLICE_MS: an instant step
        on a network of hundreds of neurons answers the key at once and its numbers appear
        within a fraction of a second. A refresh or another step meanwhile replaces it."""
        self._cancel_preview_job()
        self.cancel_refresh_soon()
        self._drawn = None  # not drawn until the job is done
        self._refresh_job = self._refresh_steps()
        # no repaint of the canvas between slices (each would redraw hundreds of badges
        # half updated): input is still served, the picture changes once, when it is done
        vp = self.view.viewport() if self.view is not None else None
        if vp is not None and vp.updatesEnabled():
            vp.setUpdatesEnabled(False)
            self._held = vp
        self._refresh_job_timer.start()

    @property
    def refreshing(self) -> bool:
        return self._refresh_job is not None

    def complete_refresh_soon(self) -> None:
        """Finish a sliced refresh now (a pulse is about to freeze the picture)."""
        job = self._refresh_job
        if job is not None:
            self._defer_build = True
            try:
                for _ in job:
                    pass
            finally:
                self._defer_build = False
        self.cancel_refresh_soon()

    def cancel_refresh_soon(self) -> None:
        if self._refresh_job is not None:
            self._refresh_job.close()
            self._refresh_job = None
        self._refresh_job_timer.stop()
        self._release_view()

    def _release_view(self) -> None:
        vp, self._held = self._held, None
        if vp is not None:
            try:
                vp.setUpdatesEnabled(True)  # (repaints it)
            except RuntimeError:  # the view went first
                pass

    def _refresh_work(self) -> None:
        job = self._refresh_job
        if job is None:
            return
        self._defer_build = True
        t0 = time.perf_counter()
        try:
            while (time.perf_counter() - t0) * 1000 < PREVIEW_SLICE_MS:
                next(job)
        except StopIteration:
            self._refresh_job = None
            self._release_view()
            return
        except RuntimeError:  # the scene went away (the window is closing)
            self._refresh_job = None
            self._release_view()
            return
        finally:
            self._defer_build = False
        self._refresh_job_timer.start()

    # complexity: a generator sliced by its yields: split, the slices would have to be re-joined
    def _refresh_steps(self):  # noqa: C901
        """The body of :meth:`refresh` as a generator that yields every few edges, so a
        preview (which nobody sees yet) can be spread over several event-loop turns."""
        st = self.stepper
        if not st.updated:
            self.update_settled = False
            if self.settle.running and self._preview_job is None:
                self.settle.stop()  # undone or reset under the animation
        if not self.enabled or st.state.phase == "idle" or st.result is None:
            self.clear()
            self._drawn = None
            return
        c0 = st.result.compiled
        ad = self.adapter
        geo = tuple((p.x(), p.y()) for p in map(ad.center, c0.neuron_ids))
        drawn = (st.state, id(st.result), self.focus, self.decimals, self.font_px)
        drawn += (id(self.theme), geo, len(self.graph.neurons), len(self.graph.edges))
        drawn += (st.updated and self.update_settled,)
        ex = self.exercise
        drawn += (None,) if ex is None else (id(ex), ex.version)
        if drawn == self._drawn:
            return  # e.g. the landing of a pulse whose step the scene already previews
        self._drawn = None  # set when done (a preview cut short must not count as drawn)
        # the stroke picture of the step before is not finished: it would only be thrown
        # away when this refresh hands the layer its new strokes (see _layer_steps)
        self.stroke_layer.stop_build()
        self._ensure_added()
        self._shown = set()
        prev_fills, self.fill_colours = self.fill_colours, {}
        r = st.result
        c = r.compiled
        col = min(self.focus, len(r.samples) - 1)
        dec, ad = self.decimals, self.adapter
        centers = {nid: ad.center(nid) for nid in c.neuron_ids}
        radii = {nid: ad.radius(nid) for nid in c.neuron_ids}
        # every badge is placed at the end, all at once with the editor's weight labels (see
        # _place_badges); here each only says where it would like to go
        self._labels, self._label_badges = [], {}
        gap = max(self.font_px * 0.25, 3.0)

        # one badge per neuron: x (inputs), or z and a, then ∂L/∂z once the backward pass is
        # there; after an update it shows the bias step instead (the pass's values are old)
        a_vals = [
            r.value("a", nid, col)
            for nid in c.neuron_ids
            if c.layer_of[nid] > 0 and st.forward_shown(c.layer_of[nid])
        ]
        vmax = activation_scale(a_vals)
        # outputs get a ŷ / y badge beside them: their value badge goes above or below it
        outputs_badged = set(c.output_ids) if st.loss_shown and not st.updated else set()
        yhat_half = QFontMetricsF(overlay_font(self.font_px)).height() * (2 + 0.24) / 2 + 2
        yield
        for k, nid in enumerate(c.neuron_ids):
            if k % 8 == 7:
                yield
            layer = c.layer_of[nid]
            if not st.forward_shown(layer):
                continue
            p, rad = centers[nid], radii[nid]
            if layer > 0:
                self._tint(nid, diverging(r.value("a", nid, col), vmax), p, rad, prev_fills)
            b = self._badge(self.neuron_badges, (nid, "forward"), ("neuron", nid), "neuron")
            self.neuron_badges[(nid, "backward")] = b
            b.accent = None
            if nid in c.input_ids:
                b.set_rows([("x", "x =", r.value("a", nid, col))], dec)
            elif nid in c.bias_unit_ids:
                b.set_text_lines(["a = 1"], {"a": 1.0}, {"a": "1"})
            elif st.updated:
                if self.update_settled or not self._bias_update_label(b, nid):
                    self._shown.discard(id(b))
                    continue
            else:
                rows = [("z", "z =", r.value("z", nid, col)), ("a", "a =", r.value("a", nid, col))]
                colours = [None, None]
                if st.backward_shown(layer):
                    d = r.value("dL_dz", nid, col)
                    rows.append(("dL_dz", "∂L/∂z =", d))
                    colours.append(self.theme.sign_colour(d).darker(140))
                    b.accent = self.theme.sign_colour(d)
                if ex is not None and ex.blank("updated_bias", nid) is not None:
                    rows.append(("updated_bias", "new b =", r.updated_bias(nid)))
                    colours.append(None)
                blank, focused = self._blank_rows(b, rows, colours, nid)
                if blank:  # the border's sign colour would give a hidden ∂L/∂z away
                    b.accent = FOCUS if focused else None
                if st.backward_shown(layer) and "dL_dz" in b.values:
                    b.values["dL_da"] = r.value("dL_da", nid, col)
            room = rad
            if nid in outputs_badged:  # its ŷ / y badge sits to the right, as tall as 2 lines
                room = max(rad, yhat_half - CLEARANCE)
            self._want(b, ("n", nid), self._around(b, p, room, gap), P_NEURON, p)

        # loss: ŷ and y beside each output, L beside them (hidden after the update: old pass)
        if st.loss_shown and not st.updated:
            right = -math.inf
            ys = []
            for k, oid in enumerate(c.output_ids):
                p, rad = centers[oid], radii[oid]
                b = self._badge(self.neuron_badges, (oid, "output"), ("neuron", oid), "output")
                out_rows = [("y", "y =", float(r.Y[col, k]))]
                if ex is None or ex.blank("a", oid) is None:  # ŷ is a: not given away here
                    out_rows.insert(0, ("yhat", "ŷ =", r.value("a", oid, col)))
                b.set_rows(out_rows, dec)
                w, _h = b.size()
                side = self._around(b, p, rad, gap, every=True)
                self._want(b, ("o", oid), [side[2], *side[:2], *side[4:]], P_OUTPUT, p)
                right = max(right, p.x() + rad + CLEARANCE + gap + w)
                ys.append(p.y())
            lb = self.loss_badge
            if lb is None or lb.scene() is not self.scene:
                lb = self.loss_badge = ValueBadge(("loss", "loss"), "loss", self.theme)
                self.scene.addItem(lb)
            lb.set_theme(self.theme)
            lb.setZValue(self._z + 2)
            lb.set_font_px(self.font_px * 1.15)
            self._show(lb)
            rows = [("loss", "L =", float(r.trace.sample_loss[col]))]
            if len(r.samples) > 1 and ex is None:
                rows.append(("batch_loss", "batch L =", float(r.trace.loss)))
            if r.regularised:  # L above is the data loss; the step descends L + penalty
                rows.append(("penalty", "penalty =", float(r.trace.penalty)))
            _blank, focused = self._blank_rows(lb, rows, [None] * len(rows), None)
            lb.accent = FOCUS if focused else self.theme.pulse
            w, h = lb.size()
            x, y = right + gap * 4 + w / 2, sum(ys) / len(ys)
            cands = [(x, y), (x, y - h), (x, y + h), (x + w / 2, y), (x, y - 2 * h), (x, y + 2 * h)]
            screen = self.scene.label_bounds  # the lecture layout's screen (else None)
            if screen is not None:  # the loss is never left out: the screen's right corners
                inset = gap + w / 2, gap + h / 2
                right_x = screen.right() - inset[0]
                cands += [(right_x, screen.top() + inset[1]), (right_x, screen.bottom() - inset[1])]
            self._want(lb, ("loss",), cands, P_LOSS, None)

        yield
        # edges: ∂L/∂w (colour = sign, width = log |∂L/∂w|), or old → new after the update
        shown_idx = self._shown_edges(r)
        bulk = self.bulk
        few = len(shown_idx) <= MAX_EDGE_LABELS
        # bulk mode draws the strokes from arrays: the per-edge loop below only places labels
        edges = [(i, c.edge_ids[i]) for i in shown_idx.tolist()] if few or not bulk else []
        label_edges = few and not (st.updated and self.update_settled)
        wmax = 0.0
        new_w = r.updated_params[c.edge_param] if st.updated else None  # = old_new_weight[1]
        if st.updated:
            wmax = float(np.abs(new_w[shown_idx]).max()) if len(shown_idx) else 1.0
            self.update_wmax = wmax
        grads_shown = len(shown_idx) > 0 and not st.updated
        grads = r.shown.grads[c.edge_param]  # by edge position (no per-edge id lookups)
        # dense networks: thinner strokes, or a thousand wide lines become one blob (and slow);
        # by the network's size, so a width means the same at every step of the pass
        thin = max(0.25, min(1.0, math.sqrt(MAX_EDGE_LABELS / max(len(c.edge_ids), 1))))
        geo = hash(tuple((p.x(), p.y(), radii[n]) for n, p in centers.items()))
        base = (id(r), id(self.theme), thin, geo, st.updated, wmax, bulk)
        strokes = self.strokes
        if bulk:  # no stroke items: the arrays go to the stroke layer (see _layer_steps)
            values = new_w if st.updated else grads
            self._bulk = self._bulk_strokes(r, shown_idx, values, centers, radii, thin, wmax)
            if not label_edges:
                edges = []
        else:
            self._bulk = None
        for k, (i, eid) in enumerate(edges):
            if k % 8 == 7:
                yield
            e = self.graph.edges.get(eid)
            if e is None:
                continue
            value = st.old_new_weight(eid)[1] if st.updated else float(grads[i])
            hidden = ex is not None and not st.updated and ex.blank("grad", eid) is not None
            key = (base, value, hidden)
            s = strokes.get(eid)
            if bulk:
                pass  # the stroke layer draws it; only its label is placed below
            elif s is not None and s.key == key and s.scene() is self.scene:
                self._show(s)  # drawn from the same numbers: nothing to do
            else:
                s = self._stroke(eid, bulk)
                s.set_ends(centers[e.source], centers[e.target], radii[e.source], radii[e.target])
                if st.updated:
                    width = weight_width(value, self.theme, wmax)
                    s.set_style(value, self.theme.sign_colour(value), width)
                elif hidden:  # a hidden gradient: its colour and width would tell it
                    s.set_style(value, NEUTRAL, 1.5 * thin)
                else:
                    s.set_style(
                        value, self.theme.grad_colour(value), self.theme.grad_width(value) * thin
                    )
                s.key = key
            p0, p1 = centers[e.source], centers[e.target]
            if label_edges:
                b = self._badge(self.edge_badges, eid, ("edge", eid), "edge")
                self._edge_label(b, eid, float(grads[i]), st)
                ends = ((p0.x(), p0.y()), (p1.x(), p1.y()))
                r0, r1 = radii[e.source] + CLEARANCE, radii[e.target] + CLEARANCE
                beside = b.size()[1] / 2 + 3
                cands = along_segment(*ends, r0, r1, EDGE_BADGE_FRACTIONS, beside)
                self._want(b, ("e", eid), cands, P_EDGE, p0 + (p1 - p0) * 0.62)

        yield
        # the lecture layout bounds the labels to the screen: the legend is then one of them,
        # in a free corner, so it never covers the network or a number
        screen = self.scene.label_bounds  # the lecture layout's screen (else None)
        if screen is not None and centers:
            self.legend.configure(vmax, True, grads_shown, st.updated, self.font_px)
            self._want_legend(screen)
        # after the update the Δw labels show old → new: the weight labels give way meanwhile
        placed = self._place_badges(weights=not (st.updated and label_edges))
        if screen is None:
            self._place_legend(centers, radii, vmax, grads_shown, st.updated, placed)
        self._hide_unshown()
        yield from self._layer_steps(bulk)
        self._drawn = drawn

    def _shown_edges(self, r) -> np.ndarray:
        """Positions (in compiled edge order) of the edges whose strokes the state shows."""
        st, c = self.stepper, r.compiled
        if st.updated:
            shown = np.ones(len(c.edge_ids), dtype=bool)
        else:
            layers = [l for l in range(1, c.n_layers + 1) if st.backward_shown(l)]
            shown = np.isin(c.edge_layer, layers)
        if len(self.graph.edges) != len(c.edge_ids):  # edges deleted since the pass
            shown &= np.fromiter((eid in self.graph.edges for eid in c.edge_ids), bool,
                                 count=len(c.edge_ids))  # fmt: skip
        return np.nonzero(shown)[0]

    def _bulk_strokes(self, r, idx, values, centers, radii, thin, wmax):
        """Bulk mode: every shown stroke as arrays (ends between the rims, colour, width),
        computed with numpy; what EdgeStroke.set_ends/set_style do per item."""
        c = r.compiled
        pos = np.array([(centers[n].x(), centers[n].y()) for n in c.neuron_ids], float)
        rad = np.array([radii[n] for n in c.neuron_ids], float)
        src, tgt = (a[idx] for a in c.edge_rows)
        p0, p1 = pos.reshape(-1, 2)[src], pos.reshape(-1, 2)[tgt]
        r0, r1 = rad[src], rad[tgt]
        d = p1 - p0
        n = np.hypot(d[:, 0], d[:, 1])
        inside = n > r0 + r1
        u = d / np.where(inside, n, 1.0)[:, None]
        p0 = np.where(inside[:, None], p0 + u * r0[:, None], p0)
        p1 = np.where(inside[:, None], p1 - u * r1[:, None], p1)
        v = np.asarray(values, float)[idx]
        if self.stepper.updated:
            rgba, widths = self.theme.weight_styles(v, wmax)
        else:
            rgba, widths = self.theme.grad_styles(v)
            widths = widths * thin
        ids = [c.edge_ids[i] for i in idx.tolist()]
        return ids, np.hstack([p0, p1]), rgba, widths, v

    def _layer_steps(self, bulk: bool):
        """Bulk mode: the shown strokes into the stroke layer, rasterised in slices."""
        layer = self.stroke_layer
        arrays = self._bulk if bulk else None
        if arrays is None or not arrays[0]:
            if layer.runs:
                layer.set_arrays([], np.zeros((0, 4)), np.zeros((0, 4)), np.zeros(0), np.zeros(0))
            layer.setVisible(False)
            return
        if layer.scene() is not self.scene:
            self.scene.addItem(layer)
        layer.setZValue(self._z - 0.5)
        self._show(layer)
        layer.set_arrays(*arrays)
        if self._defer_build:
            layer.build_soon()
            return
        yield
        yield from layer.build()

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

    def _bias_update_label(self, b: ValueBadge, nid: str) -> bool:
        on = self.stepper.old_new_bias(nid)
        if on is None:
            return False
        old, new = on
        places = update_places(old, new, self.decimals)
        texts = {"old": fmt(old, self.decimals), "new": fmt_places(new, places)}
        texts["delta"] = fmt_signed(new - old, self.decimals)
        values = {"old": old, "new": new, "delta": new - old}
        if self._on_projector():  # one short line: the room reads the step itself
            b.set_text_lines([f"Δb = {texts['delta']}"], values, texts)
        else:
            b.set_text_lines([f"b: {texts['old']} → {texts['new']}"], values, texts)
        return True

    def _on_projector(self) -> bool:
        """The lecture layout is on (its screen bounds the labels): update labels are one
        line each, Δw and Δb, so a network past the 2-2-1 keeps its numbers by its edges
        (two-line old → new labels, 24 px tall, did not fit and hung on long leaders)."""
        return self.scene.label_bounds is not None

    def _edge_label(self, b: ValueBadge, eid: str, g: float, st: PassStepper) -> None:
        dec = self.decimals
        if st.updated:
            old, new = st.old_new_weight(eid)
            d = new - old
            places = update_places(old, new, dec)
            texts = {
                "old": fmt(old, dec),
                "new": fmt_places(new, places),
                "delta": fmt_signed(d, dec),
            }
            lines = [f"{texts['old']} → {texts['new']}", f"Δw = {texts['delta']}"]
            if self._on_projector():
                lines = lines[1:]
            b.set_text_lines(lines, {"old": old, "new": new, "delta": d}, texts)
            b.accent = None
        elif self.exercise is not None:
            rows = [("grad", "", g)]
            colours: list = [self.theme.sign_colour(g).darker(140)]
            res = st.result
            if res is not None and self.exercise.blank("updated", eid) is not None:
                rows.append(("updated", "new w =", res.updated_weight(eid)))
                colours.append(None)
            blank, focused = self._blank_rows(b, rows, colours, eid)
            if blank and self.exercise.blank("grad", eid) is not None:
                b.accent = FOCUS if focused else None
            else:
                b.accent = FOCUS if focused else self.theme.sign_colour(g)
        else:
            b.set_rows([("grad", "", g)], dec, colours=[self.theme.sign_colour(g).darker(140)])
            b.accent = self.theme.sign_colour(g)

    # ---------------------------------------------------------------- label placement
    def _around(self, b: ValueBadge, p: QPointF, rad: float, gap: float, every=False) -> list:
        """Spots around a neuron: above, below, right, left, the diagonals."""
        w, h = b.size()
        spots = around_disc(Disc(p.x(), p.y(), rad + CLEARANCE), w, h, gap)
        # a bulk-mode network is a field of strokes: beside a neuron a badge would hide them;
        # one that has no room above or below goes to the hover tips
        return spots if every or not self.bulk else spots[:2]

    def _want(self, b: ValueBadge, key, candidates, priority: float, anchor) -> None:
        """Ask for a place for badge ``b`` (centres in order of preference); ``anchor``: what
        a leader points at when none of them is free (None: hidden, hover tips instead)."""
        w, h = b.size()
        at = None if anchor is None else (anchor.x(), anchor.y())
        # a bulk-mode network is a field of strokes: a badge led into it would hide them
        lead = at is not None and not self.bulk
        self._labels.append(Label(key, w, h, candidates, priority, at, lead))
        self._label_badges[key] = b

    def _place_badges(self, weights: bool = True) -> QRectF:
        """Place every badge of this refresh with the editor's weight labels (overlay first:
        a weight label gives way, never a value just computed); returns what they cover."""
        out = self.adapter.place_labels_with(self._labels, self._apply_placement, weights)
        covered = QRectF()
        for key in self._label_badges:
            r = out.rects.get(key)
            if r is not None:
                covered = covered.united(QRectF(r[0], r[1], r[2] - r[0], r[3] - r[1]))
        return covered

    def _want_legend(self, screen: QRectF) -> None:
        """Ask for a corner of ``screen`` for the legend (lowest priority: the numbers first;
        no corner free: it is not shown)."""
        r = self.legend.boundingRect()
        w, h = r.width(), r.height()
        inset = 2.0 + self.font_px * 0.2
        x0, x1 = screen.left() + inset + w / 2, screen.right() - inset - w / 2
        y0, y1 = screen.top() + inset + h / 2, screen.bottom() - inset - h / 2
        xm, ym = screen.center().x(), screen.center().y()
        corners = [(x0, y1), (x0, y0), (x1, y0), (x1, y1), (x0, ym), (xm, y1), (xm, y0), (x1, ym)]
        self._labels.append(Label(LEGEND_KEY, w, h, corners, P_LEGEND, None, leader=False))

    def _apply_legend(self, out: Placement) -> None:
        r = out.rects.get(LEGEND_KEY)
        if LEGEND_KEY not in out.how or not shiboken6.isValid(self.legend):
            return
        if r is None:
            self._shown.discard(id(self.legend))
            self.legend.setVisible(False)
            return
        box = self.legend.boundingRect()
        self.legend.setPos(QPointF(r[0] - box.left(), r[1] - box.top()))
        self._show(self.legend)

    def _apply_placement(self, out: Placement) -> None:
        """Move the badges where the placement put them (also called by the editor's scene
        when it places again, e.g. a weight label changed size under the overlay)."""
        self._apply_legend(out)
        for key, b in self._label_badges.items():
            if key not in out.how or not shiboken6.isValid(b) or b.scene() is not self.scene:
                continue  # (a refresh cut short: the badges of the next one are not in it)
            r = out.rects.get(key)
            if r is None:  # no room anywhere near: hover tips show it
                self._shown.discard(id(b))
                b.setVisible(False)
                continue
            b.set_anchor(QPointF((r[0] + r[2]) / 2, (r[1] + r[3]) / 2), CENTER)
            lead = out.leaders.get(key)
            b.set_leader(None if lead is None else QPointF(*self._rim(key, lead)))
            # a led badge sits just beneath the others: its line passes under their text
            want_z = self._z + (1.9 if lead is not None else 2.0)
            if b.zValue() != want_z and key != ("loss",):
                b.setZValue(want_z)
            self._show(b)

    def _rim(self, key, lead) -> tuple[float, float]:
        """A neuron badge's leader starts at the neuron's rim, not its centre."""
        (ax, ay), (ex, ey) = lead
        if key[0] not in ("n", "o"):
            return ax, ay
        d = math.hypot(ex - ax, ey - ay) or 1.0
        rad = self.adapter.radius(key[1])
        return ax + (ex - ax) / d * rad, ay + (ey - ay) / d * rad

    def _release_labels(self) -> None:
        """The overlay's badges leave the placement: the weight labels take the room back."""
        self._labels, self._label_badges = [], {}
        if shiboken6.isValid(self.scene):
            self.adapter.place_labels_with(None, None)

    def _place_legend(self, centers, radii, vmax, grads: bool, weights: bool, placed) -> None:
        if not centers:
            return
        rect = QRectF(placed)
        for nid, p in centers.items():
            rect = rect.united(circle_rect(p, radii[nid]))
        self.legend.configure(vmax, True, grads, weights, self.font_px)
        pos = QPointF(rect.left(), rect.bottom() + self.font_px * 2)
        if pos != self.legend.pos():
            self.legend.setPos(pos)
        self._show(self.legend)

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

    # ---------------------------------------------------------------- pulses
    def pulse_segments(self, kind: str, layer: int) -> list[tuple[QPointF, QPointF]]:
        """Where pulses run: forward into ``layer``; backward out of the layer above it."""
        r = self.stepper.result
        if r is None:
            return []
        c, ad = r.compiled, self.adapter
        segs = []
        if kind == "loss":
            for oid in c.output_ids:
                p = ad.center(oid)
                segs.append((p, QPointF(p.x() + ad.radius(oid) + 60, p.y())))
            return segs
        if kind == "backward" and layer == c.n_layers:
            for oid in c.output_ids:  # from the loss back into the outputs
                p = ad.center(oid)
                segs.append((QPointF(p.x() + ad.radius(oid) + 90, p.y()), p))
        for i, eid in enumerate(c.edge_ids):
            e = self.graph.edges.get(eid)
            if e is None:
                continue
            el = int(c.edge_layer[i])
            if kind == "forward" and el == layer:
                segs.append((ad.center(e.source), ad.center(e.target)))
            elif kind == "backward" and c.layer_of[e.source] == layer and el > layer:
                segs.append((ad.center(e.target), ad.center(e.source)))
        return segs

    def play_pulse(
        self,
        kind: str,
        layer: int,
        duration_ms: int,
        then=None,
        reveals_next: bool = False,
        last: bool = True,
    ) -> None:
        """Run a pulse, then call ``then`` (which reveals the numbers). 0 ms: call it now.

        ``reveals_next``: ``then`` advances the stepper by one step, so the scene may show that
        step's overlay already while the pulse runs over the picture (see the module notes).
        ``last``: no pulse follows this one (the walk ends at its landing), so in bulk mode the
        live canvas's caches are warmed under the picture (see FrozenPulse.warm).
        """
        self.finish()
        segs = self.pulse_segments(kind, layer)
        if duration_ms <= 0 or not segs:
            if self.frozen is not None:
                self.frozen.stop()
            if then is not None:
                then()
            return
        self._ensure_added()
        dot = max(5.0, self.font_px * 0.45)
        if self.frozen is not None and self.view.isVisible():
            fz = self.frozen
            if not fz.active:  # first pulse of a walk (or the view moved): one grab
                fz.begin(self._hidden_in_grab(), self._picture_items())
            fz.start(segs, self.theme.pulse, dot)
            nxt = self._next_state() if reveals_next else None
            self._preview_state = nxt
            if nxt is not None:  # in a turn of its own: the landing handler stays short
                self._preview_timer.start()
        else:
            self.pulse.colour = self.theme.pulse
            self.pulse.dot = dot
            self.pulse.set_segments(segs)
            self.pulse.set_progress(0.0)
            self.pulse.setVisible(True)
        self._after_pulse = then
        self._last_pulse = last
        self._warm_only = False
        self.anim.setDuration(int(duration_ms))
        self.anim.start()

    def _start_preview(self) -> None:
        """Put the next step's overlay on the scene (under the picture) in slices of a few
        ms, then compose its picture (also in slices): no turn of the event loop is long."""
        nxt = self._preview_state
        if nxt is None or not self.animating or self.frozen is None:
            return
        self._cancel_preview_job()
        self._preview_job = (nxt, self._refresh_steps(), self.stepper.result)
        self._preview_work()

    def _preview_work(self) -> None:
        job = self._preview_job
        if job is None:
            return
        state, steps, result = job
        if self.stepper.result is not result:  # an edit under the pulse dropped that pass
            self._cancel_preview_job()
            return
        st = self.stepper
        saved, st.state = st.state, state
        done = False
        t0 = time.perf_counter()
        try:
            while (time.perf_counter() - t0) * 1000 < PREVIEW_SLICE_MS:
                next(steps)
        except StopIteration:
            done = True
        finally:
            st.state = saved
        if not done:
            self._preview_job_timer.start()
            return
        self._preview_job = None
        if self.frozen is None:
            return
        self.frozen.warm = self.bulk and self._last_pulse
        if self.frozen.warm:
            # the walk ends at this landing: its picture would be shown for no frame, the live
            # canvas is what comes next, so warm that instead of composing a picture
            self._warm_only = True
            self.frozen.warm_async()
        else:
            self.frozen.compose_async(self._picture_items())

    def _complete_preview_job(self) -> None:
        """The pulse landed before the preview was set up: finish it now."""
        while self._preview_job is not None:
            self._preview_work()
        self._preview_job_timer.stop()

    def _cancel_preview_job(self) -> None:
        if self._preview_job is not None:
            self._preview_job[1].close()
            self._preview_job = None
        self._preview_job_timer.stop()

    def _on_view_changed(self) -> None:
        """The view scrolled, zoomed or resized under a running pulse: picture it again (the
        current step, then the next one composed in slices as usual)."""
        fz = self.frozen
        nxt = self._next_state() if self._preview_state is not None else None
        self.refresh()
        fz.begin(self._hidden_in_grab(), self._picture_items())
        progress = fz.progress
        fz.start(fz.scene_segments, fz.colour, fz.base_dot)
        fz.progress = progress
        if nxt is not None:
            self._preview_timer.start()

    def _next_state(self) -> StepState | None:
        """The state one step on (None when that is the update: it changes the network)."""
        st = self.stepper
        p, L = st.position(), st.n_layers
        q = p + 1
        if q <= L:
            return StepState(FORWARD, q)
        if q == L + 1:
            return StepState(LOSS)
        if q <= 2 * L + 1:
            return StepState(BACKWARD, 2 * L + 2 - q)
        return None

    def preview(self, state: StepState) -> None:
        """Put ``state``'s overlay on the scene without moving the stepper (nobody else sees
        it: the picture covers the canvas until the pulse lands and the stepper gets there)."""
        st = self.stepper
        saved = st.state
        st.state = state
        try:
            self.refresh()
        finally:
            st.state = saved

    def eventFilter(self, obj, event) -> bool:
        if event.type() in _LANDING_EVENTS and (self.animating or self.settle.running):
            self.finish()
        return False

    def finish(self) -> None:
        """Jump a running pulse to its end (pressing a key mid-animation never waits), and a
        running update animation to its settled state."""
        if self.anim.state() == QVariantAnimation.State.Running:
            self.anim.stop()
            self._on_anim_finished()
        self.settle.finish()

    # ---------------------------------------------------------------- the update's easing
    def play_update(self, speed: int) -> None:
        """After an applied update (already drawn by ``refresh``): strokes ease from the old
        weights to the new ones under the old → new labels, which settle after a hold."""
        self.update_settled = False
        self.refresh()
        if speed <= 0 or not self.stepper.updated:
            return
        visible = None
        if self.view is not None:
            visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        self.settle.start(speed, visible)

    def _on_settled(self) -> None:
        if self.stepper.updated:
            self.update_settled = True
        self.refresh()

    @property
    def animating(self) -> bool:
        return self.anim.state() == QVariantAnimation.State.Running

    def _on_anim_value(self, value) -> None:
        t = float(value)
        if self.frozen is not None and self.frozen.isVisible():
            self.frozen.set_progress(t)
        else:
            self.pulse.set_progress(t)
        self.frame.emit(t)

    def _on_anim_finished(self) -> None:
        self.pulse.setVisible(False)
        fz = self.frozen
        if self._preview_job is not None:
            self._complete_preview_job()  # rare: the pulse was shorter than setting it up
        if fz is not None and fz.isVisible():
            if fz.composing:
                fz.complete_job()  # rare: the pulse was shorter than composing its landing
            if fz.pending is not None:
                fz.set_picture(fz.pending)  # the landing: the next step's picture, at once
                fz.pending = None
            fz.end_pulse()
        then, self._after_pulse = self._after_pulse, None
        warm_only, self._warm_only = self._warm_only, False
        self._preview_state = None
        self._preview_timer.stop()
        if then is not None:
            then()
        if fz is not None and not self.animating:
            fz.stop()  # the walk is over: back to the live canvas
        elif fz is not None and warm_only and fz.isVisible():
            fz.begin(self._hidden_in_grab(), self._picture_items())  # not the end after all
        self.pulse_finished.emit()


def render_overlays() -> dict:
    """``bpstudio render --overlay forward|backward``: the same overlay, drawn at once."""

    def draw(scene: NetworkScene, graph: Graph, sample: int, backward: bool) -> None:
        stepper = PassStepper(graph)
        stepper.set_sample(sample)
        (stepper.backward_all if backward else stepper.forward_all)()
        if stepper.result is None:
            raise ValueError(f"cannot run a pass: {stepper.error}")
        overlay = PassOverlay(scene, graph, stepper)
        overlay.refresh()
        scene._pass_overlay = overlay  # kept alive with the scene

    return {
        "forward": lambda scene, graph, sample: draw(scene, graph, sample, False),
        "backward": lambda scene, graph, sample: draw(scene, graph, sample, True),
    }
