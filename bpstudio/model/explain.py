"""Why every number of one pass is what it is: formulas with their numbers, gradients as paths.

No Qt. ``bpstudio report`` writes its documents from this module and the app's explain panel
shows the same objects, so the two never disagree.

Everything here reads a :class:`~bpstudio.model.trace.PassResult` (``run_pass``) and its
:class:`~bpstudio.model.compile.Compiled`; nothing is recomputed except products and sums that
are *shown* as products and sums. Conventions:

* ``sample`` is a column of the pass's batch (``0 .. len(result.samples) - 1``), not an index
  into the data set. Derivatives are those of that sample's own loss, as ``bpstudio trace``
  reports them; for a one-sample pass they are the engine's gradients (``result.edge_grad``),
  for a batch the engine's gradient is their mean over the batch.
* Every displayed object carries a Unicode ``name`` (``σ′(z_h1)``) and a LaTeX ``symbol``
  (``\\sigma'(z_{\\text{h1}})``); values are full-precision floats. :func:`fmt`
  (:mod:`bpstudio.model.numfmt`) is the one rounding rule for display.

The path view (:func:`weight_paths`, :func:`bias_paths`): a parameter's gradient is the sum
over every directed path from the parameter's neuron to the loss of the product of the
chain-rule factors along it::

    ∂L/∂w(s→t) = a_s × Σ_paths Π(factors)

A path leaves t, follows edges (factor: the edge's weight, then the next neuron's f′(z)) and
ends at an output o; the last factor is ∂L/∂ŷ_o. A softmax output o_j fans out to every member
o_i of its group through the Jacobian entry ∂a_i/∂z_j (cross terms included), so one softmax
output with K members closes K paths. Enumeration stops at ``cap`` paths (default
:data:`PATH_CAP`); ``PathSum.n_paths`` is still the exact count and ``PathSum.capped`` says the
listed sum is partial. When not capped the sum of the products equals the engine's value up to
float rounding.

Its data classes live in :mod:`~bpstudio.model.explain_types`, the shared lookups in
:mod:`~bpstudio.model.explain_context` and the path enumeration in
:mod:`~bpstudio.model.explain_paths`; this module is the one the report, the Explain panel and
the tests read (``explain.X``), so it names them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import activations as act
from ..core import losses
from ..core.settings import TrainingSettings, settings_of
from .compile import Compiled
from .explain_context import edge_endpoints, pass_context
from .explain_paths import PATH_CAP, bias_paths, weight_paths
from .explain_types import (
    PENALTY_FORMULA,
    PENALTY_SCOPE,
    EdgeExplanation,
    Factor,
    LossExplanation,
    NeuronExplanation,
    Path,
    PathSum,
    PenaltyTerm,
    Term,
    UpdateExplanation,
)
from .numfmt import fmt, fmt_places, update_places  # the display rule (re-exported)
from .tex import tex_id
from .trace import PassResult

__all__ = [
    "PATH_CAP",
    "PENALTY_FORMULA",
    "PENALTY_SCOPE",
    "EdgeExplanation",
    "Factor",
    "LossExplanation",
    "NeuronExplanation",
    "Path",
    "PathSum",
    "PenaltyTerm",
    "Term",
    "UpdateExplanation",
    "bias_paths",
    "edge_endpoints",
    "edge_explanation",
    "fmt",
    "fmt_places",
    "loss_explanation",
    "neuron_explanation",
    "penalty_term",
    "update_places",
    "weight_paths",
]


# --------------------------------------------------------------------------- neurons
def _formulas(name: str | None) -> tuple[str | None, str | None]:
    if name is None:
        return None, None
    a = act.entry(name)
    return a.formula, a.derivative_formula


def neuron_explanation(
    compiled: Compiled, result: PassResult, neuron_id: str, sample: int = 0
) -> NeuronExplanation:
    """z, a, ∂L/∂a, ∂L/∂z of one neuron with every term of every sum (see the class)."""
    ctx = pass_context(compiled, result, sample)
    c = compiled
    name = ctx.activation(neuron_id)
    formula, dformula = _formulas(name)
    role = (
        "input"
        if neuron_id in c.input_ids
        else "bias"
        if neuron_id in c.bias_unit_ids
        else "output"
        if neuron_id in c.output_ids
        else "hidden"
    )
    base: dict[str, Any] = dict(
        neuron=neuron_id,
        role=role,
        layer=int(c.layer_of[neuron_id]),
        activation=name,
        activation_formula=formula,
        derivative_formula=dformula,
        a=ctx.val("a", neuron_id),
        softmax_group=list(ctx.softmax_group) if name == act.SOFTMAX else [],
    )
    if ctx.is_source_unit(neuron_id):
        return NeuronExplanation(
            **base,
            terms=[],
            bias=None,
            bias_trainable=False,
            z=None,
            fprime=None,
            dL_da=None,
            dL_da_terms=[],
            loss_derivative=None,
            jacobian_terms=[],
            dL_dz=None,
            fused_dL_dz=None,
            dL_db=None,
            reaches_loss=ctx.n_paths(neuron_id) > 0,
        )
    terms = []
    for eid in ctx.in_edges[neuron_id]:
        s = ctx.ends[eid][0]
        w, a = ctx.weight(eid), ctx.val("a", s)
        an, asym = ctx.a_name(s)
        terms.append(Term(eid, s, w, a, w * a, eid, an, tex_id(eid), asym))
    bias = float(result.trace.params[c.bias_param[neuron_id]])
    upd = c.net.update_mask
    bias_trainable = upd is None or bool(upd[c.bias_param[neuron_id]])
    dterms = []
    for eid in ctx.out_edges[neuron_id]:
        t = ctx.ends[eid][1]
        w, d = ctx.weight(eid), ctx.val("dL_dz", t)
        dn = f"∂L/∂z_{t}"
        ds = rf"\frac{{\partial L}}{{\partial z_{{{tex_id(t)}}}}}"
        dterms.append(Term(eid, t, w, d, w * d, eid, dn, tex_id(eid), ds))
    is_out = neuron_id in c.output_ids
    jterms = []
    fused = None
    if name == act.SOFTMAX:
        for j in ctx.softmax_group:
            f = ctx.factor_jac(j, neuron_id)
            g = ctx.val("dL_da", j)
            gn, gs = ctx.yhat_name(j)
            jterms.append(Term(None, j, g, f.value, g * f.value, gn, f.name, gs, f.symbol))
    if c.net.fused and is_out:
        fused = ctx.val("dL_dz", neuron_id)
    return NeuronExplanation(
        **base,
        terms=terms,
        bias=bias,
        bias_trainable=bias_trainable,
        z=ctx.val("z", neuron_id),
        fprime=None if name == act.SOFTMAX else ctx.fprime(neuron_id),
        dL_da=ctx.val("dL_da", neuron_id),
        dL_da_terms=dterms,
        loss_derivative=ctx.val("dL_da", neuron_id) if is_out else None,
        jacobian_terms=jterms,
        dL_dz=ctx.val("dL_dz", neuron_id),
        fused_dL_dz=fused,
        dL_db=ctx.val("dL_dz", neuron_id),
        reaches_loss=ctx.n_paths(neuron_id) > 0,
    )


def loss_explanation(compiled: Compiled, result: PassResult, sample: int = 0) -> LossExplanation:
    """The loss of one sample, its formula and ∂L/∂ŷ per output."""
    ctx = pass_context(compiled, result, sample)
    loss = losses.LOSSES[compiled.net.loss_name]
    outs = compiled.output_ids
    return LossExplanation(
        name=loss.name,
        formula=loss.formula,
        derivative_formula=loss.derivative_formula,
        outputs=list(outs),
        yhat=[ctx.val("a", o) for o in outs],
        y=[float(v) for v in result.Y[ctx.k]],
        value=float(result.trace.sample_loss[ctx.k]),
        dL_dyhat=[ctx.val("dL_da", o) for o in outs],
        fused=bool(compiled.net.fused),
    )


def edge_explanation(
    compiled: Compiled,
    result: PassResult,
    edge_id: str,
    sample: int = 0,
    training: TrainingSettings | Mapping[str, Any] | None = None,
    with_paths: bool = False,
    cap: int = PATH_CAP,
) -> EdgeExplanation:
    """∂L/∂w = ∂L/∂z_t · a_s for one sample, and the pass's update of the weight.

    ``training`` is the file's training dict or settings (optimizer name and learning rate
    for the update; None: those the pass used). ``with_paths`` also fills ``paths``.
    """
    ctx = pass_context(compiled, result, sample)
    s, t = ctx.ends[edge_id]
    update = _update_of(
        compiled, result, int(compiled.edge_param[ctx.edge_index[edge_id]]), training
    )
    a_s, d_t = ctx.val("a", s), ctx.val("dL_dz", t)
    return EdgeExplanation(
        edge=edge_id,
        source=s,
        target=t,
        weight=ctx.weight(edge_id),
        a_source=a_s,
        dL_dz_target=d_t,
        grad=d_t * a_s,
        update=update,
        paths=weight_paths(compiled, result, edge_id, sample, cap) if with_paths else None,
        penalty=penalty_term(compiled, result, edge_id),
    )


def penalty_term(compiled: Compiled, result: PassResult, edge_id: str) -> PenaltyTerm | None:
    """The regularisation term of an edge's gradient in this pass (None: not regularised, or
    the weight is frozen). λ₁ and λ₂ are those the pass used (``result.training``)."""
    if not result.regularised:
        return None
    p = int(compiled.edge_param[compiled.edge_index[edge_id]])
    upd = compiled.net.update_mask
    if upd is not None and not upd[p]:
        return None
    t = result.trace
    s = result.training
    return PenaltyTerm(
        l1=s.l1,
        l2=s.l2,
        weight=float(t.params[p]),
        data_grad=float(t.loss_grads[p]),
        grad=float(t.grads[p]),
    )


def bias_update(
    compiled: Compiled,
    result: PassResult,
    neuron_id: str,
    training: TrainingSettings | Mapping[str, Any] | None = None,
) -> UpdateExplanation:
    """The pass's update of one neuron's bias."""
    return _update_of(compiled, result, compiled.bias_param[neuron_id], training)


def _update_of(
    compiled: Compiled,
    result: PassResult,
    p: int,
    training: TrainingSettings | Mapping[str, Any] | None,
) -> UpdateExplanation:
    """Old value, gradient and new value of flat parameter p after the pass's optimizer step."""
    upd = compiled.net.update_mask
    settings = result.training if training is None else settings_of(training)
    return UpdateExplanation(
        optimizer=settings.optimizer,
        learning_rate=settings.learning_rate,
        old=float(result.trace.params[p]),
        grad=float(result.shown.grads[p]),
        new=float(result.updated_params[p]),
        trainable=upd is None or bool(upd[p]),
    )
