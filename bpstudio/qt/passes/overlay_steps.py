"""A refresh of the pass overlay: what the stepper's state shows, drawn incrementally.

:meth:`OverlayRefresh._refresh_steps` asks model/reveal.py what the step shows on each
neuron, output, edge and the loss, paints it (overlay_paint.py), asks for the badges' places
(overlay_place.py) and draws the strokes (overlay_strokes.py). It is a generator that yields
every few items, so a refresh can run at once (:meth:`~OverlayRefresh.refresh`), in slices
of a few ms (:meth:`~OverlayRefresh.refresh_soon`), or under a running pulse as the next
step's preview (overlay_pulse.py). Items whose content did not change are not touched.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator

import numpy as np
from PySide6.QtGui import QFontMetricsF

from ...model.label_placement import along_segment
from ...model.reveal import (
    PassView,
    a_scale_values,
    edge_badge,
    loss_badge,
    neuron_badge,
    output_badge,
)
from .badge import ValueBadge, overlay_font
from .blanks import NEUTRAL
from .colormap import activation_scale, diverging
from .overlay_base import PREVIEW_SLICE_MS
from .overlay_paint import paint
from .overlay_place import (
    CLEARANCE,
    EDGE_BADGE_FRACTIONS,
    P_EDGE,
    P_LOSS,
    P_NEURON,
    P_OUTPUT,
)
from .overlay_strokes import MAX_EDGE_LABELS, OverlayStrokes
from .strokes import weight_width


class OverlayRefresh(OverlayStrokes):
    """A refresh: at once, in slices, or as the preview under a pulse."""

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
    def _refresh_steps(self) -> Generator[None, None, None]:  # noqa: C901
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
        drawn: tuple[object, ...] = (
            st.state,
            id(st.result),
            self.focus,
            self.decimals,
            self.font_px,
        )
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

        # what this step shows on each neuron, output and the loss: model/reveal.py decides
        # (rows, texts, blanks); here each badge is painted and says where it would like to go
        view = PassView(r, st.state, dec, self.focus, self._on_projector(), ex)
        view.settled = self.update_settled
        vmax = activation_scale(list(a_scale_values(view)))
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
            if layer > 0 and not view.a_hidden(nid):  # a blank's tint would tell its a
                self._tint(nid, diverging(r.value("a", nid, col), vmax), p, rad, prev_fills)
            shows = neuron_badge(view, nid)
            if shows is None:  # (after the update: a neuron without a bias, or settled)
                continue
            b = self._badge(self.neuron_badges, (nid, "forward"), ("neuron", nid), "neuron")
            self.neuron_badges[(nid, "backward")] = b
            paint(b, shows, self.theme)
            room = rad
            if nid in outputs_badged:  # its ŷ / y badge sits to the right, as tall as 2 lines
                room = max(rad, yhat_half - CLEARANCE)
            self._want(b, ("n", nid), self._around(b, p, room, gap), P_NEURON, p)

        # loss: ŷ and y beside each output, L beside them (hidden after the update: old pass)
        loss = loss_badge(view)
        if loss is not None:
            right = -math.inf
            ys = []
            for oid in c.output_ids:
                p, rad = centers[oid], radii[oid]
                shows = output_badge(view, oid)
                if shows is None:
                    continue
                b = self._badge(self.neuron_badges, (oid, "output"), ("neuron", oid), "output")
                paint(b, shows, self.theme)
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
            paint(lb, loss, self.theme)
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
        grads = r.shown.grads[c.edge_param]  # by edge position (no per-edge id lookups)
        # what the strokes show by edge position: the new weights after the update
        values = r.updated_params[c.edge_param] if st.updated else grads
        if st.updated:
            wmax = float(np.abs(values[shown_idx]).max()) if len(shown_idx) else 1.0
            self.update_wmax = wmax
        grads_shown = len(shown_idx) > 0 and not st.updated
        # dense networks: thinner strokes, or a thousand wide lines become one blob (and slow);
        # by the network's size, so a width means the same at every step of the pass
        thin = max(0.25, min(1.0, math.sqrt(MAX_EDGE_LABELS / max(len(c.edge_ids), 1))))
        geo_key = hash(tuple((p.x(), p.y(), radii[n]) for n, p in centers.items()))
        base = (id(r), id(self.theme), thin, geo_key, st.updated, wmax, bulk)
        strokes = self.strokes
        if bulk:  # no stroke items: the arrays go to the stroke layer (see _layer_steps)
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
            value = float(values[i])
            hidden = view.grad_hidden(eid)
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
                shows = edge_badge(view, eid)
                if shows is None:
                    continue
                b = self._badge(self.edge_badges, eid, ("edge", eid), "edge")
                paint(b, shows, self.theme)
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
        # placing every badge and handing 20,000 strokes to the stroke layer are ~5 ms each:
        # a turn of the event loop between them (one turn held both, 20 ms, after F8)
        yield
        yield from self._layer_steps(bulk)
        self._drawn = drawn

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
