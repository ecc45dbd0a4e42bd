"""An SVG export looks like the PNG export when a real SVG renderer draws it (librsvg).

Hand-outs are opened in browsers, Inkscape and slide tools, not in Qt. The activation glyphs
were drawn with a cosmetic pen under a scaled painter, which Qt writes as SVG's
non-scaling-stroke: librsvg ignores it and drew each glyph as a filled blob.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from PySide6.QtGui import QImage

from bpstudio.model.graph import Edge, Graph, Neuron
from bpstudio.qt.canvas.legend import SIZE as LEGEND_SIZE
from bpstudio.qt.render import PNG_SCALE, render_to_file

pytestmark = pytest.mark.skipif(
    shutil.which("rsvg-convert") is None,
    reason="rsvg-convert is not installed (Debian: apt install librsvg2-bin)",
)


def gray(path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, : image.width()].astype(float)


def shapes_only_network() -> Graph:
    """One neuron per activation with a glyph, no text on the canvas (labels blank, weights
    unset): what differs between two renderers' fonts does not hide what differs in shapes."""
    g = Graph("glyphs")
    g.add_neuron(Neuron("x", "input", label=" ", x=0.0, y=0.0))
    for k, act in enumerate(("sigmoid", "tanh", "relu", "elu", "softplus", "identity")):
        g.add_neuron(Neuron(f"h{k}", "hidden", activation=act, label=" ", x=200.0, y=90.0 * k))
        g.add_edge(Edge(f"w{k}", "x", f"h{k}", weight=None))
    return g


def test_svg_drawn_by_librsvg_matches_the_png(tmp_path, qapp):
    g = shapes_only_network()
    png, svg = tmp_path / "net.png", tmp_path / "net.svg"
    render_to_file(g, png)
    render_to_file(g, svg)
    ours = gray(png)
    h, w = ours.shape
    raster = tmp_path / "rsvg.png"
    subprocess.run(["rsvg-convert", "-w", str(w), "-h", str(h), str(svg), "-o", str(raster)],
                   check=True, timeout=60)  # fmt: skip
    theirs = gray(raster)
    assert theirs.shape == ours.shape
    # below the legend (its text is set by each renderer's own font engine)
    top = int((LEGEND_SIZE.height() + 40) * PNG_SCALE)
    a, b = ours[top:], theirs[top:]
    # compare 6x6-pixel blocks: anti-aliasing differs pixel by pixel, a blob fills whole blocks
    k = 6
    rows, cols = a.shape[0] // k * k, a.shape[1] // k * k
    blocks = lambda x: x[:rows, :cols].reshape(rows // k, k, cols // k, k).mean((1, 3))  # noqa: E731
    diff = np.abs(blocks(a) - blocks(b))
    assert diff.max() < 60, f"librsvg draws a shape differently (block difference {diff.max():.0f})"
    ink_ours, ink_theirs = (a < 128).sum(), (b < 128).sum()
    assert 0.8 < ink_theirs / ink_ours < 1.25, (ink_ours, ink_theirs)
