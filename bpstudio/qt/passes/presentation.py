"""Presentation mode (F5): full screen, high contrast, big numbers, only the docks you keep.

The rule of thumb for a projected lecture is that a number must be at least 18 px tall on a
1080p screen to be read from the back row. The canvas zooms, so the overlay's font size is
set in scene units from the view's current scale: ``font_px * scale >= MIN_SCREEN_PX``.
Everything changed on entry is remembered and restored on exit.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QGraphicsView, QMainWindow, QMenu

from ..docks import hide_stale_tab_bars_soon
from .colormap import HIGH_CONTRAST, NORMAL

MIN_SCREEN_PX = 18.0
TARGET_SCREEN_PX = 22.0  # aim a little above the minimum
PANEL_PX = 20


class PresentationMode(QObject):
    def __init__(self, window: QMainWindow, tools, view: QGraphicsView | None = None):
        super().__init__(window)
        self.window = window
        self.tools = tools
        self.view = view
        self.active = False
        self.kept: set[str] = {"explain_dock"}  # objectNames of docks that stay visible
        self._saved: dict = {}
        self.action = QAction("Presentation mode", self)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.action.setToolTip("Presentation mode: full screen, large numbers, high contrast (F5)")
        self.action.toggled.connect(self.set_active)
        self.keep_menu = QMenu("Keep in presentation mode")
        self.keep_menu.aboutToShow.connect(self._fill_keep_menu)

    # ----------------------------------------------------------------- docks to keep
    def docks(self) -> list[QDockWidget]:
        return self.window.findChildren(QDockWidget)

    def _fill_keep_menu(self) -> None:
        self.keep_menu.clear()
        for dock in self.docks():
            name = dock.objectName() or dock.windowTitle()
            act = self.keep_menu.addAction(dock.windowTitle())
            act.setCheckable(True)
            act.setChecked(name in self.kept)
            act.toggled.connect(lambda on, n=name: self.keep(n, on))

    def keep(self, name: str, on: bool = True) -> None:
        (self.kept.add if on else self.kept.discard)(name)
        if self.active:
            for dock in self.docks():
                if (dock.objectName() or dock.windowTitle()) == name:
                    dock.setVisible(on)
            self._widen_docks()

    def _widen_docks(self) -> None:
        """Kept side docks get a readable share of the screen (the big font needs room)."""
        w = self.window
        side = [
            d
            for d in self.docks()
            if d.isVisible()
            and w.dockWidgetArea(d)
            in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)
        ]
        if side:
            share = int(w.width() * 0.42 / len(side))
            w.resizeDocks(side, [share] * len(side), Qt.Orientation.Horizontal)

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
        self._saved = {
            "state": w.saveState(),
            "full": w.isFullScreen(),
            "maximized": w.isMaximized(),
            "geometry": w.saveGeometry(),
            "docks": {d: d.isVisible() for d in self.docks()},
            "overlay_px": t.overlay.font_px,
            "explain_px": t.explain.font_px,
            "matrix_px": t.matrix.font_px,
            "transform": self.view.transform() if self.view is not None else None,
        }
        self.active = True
        for dock in self.docks():
            if (dock.objectName() or dock.windowTitle()) not in self.kept:
                dock.hide()
        scene = t.overlay.scene
        for name in ("set_presentation", "set_presentation_mode"):
            hook = getattr(scene, name, None)
            if hook is not None:
                hook(True)  # the editor's larger neurons and labels
                break
        legend = getattr(self.view, "legend", None)  # the editor's key: the overlay has its own
        self._saved["legend"] = legend.isVisible() if legend is not None else None
        if legend is not None:
            legend.hide()
        t.overlay.set_theme(HIGH_CONTRAST)
        t.explain.set_font_px(PANEL_PX)
        t.matrix.set_font_px(PANEL_PX - 2)
        if full_screen:
            w.showFullScreen()
        self._widen_docks()
        self.fit()

    def fit(self) -> None:
        """Fit the network in the view and size the numbers for the resulting scale."""
        t = self.tools
        if self.view is not None:
            rect = t.overlay.scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
            if rect.isValid():
                self.view.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
            scale = self.view.transform().m11() or 1.0
            t.overlay.set_font_px(max(TARGET_SCREEN_PX / scale, self._saved["overlay_px"]))
            # the badges grew: fit again so nothing is cut off, then re-check the size
            rect = t.overlay.scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
            self.view.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
            scale = self.view.transform().m11() or 1.0
            if t.overlay.font_px * scale < MIN_SCREEN_PX:
                t.overlay.set_font_px(MIN_SCREEN_PX / scale * 1.02)
        else:
            t.overlay.set_font_px(TARGET_SCREEN_PX)

    def screen_px(self) -> float:
        """How tall the overlay's numbers are on screen now (pixels)."""
        scale = self.view.transform().m11() if self.view is not None else 1.0
        return self.tools.overlay.font_px * scale

    def leave(self) -> None:
        s, w, t = self._saved, self.window, self.tools
        self.active = False
        if not s:
            return
        scene = t.overlay.scene
        for name in ("set_presentation", "set_presentation_mode"):
            hook = getattr(scene, name, None)
            if hook is not None:
                hook(False)
                break
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
        w.restoreState(s["state"])
        for dock, vis in s["docks"].items():
            dock.setVisible(vis)
        hide_stale_tab_bars_soon(w)  # restoreState can leave Qt's old tab bars showing
        legend = getattr(self.view, "legend", None)
        if legend is not None and s.get("legend") is not None:
            legend.setVisible(s["legend"])
        if self.view is not None and s["transform"] is not None:
            self.view.setTransform(s["transform"])
        self._saved = {}
