"""The lecture layout (F5): the canvas alone, full screen, every number readable from the back.

What the room sees: the network filling the screen, high contrast, every number on the canvas
(weight labels, value badges, Δw, the loss badge) at least MIN_SCREEN_PX tall on screen, a
compact floating bar with the pass and training controls, and at most one plot, the one the
lecturer picks (View → Lecture Plot). Menus, toolbars, the status bar and every other dock are
hidden; F5 or Esc leaves, and everything changed on entry is put back.

The canvas zooms, so sizes are set in scene units from the view's scale: a number is
``font_px * scale`` screen pixels tall.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QFontMetricsF, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QGraphicsView,
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QToolBar,
    QToolButton,
)

from ...model.numfmt import fmt
from ..canvas.view import CanvasView
from ..docks import hide_stale_tab_bars_soon
from ..training import PLOTS as TRAINING_PLOTS
from ..training import TrainingTools
from .badge import overlay_font
from .colormap import HIGH_CONTRAST, NORMAL

MIN_SCREEN_PX = 24.0  # the smallest number on the canvas, in screen pixels (1280x720 projector)
TARGET_SCREEN_PX = 26.0  # aim a little above it
PANEL_PX = 20  # Explain / Matrices text, should the lecturer keep one of them
BAR_PT = 14  # the floating bar's buttons (smaller on a narrow screen)
PLOT_SHARE = 0.3  # of the screen's width for the one plot
MAX_STRETCH = 2.2  # a tall network is drawn up to this much wider in the lecture layout
MAX_STRETCH_NEURONS = 60  # (past this its numbers go to hover anyway: no stretch)
MAX_ZOOM = 2.5  # a small network is not blown up past this (neurons 110 px across)
MIN_FIT_SHARE = 0.25  # the scale never goes below this share of the bare network's fit
PLOTS = {p.key: p.title for p in TRAINING_PLOTS}  # the lecture plot: one of these, or none


class LectureBar(QFrame):
    """The floating controls at the bottom of the canvas: a few large buttons, nothing else.

    Each button triggers an action of the window (the same undo steps and checks as its menu
    entry and shortcut); its text is the short one given here, with the key to press.
    """

    def __init__(self, view: QGraphicsView, actions: list[tuple[QAction, str | None] | None]):
        super().__init__(view)
        self.view = view
        self.setObjectName("lecture_bar")
        self._style(BAR_PT)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 3, 6, 3)
        lay.setSpacing(2)
        self.buttons: dict[str, QToolButton] = {}
        for entry in actions:
            if entry is None:
                lay.addSpacing(14)
                continue
            act, label = entry
            b = QToolButton(self)
            b.setToolTip(act.toolTip())
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the canvas
            b.clicked.connect(act.trigger)
            act.changed.connect(lambda b=b, a=act, t=label: self._follow(b, a, t))
            self._follow(b, act, label)
            lay.addWidget(b)
            self.buttons[label or act.objectName() or act.text().replace("&", "")] = b
        self.hide()

    @staticmethod
    def _follow(button: QToolButton, act: QAction, label: str | None) -> None:
        """Enabled with its action; without a label of its own, its text too (Play ↔ Pause)."""
        button.setEnabled(act.isEnabled())
        button.setText(label or act.text().replace("&", ""))

    def _style(self, pt: float) -> None:
        self._pt = pt
        self.setStyleSheet(
            "#lecture_bar { background: rgba(255, 255, 255, 235); border: 2px solid #303030;"
            f" border-radius: 10px; }} QToolButton {{ font-size: {pt}pt; padding: 2px 8px; }}"
        )

    def place(self) -> None:
        """Bottom centre of the canvas; smaller text where the screen is narrow."""
        vp = self.view.viewport().geometry()
        pt = BAR_PT
        while True:
            if pt != self._pt:
                self._style(pt)
            self.adjustSize()
            if self.width() <= vp.width() - 24 or pt <= 8:
                break
            pt -= 1
        x = vp.left() + (vp.width() - self.width()) // 2
        self.move(QPoint(max(vp.left(), x), vp.bottom() - self.height() - 12))
        self.raise_()


class PresentationMode(QObject):
    """The lecture layout of one window (``tools.presentation``; the name is older)."""

    def __init__(
        self,
        window: QMainWindow,
        tools,
        view: QGraphicsView | None = None,
        training: TrainingTools | None = None,
    ):
        super().__init__(window)
        self.window = window
        self.tools = tools
        self.view = view
        self.training = training  # its plot docks and Play/Step (None: a window without)
        self.active = False
        self.plot: str | None = None  # PLOTS key of the one plot shown, or None
        self.kept: set[str] = set()  # objectNames of other docks kept (Explain, Matrices…)
        self._saved: dict = {}
        self.action = QAction("&Lecture Layout", self)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.action.setToolTip("Lecture layout: the canvas alone, full screen, large numbers (F5)")
        self.action.toggled.connect(self.set_active)
        self.leave_action = QAction("Leave Lecture Layout", self)
        self.leave_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.leave_action.setEnabled(False)  # Esc keeps its usual meanings outside the layout
        self.leave_action.triggered.connect(lambda: self.set_active(False))
        window.addAction(self.leave_action)
        self.keep_menu = QMenu("Lecture &Plot")
        self.keep_menu.aboutToShow.connect(self._fill_keep_menu)
        self.bar: LectureBar | None = None
        if view is not None:
            view.installEventFilter(self)  # going full screen resizes the canvas later

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if self.active and obj is self.view and event.type() == QEvent.Type.Resize:
            # the filter runs before the view lays out its viewport: place and fit after it
            QTimer.singleShot(0, self, self._relayout)
        return False

    def _relayout(self) -> None:
        if self.active:
            if self.bar is not None:
                self.bar.place()
            self.fit()

    # ----------------------------------------------------------------- what is shown
    def docks(self) -> list[QDockWidget]:
        return self.window.findChildren(QDockWidget)

    def plot_docks(self) -> dict[str, QDockWidget]:
        docks = self.training.docks if self.training is not None else {}
        return {k: docks[k] for k in PLOTS if k in docks}

    def _fill_keep_menu(self) -> None:
        self.keep_menu.clear()
        group = QActionGroup(self.keep_menu)
        for key, title in [(None, "No Plot"), *PLOTS.items()]:
            if key is not None and key not in self.plot_docks():
                continue
            act = self.keep_menu.addAction(title)
            act.setCheckable(True)
            act.setChecked(self.plot == key)
            group.addAction(act)
            act.triggered.connect(lambda _=False, k=key: self.set_plot(k))

    def set_plot(self, key: str | None) -> None:
        """The one plot beside the canvas in the lecture layout (None: the canvas alone)."""
        self.plot = key
        if self.active:
            self._show_docks()

    def keep(self, name: str, on: bool = True) -> None:
        """Keep a dock that is not a plot (by objectName), e.g. Explain for a derivation."""
        (self.kept.add if on else self.kept.discard)(name)
        if self.active:
            self._show_docks()

    def _show_docks(self) -> None:
        plots = self.plot_docks()
        shown = [plots[self.plot]] if self.plot in plots else []
        for dock in self.docks():
            if dock.objectName() in self.kept and dock not in shown:
                shown.append(dock)
        for dock in self.docks():
            dock.setVisible(dock in shown)
        side = [d for d in shown if not d.isFloating()]
        if side:
            share = int(self.window.width() * PLOT_SHARE / len(side))
            self.window.resizeDocks(side, [share] * len(side), Qt.Orientation.Horizontal)
        self.fit()

    def _bar_actions(self) -> list[tuple[QAction, str | None] | None]:
        a = self.tools.controller.actions
        acts: list[tuple[QAction, str | None] | None] = [
            (a["forward"], "Forward F6"),
            (a["backward"], "Backward F7"),
            (a["update"], "Update F8"),
            (a["reset"], "Reset"),
        ]
        training = self.training
        if training is not None:
            acts += [None, (training.actions["play"], None), (training.actions["step"], "Epoch")]
        return [*acts, None, (self.leave_action, "Exit Esc")]

    # ----------------------------------------------------------------- enter / leave
    def set_active(self, on: bool) -> None:
        if on == self.active:
            return
        if on:
            self.enter()
        else:
            self.leave()
        if self.action.isChecked() != on:
            self.action.blockSignals(True)
            self.action.setChecked(on)
            self.action.blockSignals(False)

    def enter(self, full_screen: bool = True) -> None:
        w, t = self.window, self.tools
        bars = w.findChildren(QToolBar)
        self._saved = {
            "state": w.saveState(),
            "full": w.isFullScreen(),
            "maximized": w.isMaximized(),
            "geometry": w.saveGeometry(),
            "docks": {d: d.isVisible() for d in self.docks()},
            "bars": {b: b.isVisible() for b in bars},
            "menu": w.menuBar().isVisible(),
            "status": w.statusBar().isVisible() if w.statusBar() else False,
            "overlay_px": t.overlay.font_px,
            "explain_px": t.explain.font_px,
            "matrix_px": t.matrix.font_px,
            "transform": self.view.transform() if self.view is not None else None,
        }
        self.active = True
        self.leave_action.setEnabled(True)
        w.menuBar().hide()
        w.statusBar().hide()
        for b in bars:
            b.hide()
        canvas = self.view if isinstance(self.view, CanvasView) else None  # (tests: a bare view)
        legend = canvas.legend if canvas is not None else None  # the overlay has its own key
        self._saved["legend"] = legend.isVisible() if legend is not None else None
        self._saved["auto_fit"] = canvas.auto_fit if canvas is not None else None
        if canvas is not None:
            canvas.auto_fit = False  # this layout fits the view itself (numbers included)
        if legend is not None:
            legend.hide()
        t.overlay.set_theme(HIGH_CONTRAST)
        t.explain.set_font_px(PANEL_PX)
        t.matrix.set_font_px(PANEL_PX - 2)
        if full_screen:
            w.showFullScreen()
        if self.view is not None:
            if self.bar is None:
                self.bar = LectureBar(self.view, self._bar_actions())
            self.bar.show()
            self.bar.place()
        self._show_docks()  # fits the network too

    def _reserved_bottom(self) -> int:
        """Screen pixels the floating bar covers at the bottom of the canvas."""
        return self.bar.height() + 24 if self.bar is not None and self.bar.isVisible() else 0

    def fit(self) -> None:
        """The network fills the canvas above the bar, with a ring of label-sized room around
        it for the numbers; every number >= 24 px and inside the screen.

        The scale comes from the network and the numbers' screen size alone, not from where
        the numbers happen to sit, so it is the same at every step of the pass (the network
        does not jump while the lecturer steps) and cannot spiral: numbers sized in screen
        pixels, fitted by their scene extent, would shrink the scale, grow in scene units,
        and so on (a random-user run once spent minutes there)."""
        t = self.tools
        if self.view is None:
            t.overlay.set_font_px(TARGET_SCREEN_PX)
            return
        scene = t.overlay.scene
        vp = self.view.viewport().rect()
        vp.setBottom(vp.bottom() - self._reserved_bottom())
        left, top, right, bottom = self._label_room(t.overlay.decimals)
        scene.set_view_stretch(1.0)  # measure the document's own shape
        bare = scene.network_rect()
        if not bare.isValid() or bare.width() <= 0 or bare.height() <= 0 or vp.height() <= 0:
            return
        if len(t.overlay.graph.neurons) <= MAX_STRETCH_NEURONS:
            # a network taller than the room's shape is spread sideways (on screen only), so
            # its edges are long enough to carry their numbers beside them
            room_w, room_h = vp.width() - left - right, vp.height() - top - bottom
            if room_w > 0 and room_h > 0 and bare.width() > 0:
                k = (room_w / room_h) * bare.height() / bare.width()
                scene.set_view_stretch(min(max(k, 1.0), MAX_STRETCH))
                bare = scene.network_rect()
        bare_fit = min(vp.width() / bare.width(), vp.height() / bare.height())
        room = min(
            (vp.width() - left - right) / bare.width(), (vp.height() - top - bottom) / bare.height()
        )
        # a small network is not blown up past MAX_ZOOM (its neurons would dwarf the numbers);
        # a wide one keeps at least MIN_FIT_SHARE of its bare fit (its numbers then lead or
        # go to hover rather than the network vanishing)
        scale = min(max(room, MIN_FIT_SHARE * bare_fit), MAX_ZOOM)
        # centre the network in the room left between the margins (the loss sits right)
        dx = (right - left) / 2.0 / scale
        dy = (bottom - top) / 2.0 / scale
        self.view.resetTransform()
        self.view.scale(scale, scale)
        self.view.centerOn(bare.center() + QPointF(dx, dy) + self._bar_offset(scale))
        shown = self.view.mapToScene(vp.adjusted(4, 4, -4, -4)).boundingRect()
        scene.label_bounds = shown  # no number past the edge of the picture
        self._size_numbers(scale)
        scene.labels_changed()

    def _label_room(self, decimals: int) -> tuple[float, float, float, float]:
        """Screen pixels kept free left, above, right and below the network: a neuron's
        three-row badge beside the outermost neurons, and right of the outputs their ŷ / y
        badge and the loss (sized for the numbers the Decimals setting writes)."""
        fm = QFontMetricsF(overlay_font(TARGET_SCREEN_PX))
        line = fm.height()
        pad = line * 0.7  # the badge's padding, both sides
        number = fmt(-0.5, decimals).replace("5", "0")  # as wide as a typical value
        badge_w = fm.horizontalAdvance(f"∂L/∂z = {number}") + pad
        badge_h = 3 * line + line * 0.24
        yhat_w = fm.horizontalAdvance(f"ŷ = {number}") + pad
        lm = QFontMetricsF(overlay_font(TARGET_SCREEN_PX * 1.15))
        loss_w = lm.horizontalAdvance(f"L = {number}") + pad
        gap = line * 0.5
        left = fm.horizontalAdvance(f"x = {number}") + pad + gap
        right = max(badge_w, yhat_w + loss_w + 4 * gap) + 3 * gap
        return left, badge_h + gap, right, badge_h + gap

    def _bar_offset(self, scale: float) -> QPointF:
        return QPointF(0.0, self._reserved_bottom() / 2.0 / scale)

    def _size_numbers(self, scale: float) -> None:
        px = TARGET_SCREEN_PX / scale
        self.tools.overlay.set_font_px(max(px, MIN_SCREEN_PX / scale * 1.001))
        self.tools.overlay.scene.set_label_px(px)  # the editor's weight labels

    def screen_px(self) -> float:
        """How tall the overlay's numbers are on screen now (pixels)."""
        scale = self.view.transform().m11() if self.view is not None else 1.0
        return self.tools.overlay.font_px * scale

    def weight_label_screen_px(self) -> float | None:
        """How tall the editor's weight labels are on screen (None: no view)."""
        if self.view is None:
            return None
        font = self.tools.overlay.scene.label_font()
        px = font.pixelSize() if font.pixelSize() > 0 else font.pointSizeF() * 96 / 72
        return px * self.view.transform().m11()

    def leave(self) -> None:
        s, w, t = self._saved, self.window, self.tools
        self.active = False
        self.leave_action.setEnabled(False)
        if self.bar is not None:
            self.bar.hide()
        if not s:
            return
        scene = t.overlay.scene
        scene.set_label_px(None)
        scene.label_bounds = None
        scene.set_view_stretch(1.0)
        scene.labels_changed()
        t.overlay.theme = NORMAL
        t.overlay.legend.theme = NORMAL
        t.overlay.set_font_px(s["overlay_px"])
        t.explain.set_font_px(s["explain_px"])
        t.matrix.set_font_px(s["matrix_px"])
        if not s["full"]:
            w.showNormal()
            if s["maximized"]:
                w.showMaximized()
            w.restoreGeometry(s["geometry"])
        w.menuBar().setVisible(s["menu"])
        w.statusBar().setVisible(s["status"])
        for bar, vis in s["bars"].items():
            bar.setVisible(vis)
        w.restoreState(s["state"])
        for dock, vis in s["docks"].items():
            dock.setVisible(vis)
        hide_stale_tab_bars_soon(w)  # restoreState can leave Qt's old tab bars showing
        if isinstance(self.view, CanvasView) and s.get("legend") is not None:
            self.view.legend.setVisible(s["legend"])
        if self.view is not None and s["transform"] is not None:
            self.view.setTransform(s["transform"])
        if isinstance(self.view, CanvasView) and s.get("auto_fit") is not None:
            self.view.auto_fit = s["auto_fit"]
        self._saved = {}
