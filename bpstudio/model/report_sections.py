"""The worked example's sections but the backward pass and the gradients
(model/report_backward.py, model/report_gradients.py), in document order: the sample, the
architecture, the forward pass, the loss and the update."""

from __future__ import annotations

from ..core import activations as act
from ..core import optimizers
from . import explain as ex
from .report_doc import Doc, Key, Math
from .report_formulas import (
    LOG_MAX,
    act_substituted,
    act_symbolic,
    exp_value,
    lam,
    loss_lines,
    saturated_loss,
    saturation,
)
from .report_worked import Unit, Worked, edge_of
from .trace import PassResult


def intro(w: Worked, sample: int, title: str) -> None:
    doc, s, c, r, graph = w.doc, w.s, w.c, w.r, w.graph
    M = Math
    doc.heading(1, title)
    if graph.description.strip():
        doc.quote(graph.description.strip())
    x_parts = s.pick(", ", r",\ ").join(
        s.id(i) + " = " + s.num(v) for i, v in zip(c.input_ids, r.X[0], strict=True)
    )
    y_parts = s.pick(", ", r",\ ").join(
        s.y(o) + " = " + s.num(v) for o, v in zip(c.output_ids, r.Y[0], strict=True)
    )
    doc.para("Data sample ", str(sample), ": inputs ", M(x_parts), "; targets ", M(y_parts), ".")
    doc.para(
        "Loss: ",
        c.net.loss_name,
        ". Optimizer: ",
        graph.settings.optimizer,
        ", learning rate ",
        M(s.eta() + " = " + s.num(graph.settings.learning_rate)),
        ". The update below is one step on this sample alone.",
    )
    if r.regularised:
        _penalty_para(doc, r)
    doc.para(
        f"Numbers are shown rounded to {s.decimals} decimal places, or to {s.decimals} "
        "significant digits where that would hide a small value; updated weights get enough "
        "places to show their step. Everything is computed at full precision first: a value "
        "is never computed from a rounded one."
    )


def architecture(w: Worked) -> None:
    doc, s, c, r, graph = w.doc, w.s, w.c, w.r, w.graph
    M = Math
    doc.heading(2, "Architecture")
    doc.para(
        "A neuron's layer is the longest path to it from an input; layer ",
        str(c.n_layers),
        " is the last. Each neuron computes z = Σ w·a + b and a = f(z).",
    )
    rows = []
    for l, lay in enumerate(c.layers):
        for nid in lay:
            n = graph.neurons[nid]
            e = w.explained[nid]
            bias = "" if e.bias is None else M(s.num(e.bias))
            if e.bias is not None and not e.bias_trainable:
                bias = M(s.num(e.bias) + s.pick(" (frozen)", r"\ (\text{frozen})"))
            rows.append([M(s.id(nid)), n.display_label, n.role, str(l), e.activation or "", bias])
    doc.table(["neuron", "label", "role", "layer", "activation", "bias"], rows)
    ends = ex.edge_endpoints(c)
    erows = []
    for eid in c.edge_ids:
        src, tgt = ends[eid]
        ee = ex.edge_explanation(c, r, eid, 0, graph.training)
        weight = M(s.num(ee.weight))
        erows.append(
            [
                M(s.id(eid)),
                M(s.id(src)),
                M(s.id(tgt)),
                weight,
                "yes" if ee.update.trainable else "no",
            ]
        )
    doc.table(["weight", "from", "to", "value", "trainable"], erows)


def forward(w: Worked) -> None:
    doc, s, c = w.doc, w.s, w.c
    M = Math
    doc.heading(2, "Forward pass")
    for l in range(1, c.n_layers + 1):
        doc.heading(3, f"Layer {l}")
        for nid in c.layers[l]:
            e = w.units[nid]
            sym_terms = [
                s.id(edge_of(t)) + s.dot + s.pick(t.value_name, t.value_symbol) for t in e.terms
            ]
            num_terms = [s.par(t.weight) + s.times + s.par(t.value) for t in e.terms]
            sym_terms.append(s.sub("b", nid))
            num_terms.append(s.par(e.bias))
            doc.eq(
                s.sub("z", nid),
                (sym_terms, s.plus),
                (num_terms, s.plus),
                s.num(e.z),
                key=("z", nid, None),
            )
            _activation(w, e)
    outs = s.pick(", ", r",\ ").join(s.yhat(o) + " = " + s.num(w.units[o].a) for o in c.output_ids)
    doc.para("Outputs: ", M(outs), ".", key=("a", c.output_ids[0], None))


