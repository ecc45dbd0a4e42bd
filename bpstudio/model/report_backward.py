"""The worked example's backward pass, from the loss back to the first layer: each neuron's
∂L/∂a (or ∂L/∂ŷ), its activation's derivative (a softmax's full Jacobian) and ∂L/∂z, with
the closed forms the engine uses and what float64 does where the product saturates."""

from __future__ import annotations

import sys

from ..core import activations as act
from .report_doc import Math
from .report_formulas import (
    deriv_substituted,
    deriv_symbolic,
    loss_derivative,
    loss_derivative_symbolic,
)
from .report_worked import Unit, Worked, edge_of


def backward(w: Worked) -> None:
    doc, s, c = w.doc, w.s, w.c
    M = Math
    doc.heading(2, "Backward pass")
    doc.para(
        "From the loss back to the first layer. An output's ∂L/∂z is ∂L/∂ŷ times its "
        "activation's derivative (a softmax output sums over its group with the full "
        "Jacobian); a hidden neuron's ∂L/∂a sums w·∂L/∂z over the edges leaving it."
    )
    for l in range(c.n_layers, 0, -1):
        label = "output layer" if all(n in c.output_ids for n in c.layers[l]) else ""
        doc.heading(3, f"Layer {l}" + (f" ({label})" if label else ""))
        for nid in c.layers[l]:
            e = w.units[nid]
            if nid not in c.output_ids and not e.reaches_loss:
                doc.para(
                    M(s.id(nid)),
                    " has no path to an output: it does not affect the loss, ",
                    M(s.d("z", nid) + " = 0"),
                    ".",
                )
                continue
            _dL_da(w, e)
            if e.activation == act.SOFTMAX:
                _softmax_dL_dz(w, e)
            else:
                _elementwise_dL_dz(w, e)


def _multi(w: Worked) -> bool:
    return len(w.c.output_ids) > 1


def _dL_da(w: Worked, e: Unit) -> None:
    """∂L/∂ŷ of an output (the loss's derivative), or a hidden neuron's ∂L/∂a."""
    doc, s, c, nid = w.doc, w.s, w.c, e.neuron
    if nid in c.output_ids:
        K = len(c.output_ids)
        k = c.output_ids.index(nid)
        loss_name = c.net.loss_name
        doc.eq(
            s.d("ŷ", nid if _multi(w) else None),
            loss_derivative_symbolic(s, loss_name, K),
            loss_derivative(s, loss_name, e.a, w.le.y[k], K),
            s.num(e.dL_da),
            key=("dL_da", nid, None),
        )
        return
    sym = [s.id(edge_of(t)) + s.dot + s.d("z", t.other) for t in e.dL_da_terms]
    nums = [s.par(t.weight) + s.times + s.par(t.value) for t in e.dL_da_terms]
    doc.eq(
        s.d("a", nid),
        (sym, s.plus),
        (nums, s.plus),
        s.num(e.dL_da),
        key=("dL_da", nid, None),
    )


def _softmax_dL_dz(w: Worked, e: Unit) -> None:
    """The Jacobian's entries, ∂L/∂z as the sum over the group, and CE's closed form."""
    doc, s, c, nid = w.doc, w.s, w.c, e.neuron
    M = Math
    multi = _multi(w)
    dz = s.d("z", nid)
    for t in e.jacobian_terms:
        j = t.other
        aj, ai = w.units[j].a, e.a
        if j == nid:
            form = s.num(aj) + s.times + "(1" + s.minus + s.num(ai) + ")"
        else:
            form = s.minus.strip() + "(" + s.num(aj) + s.times + s.num(ai) + ")"
        doc.eq(
            s.pick(t.value_name, t.value_symbol),
            form,
            s.num(t.value),
            key=("dyhat_dz", j, (nid,)),
        )
    sym = [
        s.d("ŷ", t.other if multi else None) + s.dot + s.pick(t.value_name, t.value_symbol)
        for t in e.jacobian_terms
    ]
    nums = [s.par(t.weight) + s.times + s.par(t.value) for t in e.jacobian_terms]
    doc.eq(dz, (sym, s.plus), (nums, s.plus), s.num(e.dL_dz), key=("dL_dz", nid, None))
    if e.fused_dL_dz is not None:
        k = c.output_ids.index(nid)
        ysum = float(sum(w.le.y))
        doc.para(
            "With cross-entropy this is the closed form the engine uses: ",
            M(
                dz
                + " = "
                + s.yhat(nid)
                + s.dot
                + s.sigma()
                + "y"
                + s.minus
                + s.y(nid)
                + " = "
                + s.num(e.a)
                + s.times
                + s.par(ysum)
                + s.minus
                + s.par(w.le.y[k])
                + " = "
                + s.num(e.fused_dL_dz)
            ),
            ".",
            key=("dL_dz", nid, None),
        )


def _elementwise_dL_dz(w: Worked, e: Unit) -> None:
    """f′(z), ∂L/∂z = ∂L/∂a · f′(z), where that product saturates, and BCE's closed form."""
    doc, s, c, nid = w.doc, w.s, w.c, e.neuron
    M = Math
    is_out = nid in c.output_ids
    dz = s.d("z", nid)
    yh = s.d("ŷ", nid if _multi(w) else None)
    dsym = deriv_symbolic(s, e.activation, nid)
    doc.eq(
        dsym,
        s.pick(e.derivative_formula, act.entry(e.activation).tex_derivative),
        *deriv_substituted(s, e.activation, e.z, e.a),
        s.num(e.fprime),
        key=("da_dz", nid, None),
    )
    first = yh if is_out else s.d("a", nid)
    doc.eq(
        dz,
        first + s.dot + dsym,
        s.par(e.dL_da) + s.times + s.par(e.fprime),
        s.num(e.dL_dz),
        key=("dL_dz", nid, None),
    )
    why: list = []
    if is_out and abs(e.dL_da) >= sys.float_info.max:
        why += [M(yh), " overflows float64 (the largest float64 stands in for it)"]
    if is_out and e.fprime == 0 and e.dL_dz != 0:
        why += [" and " if why else "", M(dsym), " rounds to 0"]
    if why:
        doc.para(
            "Saturated: ",
            *why,
            ", so the product above is not how ∂L/∂z is found: the engine "
            "computes it from z in log space, ",
            M(dz + " = " + s.num(e.dL_dz)),
            ", exactly.",
            key=("dL_dz", nid, None),
        )
    if e.fused_dL_dz is not None:
        k = c.output_ids.index(nid)
        doc.para(
            "With binary cross-entropy the engine uses the exact closed form ",
            M(
                dz
                + " = "
                + s.yhat(nid)
                + s.minus
                + s.y(nid)
                + " = "
                + s.num(e.a)
                + s.minus
                + s.par(w.le.y[k])
                + " = "
                + s.num(e.fused_dL_dz)
            ),
            ".",
            key=("dL_dz", nid, None),
        )
