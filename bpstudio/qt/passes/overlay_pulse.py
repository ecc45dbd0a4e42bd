"""The travelling pulse of a step, and the next step's overlay set up while it runs.

:meth:`OverlayPulse.play_pulse` runs a pulse along the edges of a layer on its own clock (a
QVariantAnimation), so the event loop keeps serving input while it runs and the numbers
appear when it lands. During a walk the pulse plays over a picture
(:class:`~.items.FrozenPulse`); while it runs the scene already holds the *next* step's
overlay (:meth:`~OverlayPulse.preview`), whose picture is composed in slices of a few ms, so
at the landing the picture is swapped in at once and no step re-renders the whole canvas.
After an update the strokes ease from the old weights to the new (:meth:`play_update`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, QVariantAnimation

from ...model.stepper import BACKWARD, FORWARD, LOSS, StepState
from .overlay_base import PREVIEW_SLICE_MS
from .overlay_steps import OverlayRefresh

# a wheel or a click means the lecturer is taking over: show the result at once. (Scrolls,
# zooms and resizes from elsewhere just make the frozen picture re-grab, see FrozenPulse.)
_LANDING_EVENTS = (QEvent.Type.Wheel, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick)


class OverlayPulse(OverlayRefresh):
    """The pulses of a walk, the next step's preview, the update's easing."""

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
        then: Callable[[], None] | None = None,
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
        if self.frozen is not None and self.view is not None and self.view.isVisible():
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

    def _on_view_changed(self) -> None:
        """The view scrolled, zoomed or resized under a running pulse: picture it again (the
        current step, then the next one composed in slices as usual)."""
        fz = self.frozen
        if fz is None:
            return
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

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
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