def _activation(w: Worked, e: Unit) -> None:
    """a = f(z) of one neuron, and what float64 does with it where e^(±z) overflows."""
    doc, s, nid = w.doc, w.s, e.neuron
    M = Math
    stages = [act_symbolic(s, e.activation, nid)]
    group_z = [w.units[j].z for j in e.softmax_group] if e.activation == act.SOFTMAX else []
    if e.activation == act.SOFTMAX:
        zs = [s.exp(s.num(z)) for z in group_z]
        stages.append(s.frac(s.exp(s.num(e.z)), "(" + s.plus.join(zs) + ")"))
    else:
        sub = act_substituted(s, e.activation, e.z)
        if sub is not None:
            stages.append(sub)
        else:
            stages.append(s.num(e.z))
    stages.append(s.num(e.a))
    doc.eq(s.sub("a", nid), *stages, key=("a", nid, None))
    note = saturation(s, e.activation, e.z, e.a)
    if note is not None:
        doc.para(*note, key=("a", nid, None))
    elif group_z and max(abs(z) for z in group_z) > LOG_MAX:
        top = max(group_z, key=abs)
        doc.para(
            "Saturated: ",
            M(s.exp(s.num(abs(top))) + " = " + exp_value(s, abs(top))),
            " is beyond float64 (its largest number is about 1.8e308), so the softmax "
            "is computed relative to the group's largest z, as ",
            M(s.exp(s.pick("z − max", r"z - \max"))),
            " over their sum (the same ratio, nothing overflows): ",
            M("a = " + s.num(e.a)),
            ".",
            key=("a", nid, None),
        )


def loss(w: Worked) -> None:
    doc, s, le = w.doc, w.s, w.le
    doc.heading(2, "Loss")
    sym, subst = loss_lines(s, le, len(w.c.output_ids) > 1)
    doc.eq("L", sym, subst, s.num(le.value), key=("loss", None, None))
    note = saturated_loss(s, le)
    if note is not None:
        doc.para(*note, key=("loss", None, None))


def update(w: Worked) -> None:
    doc, s, c, r = w.doc, w.s, w.c, w.r
    M = Math
    tr = w.graph.training
    opt = w.graph.settings.optimizer
    lr = w.graph.settings.learning_rate
    doc.heading(2, "Update")
    if opt == "sgd":
        doc.para(
            "Gradient descent: every parameter moves against its gradient, ",
            M(
                s.sub("w", "new")
                + " = w"
                + s.minus
                + s.eta()
                + s.dot
                + s.pick("∂L/∂w", r"\frac{\partial L}{\partial w}")
            ),
            ", with ",
            M(s.eta() + " = " + s.num(lr)),
            ".",
        )
    else:
        settings = ", ".join(f"{k} {tr[k]}" for k in optimizers.HYPERPARAMETERS if k in tr)
        doc.para(
            f"Optimizer {opt} (one step from a fresh optimizer state, learning rate ",
            M(s.num(lr)),
            ")" + (f"; settings: {settings}" if settings else "") + ". Each line shows old → new.",
        )
    for l in range(1, c.n_layers + 1):
        for tgt in c.layers[l]:
            for t in w.units[tgt].terms:
                eid = edge_of(t)
                u = ex.edge_explanation(c, r, eid, 0, tr).update
                _update_line(doc, s.id(eid), u, opt, ("updated", eid, None))
            u = ex.bias_update(c, r, tgt, tr)
            _update_line(doc, s.sub("b", tgt), u, opt, ("updated_bias", tgt, None))


def _penalty_para(doc: Doc, r: PassResult) -> None:
    """What is regularised, and the penalty's value at this pass's weights."""
    s = doc.s
    M = Math
    st = r.training
    terms, values = [], []
    if st.l2:
        terms.append(s.frac(lam(s, 2), "2") + s.dot + s.sigma() + s.sq("w"))
        values.append(lam(s, 2) + " = " + s.num(st.l2))
    if st.l1:
        terms.append(lam(s, 1) + s.dot + s.sigma() + s.pick("|w|", r"\lvert w \rvert"))
        values.append(lam(s, 1) + " = " + s.num(st.l1))
    data = s.pick("L_data", r"L_{\text{data}}")
    doc.para(
        "Regularisation: the step descends ",
        M("L = " + data + s.plus + s.plus.join(terms)),
        ", with ",
        M(s.pick(", ", r",\ ").join(values)),
        ", summed over the trainable weights (biases are not penalised). At this pass's "
        "weights the penalty is ",
        M(s.num(r.trace.penalty)),
        " and the data loss ",
        M(data + " = " + s.num(r.trace.loss)),
        ". Each weight's gradient below is the data loss's plus the penalty's term ",
        M(
            (lam(s, 2) + s.dot + "w" if st.l2 else "")
            + (s.plus if st.l1 and st.l2 else "")
            + (lam(s, 1) + s.dot + s.pick("sign(w)", r"\operatorname{sign}(w)") if st.l1 else "")
        ),
        (" (sign(0) = 0)" if st.l1 else "") + ".",
    )


def _update_line(doc: Doc, name: str, u: ex.UpdateExplanation, opt: str, key: Key) -> None:
    s = doc.s
    places = ex.update_places(u.old, u.new, s.decimals - 1)
    places = max(places, s.decimals)
    new = s.num_places(u.new, places)
    if not u.trainable:
        doc.para(
            Math(name), " is frozen (trainable: false): it stays ", Math(s.num(u.old)), ".", key=key
        )
        return
    if opt == "sgd":
        grad = s.dsym(name)
        doc.eq(
            s.pick(f"{name}_new", f"{name}^{{\\text{{new}}}}"),
            name + s.minus + s.eta() + s.dot + grad,
            s.num(u.old) + s.minus + s.num(u.learning_rate) + s.times + s.par(u.grad),
            new,
            key=key,
        )
    else:
        doc.eq(
            s.pick(f"{name}_new", f"{name}^{{\\text{{new}}}}"),
            s.num(u.old) + s.pick(" → ", r" \to ") + new,
            key=key,
        )
