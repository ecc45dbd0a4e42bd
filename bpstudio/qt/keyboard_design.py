"""Keyboard design: N adds a neuron in the next column, connected; Tab cycles the neurons.

With neurons selected, N (Network → Add Neuron in Next Column) adds one neuron one column
spacing right of them, fed by each of them: into the column already there (below its last
neuron, with that column's role), or as a new hidden column. The new neuron is selected, so
N, N, N draws a chain and Shift+click then N fans in. Tab / Shift+Tab on the canvas select
the next / previous neuron, column by column, top to bottom.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

from ..model.graph import Graph
from ..model.templates import COLUMN, ROW
from .commands import AddItemsCommand
from .layers import COLUMN_TOLERANCE, column_x, columns, make_layer


def next_neuron_command(graph: Graph, selected: list[str]):
    """(command, None) or (None, why not)."""
    sources = [i for i in selected if i in graph.neurons and graph.neurons[i].role != "output"]
    if not sources:
        if selected:
            return None, "An output neuron has no next column: select a hidden or input neuron"
        return None, "Select a neuron first: N adds one in the next column, connected to it"
    x = max(graph.neurons[i].x or 0.0 for i in sources) + COLUMN
    nxt = next((c for c in columns(graph) if abs(column_x(graph, c) - x) <= COLUMN_TOLERANCE), None)
    if nxt is not None:
        roles = [graph.neurons[i].role for i in nxt if graph.neurons[i].has_activation]
        role = "output" if roles and all(r == "output" for r in roles) else "hidden"
        acts = [graph.neurons[i].activation for i in nxt if graph.neurons[i].has_activation]
        act = max(set(acts), key=acts.count) if acts else None
        x = column_x(graph, nxt)
        y = max(graph.neurons[i].y or 0.0 for i in nxt) + ROW
    else:
        role, act = "hidden", None
        y = sum(graph.neurons[i].y or 0.0 for i in sources) / len(sources)
    neurons, edges = make_layer(graph, 1, role, act, x, y, sources)
    n = neurons[0]
    return AddItemsCommand(
        graph, neurons, edges, f"Add {role} neuron {n.id} fed by {len(edges)}"
    ), None


def cycle_order(graph: Graph) -> list[str]:
    return [i for col in columns(graph) for i in col]


def next_in_cycle(graph: Graph, current: list[str], forward: bool = True) -> str | None:
    order = cycle_order(graph)
    if not order:
        return None
    if not current or current[-1] not in order:
        return order[0] if forward else order[-1]
    k = order.index(current[-1])
    return order[(k + (1 if forward else -1)) % len(order)]


def tab_hook(view):
    """A view key hook: Tab / Shift+Tab select the next / previous neuron."""

    def hook(event: QKeyEvent) -> bool:
        if event.key() not in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            return False
        if event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            return False  # Ctrl+Tab leaves the canvas as usual
        forward = event.key() == Qt.Key.Key_Tab and not (
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        )
        scene = view.scene()
        nid = next_in_cycle(view.graph, scene.selected_ids()[0], forward)
        if nid is None:
            return False  # nothing to cycle: Tab moves the focus on as usual
        scene.select_ids([nid])
        item = scene.neuron_item(nid)
        if item is not None:
            view.ensureVisible(item)
        n = view.graph.neurons[nid]
        view.say(f"{n.display_label} ({n.role}) selected · Tab: next · N: add a neuron after it")
        return True

    return hook
