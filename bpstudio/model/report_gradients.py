"""The worked example's gradients: each weight's ∂L/∂w, the sum over its paths to the loss
(within the document's path budget) and, when regularised, the penalty's term."""

from __future__ import annotations

from . import explain as ex
from . import overflow
from .compile import Compiled
from .report_doc import PATH_BUDGET, Doc, Math, ReportOverflow
from .report_formulas import data_dsym, lam
from .report_style import Style
from .report_worked import Worked, edge_of
from .trace import PassResult


def gradients(w: Worked) -> None:
    doc, s, c, r = w.doc, w.s, w.c, w.r
    doc.heading(2, "Gradients of the weights and biases")
    doc.para(
        "Each weight's gradient is ∂L/∂z of its target times the activation of its source. "
        "The same number is the sum, over every path from the weight to the loss, of the "
        "product of the chain-rule factors along the path: ∂L/∂w = a_source × Σ over paths "
        "of Π(factors)."
    )
    budget = PATH_BUDGET
    capped_note = False
    for l in range(c.n_layers, 0, -1):
        doc.heading(3, f"Into layer {l}")
        for tgt in c.layers[l]:
            e = w.units[tgt]
            for t in e.terms:
                eid = edge_of(t)
                ee = ex.edge_explanation(c, r, eid, 0, w.graph.training)
                pen = ee.penalty
                # regularised: the chain rule gives the data loss's gradient, the penalty's
                # term is added after it (the total is the gradient the step uses)
                dw = data_dsym(s, s.id(eid)) if pen is not None else s.dsym(s.id(eid))
                doc.eq(
                    dw,
                    s.d("z", tgt) + s.dot + s.pick(t.value_name, t.value_symbol),
                    s.par(ee.dL_dz_target) + s.times + s.par(ee.a_source),
                    s.num(ee.grad),
                    key=("grad", eid, None),
                )
                budget = _paths(doc, c, r, eid, dw, budget)
                if budget <= 0:
                    capped_note = True
                if pen is not None:
                    _penalty_eq(doc, s.id(eid), dw, pen)
            db = s.dsym(s.sub("b", tgt))
            doc.eq(db, s.d("z", tgt) + s.dot + "1", s.num(e.dL_db), key=("dL_db", tgt, None))
    if capped_note:
        doc.para(
            f"Path listings stop after {PATH_BUDGET} paths in this document; the gradients "
            "above are exact whatever is listed."
        )


def _penalty_eq(doc: Doc, name: str, dw: str, pen: ex.PenaltyTerm) -> None:
    """∂L/∂w = ∂L_data/∂w + λ₂·w + λ₁·sign(w), with the numbers and the engine's total."""
    s = doc.s
    sym, nums = [dw], [s.par(pen.data_grad)]
    if pen.l2:
        sym.append(lam(s, 2) + s.dot + name)
        nums.append(s.num(pen.l2) + s.times + s.par(pen.weight))
    if pen.l1:
        sign = s.pick("sign", r"\operatorname{sign}")
        sym.append(lam(s, 1) + s.dot + sign + "(" + name + ")")
        nums.append(s.num(pen.l1) + s.times + s.par(pen.sign))
    doc.eq(s.dsym(name), (sym, s.plus), (nums, s.plus), s.num(pen.grad))


def _paths(doc: Doc, c: Compiled, r: PassResult, eid: str, dw: str, budget: int) -> int:
    """List the paths of one weight's gradient; returns the remaining document budget."""
    s = doc.s
    M = Math
    if budget <= 0:
        return budget
    ps = ex.weight_paths(c, r, eid, 0, cap=min(ex.PATH_CAP, budget))
    where = overflow.path_overflow(ps, r.samples[0])
    if where is not None:  # inf products summing to nan are no worked example (exit 1)
        raise ReportOverflow(where)
    if ps.n_paths == 0:
        doc.para("No path leads from ", M(s.id(eid)), " to the loss, so its gradient is 0.")
        return budget
    for p in ps:
        sym = s.dot.join(s.pick(f.name, f.symbol) for f in p.factors)
        nums = s.times.join(s.par(f.value) for f in p.factors)
        lhs = dw if ps.n_paths == 1 else s.pick("path ", r"\text{path }") + _route(s, p)
        doc.eq(lhs, sym, nums, s.num(p.product), key=("path", eid, tuple(p.neurons[1:])))
    if ps.n_paths > 1:
        terms = [s.par(p.product) for p in ps]
        if ps.capped:
            doc.para(
                f"Only the first {len(ps)} of {ps.n_paths} paths are listed; their partial sum "
                "is below, the exact gradient is the line above the list."
            )
            doc.eq(
                s.pick("partial sum", r"\text{partial sum}"),
                (terms, s.plus),
                s.num(ps.total),
                key=("path", eid, None),
            )
        else:
            doc.eq(dw, (terms, s.plus), s.num(ps.total), key=("path", eid, None))
    return budget - len(ps)


def _route(s: Style, p: ex.Path) -> str:
    arrow = s.pick(" → ", r" \to ")
    return arrow.join(s.id(n) for n in p.neurons)
