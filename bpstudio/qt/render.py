"""Headless drawing of the canvas for ``bpstudio render FILE -o OUT.png|OUT.svg``.

It builds the same NetworkScene the app shows, so the picture matches the screen. The
``overlay`` and ``sample`` parameters are the hook for forward/backward overlays: a renderer
registered in ``OVERLAYS`` gets the scene, graph and sample and draws on the scene
(qt/passes/overlay.py registers the pass overlay's forward and backward).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem

from ..model.atomic_write import atomic_write_bytes
from ..model.graph import Graph
from ..model.layout import fill_missing_positions
from .canvas.legend import SIZE as LEGEND_SIZE
from .canvas.legend import paint_legend
from .canvas.scene import NetworkScene

# name -> function(scene, graph, sample) that decorates the scene (added by overlay code)
OVERLAYS: dict[str, Callable[[NetworkScene, Graph, int], None]] = {"none": lambda *a: None}

from .passes.overlay import render_overlays  # noqa: E402  (forward/backward: the app's overlay code)

OVERLAYS.update(render_overlays())
MARGIN = 30.0
PNG_SCALE = 2.0  # crisp on slides and projectors
# A neuron dragged far away made a 30,000 x 18,000 PNG: 2 GB and half a minute to draw, and
# Qt (like most viewers) refuses to open images over 256 MB. Big canvases get a lower scale.
MAX_PNG_SIDE = 6000


def _ensure_app():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # servers, CI, ssh
        app = QApplication(sys.argv[:1])
    return app


def render_to_file(
    graph: Graph, path: str | os.PathLike, overlay: str = "none", sample: int = 0
) -> None:
    """Draw graph (with the legend) to a .png or .svg file."""
    _ensure_app()
    if overlay not in OVERLAYS:
        raise ValueError(f"unknown overlay {overlay!r}: choose from {', '.join(OVERLAYS)}")
    g = graph.copy()
    fill_missing_positions(g)
    scene = NetworkScene(g)
    OVERLAYS[overlay](scene, g, sample)
    scene.flush()
    scene.clearSelection()
    scene.show_grid = False
    for item in scene.items():
        # Cached pixmaps are blitted at screen size, ignoring the painter's scale: on a 2x PNG
        # the neurons came out twice as big as the edges that end at their rims.
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    net = scene.itemsBoundingRect()
    source = net.adjusted(-MARGIN, -MARGIN - LEGEND_SIZE.height() - 10, MARGIN, MARGIN)
    if source.width() < LEGEND_SIZE.width() + 2 * MARGIN:
        source.setWidth(LEGEND_SIZE.width() + 2 * MARGIN)
    path = Path(path)
    buffer = QBuffer()  # drawn in memory, then written atomically like every file bpstudio writes
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if path.suffix.lower() == ".svg":
        from PySide6.QtSvg import QSvgGenerator

        gen = QSvgGenerator()
        gen.setOutputDevice(buffer)
        gen.setSize(QSize(int(source.width()), int(source.height())))
        gen.setViewBox(QRectF(0, 0, source.width(), source.height()))
        gen.setTitle(g.name)
        painter = QPainter(gen)
        _paint(painter, scene, source, 1.0)
        painter.end()
    else:
        scale = min(PNG_SCALE, MAX_PNG_SIDE / max(source.width(), source.height()))
        image = QImage(
            int(source.width() * scale),
            int(source.height() * scale),
            QImage.Format.Format_ARGB32_Premultiplied,
        )
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        _paint(painter, scene, source, scale)
        painter.end()
        # the stubs say the format is bytes; the binding only accepts str at run time
        if not image.save(buffer, "PNG"):  # type: ignore[call-overload]
            raise OSError(f"cannot encode the image for {path}")
    g.unsubscribe(scene._on_change)
    atomic_write_bytes(path, buffer.data().data())


def _paint(painter: QPainter, scene: NetworkScene, source: QRectF, scale: float) -> None:
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    target = QRectF(0, 0, source.width() * scale, source.height() * scale)
    scene.render(painter, target, source)
    painter.save()
    painter.scale(scale, scale)
    paint_legend(painter, QPointF(10, 10))
    painter.restore()


def thumbnail(graph: Graph, size: QSize) -> QImage:
    """A small picture of the network alone (no legend, no grid), fitted into size."""
    g = graph.copy()
    fill_missing_positions(g)
    scene = NetworkScene(g)
    scene.flush()
    scene.show_grid = False
    for item in scene.items():
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)  # see render_to_file
    source = scene.itemsBoundingRect().adjusted(-10, -10, 10, 10)
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    scale = min(size.width() / source.width(), size.height() / source.height())
    w, h = source.width() * scale, source.height() * scale
    target = QRectF((size.width() - w) / 2, (size.height() - h) / 2, w, h)
    scene.render(painter, target, source)
    painter.end()
    g.unsubscribe(scene._on_change)
    return image
