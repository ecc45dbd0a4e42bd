"""Neuron tiles: beside every hidden and output neuron, a small heat map of what it computes
over the input plane (2-D data), as TensorFlow Playground shows it, redrawn while training.

* The numbers come from :func:`bpstudio.model.neuron_tiles.tile_grid`: one batched forward
  pass of the engine over a grid in the data's range, at most ``SLOW_HZ`` times a second
  (the training controller's slow frame, which also follows edits while paused); images
  are ~24x24 pixels drawn scaled, so a frame costs well under a millisecond on 2-4-1.
* Each tile is a child item of its neuron (it moves with it, also while dragged) and a
  fixed obstacle of the label placement (``scene.extra_obstacles["tiles"]``): no weight
  label or pass badge is placed over it. While a pass is on screen the tiles step aside,
  as the bias labels and the layer handles do: its numbers need the room.
* A click on a tile shows that neuron large in the decision-boundary dock.
* View → Show Neuron Tiles (T); on by default for networks of at most ``TILES_UP_TO``
  neurons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QImage, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from ...model.graph import Change, ChangeKind
from ...model.neuron_tiles import TILE_RESOLUTION, TileGrid, tile_grid, tile_rgba
from ...model.stepper import IDLE
from .. import theme

if TYPE_CHECKING:
    from ..main_window import MainWindow

TILE = 52.0  # scene units per side (the neuron is 44 across): readable from the back row
GAP = 8.0  # between the neuron's circle (and its glyph) and the tile
TILES_UP_TO = 40  # neurons: a network this small shows its tiles when it opens
SHORTCUT = "T"


class TileItem(QGraphicsItem):
    """One neuron's heat map, right of its circle (a child of the NeuronItem)."""

    def __init__(self, neuron_id: str, parent: QGraphicsItem):
        super().__init__(parent)
        self.neuron_id = neuron_id
        self.image = QImage()
        # the pixels the image was made from (QImage does not copy them: kept alive here)
        self.rgba = np.zeros((1, 1, 4), np.uint8)
        self.setPos(theme.NEURON_RADIUS + GAP + TILE / 2, 0.0)
        self.setZValue(-1)  # under the neuron's own badges, over the edges (parent's z)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent, False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAcceptHoverEvents(True)

    def boundingRect(self) -> QRectF:
        return QRectF(-TILE / 2 - 1, -TILE / 2 - 1, TILE + 2, TILE + 2)

    def set_values(self, rgba) -> None:
        h, w = rgba.shape[:2]
        pixels = self.rgba = np.array(rgba, dtype=np.uint8, order="C")  # a copy of its own
        self.image = QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
        self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        r = QRectF(-TILE / 2, -TILE / 2, TILE, TILE)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if not self.image.isNull():
            painter.drawImage(r, self.image)
        pen = QPen(QColor(90, 90, 100), 1.2)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(r)


