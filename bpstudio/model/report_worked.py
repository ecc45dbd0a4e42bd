"""What the worked example's sections read: the document, the network, its one-sample pass,
and each hidden or output neuron's explanation as a :class:`Unit` (explain's
NeuronExplanation with the numbers such a neuron always has typed as present)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..core import activations as act
from . import explain as ex
from .compile import Compiled
from .graph import Graph
from .report_doc import Doc
from .report_style import Style
from .trace import PassResult


@dataclass(frozen=True)
class Unit:
    """A hidden or output neuron's explanation (explain.NeuronExplanation leaves these
    numbers Optional because input and bias units have none)."""

    neuron: str
    activation: str
    derivative_formula: str  # "" for softmax: its derivative is the Jacobian's terms
    terms: list[ex.Term]
    bias: float
    z: float
    a: float
    fprime: float  # nan for softmax (see derivative_formula)
    softmax_group: list[str]
    dL_da: float
    dL_da_terms: list[ex.Term]
    jacobian_terms: list[ex.Term]
    dL_dz: float
    fused_dL_dz: float | None
    dL_db: float
    reaches_loss: bool


def unit(e: ex.NeuronExplanation) -> Unit:
    assert e.activation is not None and e.bias is not None and e.z is not None
    assert e.dL_da is not None and e.dL_dz is not None and e.dL_db is not None
    softmax = e.activation == act.SOFTMAX
    assert softmax or (e.fprime is not None and e.derivative_formula is not None)
    return Unit(
        neuron=e.neuron,
        activation=e.activation,
        derivative_formula=e.derivative_formula or "",
        terms=e.terms,
        bias=e.bias,
        z=e.z,
        a=e.a,
        fprime=math.nan if e.fprime is None else e.fprime,
        softmax_group=e.softmax_group,
        dL_da=e.dL_da,
        dL_da_terms=e.dL_da_terms,
        jacobian_terms=e.jacobian_terms,
        dL_dz=e.dL_dz,
        fused_dL_dz=e.fused_dL_dz,
        dL_db=e.dL_db,
        reaches_loss=e.reaches_loss,
    )


def edge_of(t: ex.Term) -> str:
    """The edge of a forward or backward term (only a softmax Jacobian term has none)."""
    assert t.edge is not None
    return t.edge


@dataclass
class Worked:
    """What every section reads: the document, the network and its one-sample pass."""

    doc: Doc
    graph: Graph
    c: Compiled
    r: PassResult
    le: ex.LossExplanation
    explained: dict[str, ex.NeuronExplanation]  # every neuron
    units: dict[str, Unit]  # the hidden and output neurons

    @property
    def s(self) -> Style:
        return self.doc.s


def worked(doc: Doc, graph: Graph, c: Compiled, r: PassResult) -> Worked:
    explained = {nid: ex.neuron_explanation(c, r, nid, 0) for nid in c.neuron_ids}
    units = {nid: unit(explained[nid]) for lay in c.layers[1:] for nid in lay}
    return Worked(doc, graph, c, r, ex.loss_explanation(c, r, 0), explained, units)
