"""The stepped pass as pictures: what ``bpstudio animate`` and ``bpstudio slides`` draw.

Drawn headless with the app's own scene and pass overlay, in the lecture layout's high
contrast and large numbers, and driven by a frame counter instead of the clock: the same file
and options give the same pictures, byte for byte. The view is fixed for the whole film (fitted
to every state's numbers at once), so the network does not jump between steps.

The sequence is the stepper's: the architecture (idle), each forward layer, the loss, each
backward layer, the update. ``steps`` keeps some of those kinds; each kept state is reached by
its pulse (PULSE_S seconds of frames) and then held (PAUSE_S).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem

from ..model.graph import Graph
from ..model.layout import fill_missing_positions
from ..model.stepper import BACKWARD, FORWARD, IDLE, LOSS, UPDATED, PassStepper
from .canvas.scene import NetworkScene
from .passes.colormap import HIGH_CONTRAST, NORMAL
from .passes.overlay import PassOverlay

STEP_KINDS = ("forward", "loss", "backward", "update")
THEMES = ("lecture", "normal")
PULSE_S = 0.6  # a pulse's length in the film
PAUSE_S = 1.0  # the hold on each completed step
NUMBER_PX = 26.0  # the numbers' height on a 1280x720 frame (the lecture layout's, >= 24 px)
MARGIN_PX = 16
FIT_ROUNDS = 4
MIN_FIT_SHARE = 0.25  # never below this share of the bare network's fit (see presentation.py)
MIN_SIZE, MAX_SIZE = QSize(320, 200), QSize(3840, 2160)
DEFAULT_SIZE = QSize(1280, 720)


class FilmError(ValueError):
    """Bad options or a network whose pass cannot be run (the message says which)."""


@dataclass(frozen=True)
class Frame:
    image: QImage
    step: str  # "architecture", "forward", "loss", "backward" or "update"
    label: str  # "forward layer 1", "loss", … (the stepper's state)
    hold: int  # how many frames of the film it lasts
    texts: dict[str, str]  # what each visible badge says ("neuron h1 forward" -> "z = …")


def parse_steps(text: str) -> tuple[str, ...]:
    steps = tuple(s.strip() for s in text.split(",") if s.strip())
    bad = [s for s in steps if s not in STEP_KINDS]
    if bad or not steps:
        raise FilmError(
            f"--steps: unknown step {', '.join(bad) or '(none)'}: choose from "
            f"{', '.join(STEP_KINDS)}"
        )
    return steps


def parse_size(text: str) -> QSize:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise FilmError(f"--size {text!r}: write it as WIDTHxHEIGHT, e.g. 1280x720") from None
    if not (
        MIN_SIZE.width() <= w <= MAX_SIZE.width() and MIN_SIZE.height() <= h <= MAX_SIZE.height()
    ):
        raise FilmError(f"--size {text}: between 320x200 and 3840x2160")
    return QSize(w, h)


def _kind(phase: str) -> str:
    return {
        IDLE: "architecture",
        FORWARD: "forward",
        LOSS: "loss",
        BACKWARD: "backward",
        UPDATED: "update",
    }[phase]


class PassFilm:
    """One network's pass, ready to be drawn state by state."""

    def __init__(
        self,
        graph: Graph,
        sample: int | None = 0,
        size: QSize | None = None,
        theme: str = "lecture",
        decimals: int = 4,
    ):
        if theme not in THEMES:
            raise FilmError(f"--theme {theme!r}: choose from {', '.join(THEMES)}")
        self.graph = g = graph.copy()
        fill_missing_positions(g)
        self.size = size if size is not None else QSize(DEFAULT_SIZE)
        self.scene = NetworkScene(g)
        self.scene.flush()
        self.scene.clearSelection()
        self.scene.show_grid = False
        self.stepper = PassStepper(g)
        if sample is None:
            self.stepper.set_batch()
        else:
            self.stepper.set_sample(sample)
        if self.stepper.compute() is None:
            raise FilmError(f"cannot run a pass: {self.stepper.error}")
        look = HIGH_CONTRAST if theme == "lecture" else NORMAL
        self.overlay = PassOverlay(self.scene, g, self.stepper, decimals=decimals, theme=look)
        self.source = QRectF()
        self.scale = 1.0
        self._fit()

    # ----------------------------------------------------------------- the fixed view
    def _states(self) -> Iterator[None]:
        """Walk the whole pass once, from idle to updated (the film's own walk is separate)."""
        st = self.stepper
        st.reset()
        self.overlay.refresh()
        yield
        while not st.updated:
            st.advance()
            self.overlay.refresh()
            yield
        st.reset()
        self.overlay.refresh()

    def _fit(self) -> None:
        """One scale for every state: the union of what each state shows fits the frame, and
        the numbers are NUMBER_PX tall at 1280x720 (scaled with the frame's height)."""
        target_px = NUMBER_PX * self.size.height() / 720
        w, h = self.size.width() - 2 * MARGIN_PX, self.size.height() - 2 * MARGIN_PX
        bare = self.scene.network_rect().adjusted(-10, -10, 10, 10)
        floor = MIN_FIT_SHARE * min(w / max(bare.width(), 1.0), h / max(bare.height(), 1.0))
        for last in [False] * FIT_ROUNDS + [True]:
            union = QRectF()
            for _state in self._states():
                union = union.united(self._items_rect())
            self.source = union.adjusted(-10, -10, 10, 10)
            self.scale = min(w / self.source.width(), h / self.source.height())
            if self.scale < floor:  # dense: the numbers' extent would shrink it towards 0
                self.scale = floor
                self.source = _centred(bare, w / floor, h / floor)
            if last:  # the fonts stay: the source holds every badge at its final size
                break
            self.overlay.set_font_px(target_px / self.scale)
            self.scene.set_label_px(target_px / self.scale)

    def _items_rect(self) -> QRectF:
        rect = QRectF()
        for item in self.scene.items():
            if item.isVisible() and item.parentItem() is None:
                rect = rect.united(item.sceneBoundingRect())
        return rect

    # ----------------------------------------------------------------- drawing
    def draw(self) -> QImage:
        image = QImage(self.size, QImage.Format.Format_RGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        painter.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
        )
        sw, sh = self.source.width() * self.scale, self.source.height() * self.scale
        target = QRectF((self.size.width() - sw) / 2, (self.size.height() - sh) / 2, sw, sh)
        for item in self.scene.items():
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)  # drawn at the frame's scale
        self.scene.render(painter, target, self.source)
        painter.end()
        return image

    def texts(self) -> dict[str, str]:
        """What the visible badges say: the film's text source (tests compare it with trace)."""
        out = {}
        ov = self.overlay
        for (nid, role), badge in ov.neuron_badges.items():
            if badge.isVisible():
                out[f"neuron {nid} {role}"] = " | ".join(badge.lines)
        for eid, badge in ov.edge_badges.items():
            if badge.isVisible():
                out[f"edge {eid}"] = " | ".join(badge.lines)
        loss = ov.visible_loss_badge()
        if loss is not None:
            out["loss"] = " | ".join(loss.lines)
        return out

    # ----------------------------------------------------------------- the film
    def frames(
        self,
        steps: tuple[str, ...] = STEP_KINDS,
        fps: int = 10,
        cancelled: Callable[[], bool] = lambda: False,
        pulses: bool = True,
    ) -> Iterator[Frame]:
        """The architecture, then each kept state: its pulse frames, then the state held."""
        st, ov = self.stepper, self.overlay
        n_pulse = max(1, round(PULSE_S * fps))
        hold = max(1, round(PAUSE_S * fps))
        st.reset()
        ov.refresh()
        yield Frame(self.draw(), "architecture", st.state.label, hold, self.texts())
        ov._ensure_added()  # the pulse layer on the scene
        while not st.updated:
            if cancelled():
                return
            p, L = st.position(), st.n_layers
            kind, layer = _transition(p, L)
            st.advance()
            if _kind(st.state.phase) not in steps:
                ov.refresh()
                continue
            segs = []
            if pulses:  # the pulse runs over the state before (the app reveals at the landing)
                self._show_state(p)
                segs = ov.pulse_segments(kind, layer)
            if segs:
                ov.pulse.colour = ov.theme.pulse
                ov.pulse.dot = max(5.0, ov.font_px * 0.45)
                ov.pulse.set_segments(segs)
                ov.pulse.setVisible(True)
                for i in range(n_pulse):
                    t = (i + 1) / (n_pulse + 1)
                    ov.pulse.set_progress(0.5 - 0.5 * math.cos(math.pi * t))  # InOutSine
                    yield Frame(self.draw(), kind, f"pulse {kind} {layer}", 1, {})
                ov.pulse.setVisible(False)
            self._show_state(p + 1)
            yield Frame(self.draw(), _kind(st.state.phase), st.state.label, hold, self.texts())

    def count(self, steps: tuple[str, ...] = STEP_KINDS, fps: int = 10, pulses: bool = True) -> int:
        """How many frames :meth:`frames` yields (for a progress bar)."""
        L = self.stepper.n_layers
        n_pulse = max(1, round(PULSE_S * fps)) if pulses else 0
        kinds = ["forward"] * L + ["loss"] + ["backward"] * L + ["update"]
        # the update has no pulse (pulse_segments: the weights change where they are)
        return 1 + sum(1 + (n_pulse if k != "update" else 0) for k in kinds if k in steps)

    def _show_state(self, position: int) -> None:
        """The stepper at ``position`` of its sequence, the overlay showing it."""
        st = self.stepper
        if st.position() != position:
            st.reset()
            while st.position() < position:
                st.advance()
        self.overlay.refresh()


def _centred(rect: QRectF, width: float, height: float) -> QRectF:
    out = QRectF(0, 0, width, height)
    out.moveCenter(rect.center())
    return out


def _transition(p: int, L: int) -> tuple[str, int]:
    """Which pulse leads from position p to p + 1 (the app's PassController._transition)."""
    from .passes.controller import PassController

    return PassController._transition(p, L)