class NeuronTiles:
    """Keeps one tile per hidden/output neuron on the scene while tiles are on."""

    def __init__(self, window: MainWindow):
        self.window = window
        self.view = window.view
        self.scene = window.scene
        self.graph = window.graph
        tools = window.training_tools
        self.session = tools.session
        self.controller = tools.controller
        self.stepper = window.pass_tools.stepper
        self.tiles: dict[str, TileItem] = {}
        self.grid: TileGrid | None = None
        self.enabled = True
        self.refreshes = 0  # grids computed (the benchmark reads it)
        self._timer = QTimer(window)  # coalesces refreshes after bursts of edits
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        self.scene.rebuilding.connect(self._forget)
        self.controller.slow_frame.connect(self._slow_frame)
        tools.scrubber.shown.connect(lambda _shown: self._timer.start())  # the scrubbed epoch
        self.stepper.subscribe(self._pass_changed)
        self.graph.subscribe(self._on_change)
        self.view.gesture_hooks.append(self)
        self.action = QAction("Show Neuron &Tiles", window)
        self.action.setCheckable(True)
        self.action.setChecked(True)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        tip = "Beside each neuron, its output over the input plane (2-D data)"
        self.action.setStatusTip(tip)
        self.action.setToolTip(f"{tip} ({SHORTCUT})")
        self.action.toggled.connect(self.set_enabled)

    # ---------------------------------------------------------------- state
    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        self.refresh()

    def shown(self) -> bool:
        """Tiles are on, the data is 2-D and no pass is on screen."""
        return self.enabled and self.stepper.state.phase == IDLE and bool(self.tiles)

    def _forget(self) -> None:
        self.tiles = {}  # the scene deletes every item (their neurons too)
        self._set_obstacles()
        self._timer.start()

    def _on_change(self, ch: Change) -> None:
        if ch.kind == ChangeKind.RESET:
            show = len(self.graph.neurons) <= TILES_UP_TO
            if show != self.action.isChecked():
                self.action.setChecked(show)  # (refreshes)
        if ch.layout_only:
            return  # the tile moves with its neuron
        if ch.kind != ChangeKind.WEIGHTS_CHANGED:  # weights: the slow frame redraws (throttled)
            self._timer.start()

    def _pass_changed(self, state) -> None:
        if state.phase != IDLE and self.tiles:
            self.refresh()  # now: the pass's numbers are placed again at once, without them
        else:
            self._timer.start()

    def _slow_frame(self) -> None:
        if self.enabled and self.stepper.state.phase == IDLE:
            self.refresh()

    # ---------------------------------------------------------------- drawing
    def refresh(self) -> None:
        """Make, drop and repaint the tiles from the session's network (one forward pass)."""
        self._timer.stop()
        grid = None
        if self.enabled and self.stepper.state.phase == IDLE:
            if self.session.ensure():
                grid = tile_grid(self.session, TILE_RESOLUTION)
        self.grid = grid
        wanted = set(grid.values) if grid is not None else set()
        changed = False
        for nid, old in list(self.tiles.items()):
            parent = self.scene.neuron_item(nid)
            if (
                not shiboken6.isValid(old)
                or nid not in wanted
                or parent is None
                or old.parentItem() is not parent
            ):
                self._drop(nid)
                changed = True
        if grid is None:
            if changed:
                self._set_obstacles()
            return
        self.refreshes += 1
        ids = list(grid.values)
        ranges = np.array([grid.value_range(nid) for nid in ids]).reshape(-1, 2, 1, 1)
        images = tile_rgba(np.stack([grid.values[nid] for nid in ids]), ranges[:, 0], ranges[:, 1])
        for nid, rgba in zip(ids, images, strict=True):
            tile = self.tiles.get(nid)
            if tile is None:
                parent = self.scene.neuron_item(nid)
                if parent is None:
                    continue
                tile = TileItem(nid, parent)
                self.tiles[nid] = tile
                label = self.graph.neurons[nid].display_label
                tile.setToolTip(
                    f"{label}: its output over the input plane (x₁ across, x₂ up)."
                    " Click to see it large in the Decision boundary dock."
                )
                changed = True
            tile.set_values(rgba)
        if changed:
            self._set_obstacles()

    def _drop(self, nid: str) -> None:
        tile = self.tiles.pop(nid)
        if not shiboken6.isValid(tile):
            return  # deleted with its neuron
        if tile.scene() is not None:
            tile.scene().removeItem(tile)  # (which also takes it from its neuron)

    def _set_obstacles(self) -> None:
        self.scene.extra_obstacles["tiles"] = list(self.tiles.values())
        self.scene.labels_changed()

    def tile_at(self, pos: QPointF) -> TileItem | None:
        for item in self.scene.items(pos):
            if isinstance(item, TileItem):
                return item
        return None

    # ---------------------------------------------------------------- clicks (view hooks)
    def press(self, event, pos: QPointF) -> bool:
        tile = self.tile_at(pos)
        if tile is None:
            return False
        self.view.tool.cancel()
        self.show_large(tile.neuron_id)
        return True

    def move(self, event, pos: QPointF) -> bool:
        return False

    def release(self, event, pos: QPointF) -> bool:
        return False

    def show_large(self, nid: str) -> None:
        """The neuron's tile, large, in the decision-boundary dock (raised and shown)."""
        tools = self.window.training_tools
        dock = tools.docks.get("boundary")
        tools.boundary_plot.show_neuron(nid)
        if dock is not None:
            dock.show()
            dock.raise_()
        label = self.graph.neurons[nid].display_label if nid in self.graph.neurons else nid
        self.view.say(f"{label} over the input plane, in the Decision boundary dock")


def install_tiles(window: MainWindow) -> NeuronTiles:
    tiles = NeuronTiles(window)
    window.neuron_tiles = tiles
    window.menus["View"].addAction(tiles.action)
    window.action_by_name["tiles"] = tiles.action
    tiles.refresh()
    return tiles
