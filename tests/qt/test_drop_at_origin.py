"""A palette drop whose new neuron lands at the scene's origin (random user, seed 391683)."""

from __future__ import annotations

from design_helpers import DragPlayer

from bpstudio.model.graph import Graph


def test_a_layer_dropped_at_the_origin_beside_a_layer_previews_and_connects(
    make_window, monkeypatch
):
    """The preview drew each new edge from ``ghost_pos.get(id) or scene.neuron_item(id)``: a
    ghost at (0, 0) is a falsy QPointF, so it was looked up as an existing neuron (None) and
    the drag raised AttributeError in dragEnterEvent."""
    w = make_window(graph=Graph())
    player = DragPlayer(w, monkeypatch)
    w.design_palette.counts["input"].setValue(1)
    player.drag(w.design_palette.layer_tiles["input"], (-220, 0))
    w.design_palette.counts["hidden"].setValue(1)
    player.drag(w.design_palette.layer_tiles["hidden"], (0, 0))
    assert "fully connected from" in player.status_before_drop
    assert player.ghosts_before_drop >= 2  # the ghost neuron and its dashed edge
    hidden = [n for n in w.graph.neurons.values() if n.role == "hidden"]
    assert [(n.x, n.y) for n in hidden] == [(0.0, 0.0)]
    assert len(w.graph.edges) == 1
