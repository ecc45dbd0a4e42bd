"""Draw a stepped pass on the canvas: values per neuron, gradients per edge, pulses.

:class:`PassOverlay` turns the stepper's state into items on the scene. ``refresh()`` is
instant and idempotent (it is what speed 0, the tests and ``bpstudio render`` use);
``play_pulse()`` adds the travelling pulse on its own clock, so the event loop keeps serving
input while it runs and the numbers appear when it lands.

What a step shows is model/reveal.py's (the rows of every badge, the blanks of an exercise);
the overlay only places and paints it. Its parts, one concern per module, are layered:
overlay_base.py (state and item pools) → overlay_place.py (where badges go) →
overlay_strokes.py (the edges' strokes) → overlay_steps.py (a refresh) → overlay_pulse.py
(pulses and the next step's preview) → this module (wiring, settings, another network).
"""

from __future__ import annotations

import time

from ...model.graph import Graph
from ...model.reveal import Blanks
from ...model.stepper import PassStepper
from ..canvas.scene import NetworkScene
from .colormap import Theme
from .overlay_base import PREVIEW_SLICE_MS
from .overlay_pulse import OverlayPulse
from .overlay_strokes import MAX_EDGE_LABELS

__all__ = ["MAX_EDGE_LABELS", "PassOverlay", "render_overlays"]


class PassOverlay(OverlayPulse):
    """The pass on the canvas (one per window: ``pass_tools.overlay``)."""

    def _wire(self) -> None:
        view = self.view
        if view is not None and self.frozen is not None:
            self.frozen.on_view_changed = self._on_view_changed
            view.viewport().installEventFilter(self)  # user input on the canvas lands pulses
        self._refresh_job_timer.timeout.connect(self._refresh_work)
        self.anim.valueChanged.connect(self._on_anim_value)
        self.anim.finished.connect(self._on_anim_finished)
        self._preview_timer.timeout.connect(self._start_preview)
        self.settle.settled.connect(self._on_settled)
        self._preview_job_timer.timeout.connect(self._preview_work)
        self._graveyard_timer.timeout.connect(self._let_go)
        self.scene.rebuilding.connect(self.forget_network)
        self.scene.add_foreground(self.drawing)  # the canvas's own edge picture waits for ours

    def drawing(self) -> bool:
        """A picture is being set up or rasterised in slices (the canvas waits for it)."""
        return (
            self._refresh_job is not None
            or self._preview_job is not None
            or self.stroke_layer.building
        )

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

    def set_exercise(self, source: Blanks | None) -> None:
        """Draw the values ``source`` hides as blanks (None: every value as usual)."""
        self.exercise = source
        self._drawn = None
        self.refresh()


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
        # kept alive with the scene (and found there again: NetworkScene has no such field)
        setattr(scene, "_pass_overlay", overlay)  # noqa: B010

    return {
        "forward": lambda scene, graph, sample: draw(scene, graph, sample, False),
        "backward": lambda scene, graph, sample: draw(scene, graph, sample, True),
    }
