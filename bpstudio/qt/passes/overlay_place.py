"""Where the pass overlay's badges go: asked of the label placement with the editor's labels.

Every badge of a refresh only says where it would like to be (spots around its neuron, along
its edge, beside the outputs), with a priority; :meth:`OverlayPlacement._place_badges`
places them all at once with the canvas's weight labels (model/label_placement.py), and
:meth:`~OverlayPlacement._apply_placement` moves them there (a leader line when no spot near
was free; hidden, for the hover tips, when none was).
"""

from __future__ import annotations

import math

import shiboken6
from PySide6.QtCore import QPointF, QRectF

from ...model.label_placement import Disc, Label, Placement, around_disc
from .badge import CENTER, ValueBadge
from .fill_disc import circle_rect
from .overlay_base import OverlayBase

# label placement: what the student reads first wins the room (the editor's weight labels: 0)
P_LOSS, P_OUTPUT, P_NEURON, P_EDGE = 50.0, 40.0, 30.0, 20.0
P_LEGEND = 1.0  # below every number (the editor's weight labels are lower still)
LEGEND_KEY = ("legend",)
CLEARANCE = 6.0  # around a neuron's circle: its activation glyph and warning badge
EDGE_BADGE_FRACTIONS = (0.6, 0.5, 0.7, 0.4, 0.78, 0.32, 0.86, 0.24)


class OverlayPlacement(OverlayBase):
    """The overlay's badges and legend, placed with the editor's labels."""

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
