"""The network as the grading rules see it: roles, edges, softmax group, paths. No numbers.

Built from the drawn :class:`~bpstudio.model.graph.Graph` alone (checking an answers file
needs no compiled network). :meth:`Shape.why_not` says why an answer's id does not fit the
network (an unknown id, z of an input, a ``via`` that is not a path), or None.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core import activations as act
from ..graph import Graph
from .answers import EDGE_QUANTITIES, Answer

# quantities a hidden or output neuron has (an input or bias unit has only a)
_HIDDEN_ONLY = ("z", "dL_da", "dL_dz", "dL_db", "da_dz", "updated_bias")


@dataclass
class Shape:
    role: dict[str, str]  # neuron id -> input/hidden/output/bias
    activation: dict[str, str]  # hidden/output neuron id -> canonical activation name
    ends: dict[str, tuple[str, str]]  # edge id -> (source, target)
    out_edges: dict[str, list[str]]  # neuron -> edges leaving it, file order
    in_edges: dict[str, list[str]]
    edge_of: dict[tuple[str, str], str]  # (source, target) -> edge id
    outputs: list[str]  # file order
    softmax: list[str]  # the softmax outputs, file order (one group)

    def is_softmax(self, nid: str) -> bool:
        return self.activation.get(nid) == act.SOFTMAX

    def has_z(self, nid: str) -> bool:
        return self.role.get(nid) in ("hidden", "output")

    # ------------------------------------------------------------------ paths
    def path_error(self, edge: str, via: tuple[str, ...]) -> str | None:
        """Why ``via`` is not a chain-rule path of ``edge`` to the loss (None if it is).

        A path leaves the edge's target along edges and ends at an output; through a softmax
        output o_j it may end at another member o_i of the group (the Jacobian entry
        ∂ŷ_i/∂z_j, no edge), as in model/explain.py, whose Path.neurons[1:] is ``via``.
        """
        nodes = [self.ends[edge][1], *via]
        for n in via:
            if n not in self.role:
                return f"via names {n!r}, which is not a neuron of the network"
        for k, (u, v) in enumerate(zip(nodes, nodes[1:], strict=False)):
            last = k == len(nodes) - 2
            if (u, v) in self.edge_of:
                continue
            if last and u in self.softmax and v in self.softmax and u != v:
                continue
            return (
                f"via {' '.join(via) or '(none)'} is not a path of the network: no edge {u} -> {v}"
            )
        if nodes[-1] not in self.outputs:
            return (
                f"via {' '.join(via) or '(none)'} is not a path to the loss: it ends at "
                f"{nodes[-1]!r}, not at an output"
            )
        return None

    def paths_of(self, edge: str) -> list[tuple[str, ...]]:
        """Every ``via`` of an edge, depth first in file order (explain.py's order)."""
        found: list[tuple[str, ...]] = []
        start = self.ends[edge][1]
        stack: list[tuple[str, tuple[str, ...]]] = [(start, ())]
        while stack:
            n, via = stack.pop()
            if n in self.outputs:
                if n in self.softmax:
                    found.extend(via + ((i,) if i != n else ()) for i in self.softmax)
                else:
                    found.append(via)
                continue
            nxt = [(self.ends[e][1], via + (self.ends[e][1],)) for e in self.out_edges[n]]
            stack.extend(reversed(nxt))
        return found

    # ------------------------------------------------------------------ checks
    def why_not(self, a: Answer) -> str | None:
        q, nid = a.quantity, a.id
        if q == "loss":
            return None
        assert nid is not None  # the parser requires an id for every other quantity
        if q in EDGE_QUANTITIES:
            if nid not in self.ends:
                if nid in self.role:
                    return f"{q} is of an edge, and {nid!r} is a neuron"
                return f"unknown id {nid!r}: the network has no edge {nid!r}"
            if q == "path":
                assert a.via is not None
                return self.path_error(nid, a.via)
            return None
        if nid not in self.role:
            if nid in self.ends:
                return f"{q} is of a neuron, and {nid!r} is an edge"
            return f"unknown id {nid!r}: the network has no neuron {nid!r}"
        role = self.role[nid]
        if q == "dyhat_dz":
            by = a.by
            if nid not in self.softmax:
                return f"dyhat_dz is of a softmax output, and {nid!r} is not one"
            if by not in self.softmax:
                return f"by {by!r} is not a softmax output of the network"
            return None
        if q in _HIDDEN_ONLY and role not in ("hidden", "output"):
            return f"{nid!r} is an {role} unit: it has no {q}"
        if q == "da_dz" and self.is_softmax(nid):
            return f"{nid!r} is a softmax output: give its Jacobian entries as dyhat_dz"
        return None


def shape_of(graph: Graph) -> Shape:
    role = {n.id: n.role for n in graph.neurons.values()}
    activation = {
        n.id: act.canonical(str(n.activation))
        for n in graph.neurons.values()
        if n.role in ("hidden", "output")
    }
    ends: dict[str, tuple[str, str]] = {}
    out_edges: dict[str, list[str]] = {nid: [] for nid in role}
    in_edges: dict[str, list[str]] = {nid: [] for nid in role}
    edge_of = {}
    for e in graph.edges.values():
        ends[e.id] = (e.source, e.target)
        out_edges[e.source].append(e.id)
        in_edges[e.target].append(e.id)
        edge_of[(e.source, e.target)] = e.id
    outputs = [n.id for n in graph.neurons.values() if n.role == "output"]
    return Shape(
        role=role,
        activation=activation,
        ends=ends,
        out_edges=out_edges,
        in_edges=in_edges,
        edge_of=edge_of,
        outputs=outputs,
        softmax=[o for o in outputs if activation.get(o) == act.SOFTMAX],
    )
