"""Random networks for the grading tests (hypothesis), and helpers to write answers.

Activations, losses and optimizers are drawn from the registries, so a newly registered one
is graded by the same properties. Networks have skip edges, bias units, frozen parameters,
softmax output groups and batches of 1-3 samples.
"""

from __future__ import annotations

from hypothesis import strategies as st

from bpstudio.core import activations as act
from bpstudio.core import losses, optimizers
from bpstudio.model import fileformat
from bpstudio.model.grading.answers import Answer, Key

ELEMENTWISE = [n for n in act.listed() if n != act.SOFTMAX]
# output activations whose ŷ lies where each loss has a value (log losses: (0, 1) or > 0)
OUTPUTS = {
    "binary_cross_entropy": ["sigmoid", act.SOFTMAX],
    "cross_entropy": ["sigmoid", "softplus", act.SOFTMAX],
}

weights = st.floats(-1.5, 1.5, allow_nan=False).map(lambda w: round(w, 3))
biases = st.floats(-1.0, 1.0, allow_nan=False).map(lambda b: round(b, 3))


@st.composite
def networks(draw, softmax: bool | None = None, min_hidden: int = 0):
    """A network file (dict) and the sample to grade (an index, or None for the batch)."""
    loss = draw(st.sampled_from(losses.NAMES))
    out_choices = OUTPUTS.get(loss, [*ELEMENTWISE, act.SOFTMAX])
    n_in = draw(st.integers(1, 3))
    n_bias = draw(st.integers(0, 1))
    n_hidden = draw(st.integers(min_hidden, 4))
    if softmax:
        n_out, out_acts = draw(st.integers(2, 3)), [act.SOFTMAX]
    else:
        n_out = draw(st.integers(1, 3))
        out_acts = [a for a in out_choices if softmax is None or a != act.SOFTMAX]
    out_act = draw(st.sampled_from(out_acts))
    topo = [("input", f"x{i}") for i in range(n_in)] + [("bias", f"u{i}") for i in range(n_bias)]
    body = [("hidden", f"h{i}") for i in range(n_hidden)] + [
        ("output", f"o{i}") for i in range(n_out)
    ]
    topo += list(draw(st.permutations(body)))
    density = draw(st.sampled_from([0.5, 0.8, 1.0]))
    neurons, edges = [], []
    for role, nid in topo:
        n = {"id": nid, "role": role}
        if role == "hidden":
            n["activation"] = draw(st.sampled_from(ELEMENTWISE))
        elif role == "output":
            # one softmax group, or elementwise outputs (mixed ones where the loss allows)
            n["activation"] = (
                out_act
                if out_act == act.SOFTMAX
                else draw(st.sampled_from([a for a in out_acts if a != act.SOFTMAX] or [out_act]))
            )
        if role in ("hidden", "output"):
            n["bias"] = draw(biases)
            if not draw(st.integers(0, 7)):
                n["trainable"] = False
        neurons.append(n)
    k = 0
    for j, (role_t, tid) in enumerate(topo):
        if role_t in ("input", "bias"):
            continue
        for role_s, sid in topo[:j]:
            if role_s == "output" or draw(st.floats(0, 1)) >= density:
                continue
            e = {"id": f"e{k}", "source": sid, "target": tid, "weight": draw(weights)}
            if not draw(st.integers(0, 7)):
                e["trainable"] = False
            edges.append(e)
            k += 1
    batch = draw(st.integers(1, 3))
    samples = []
    for _ in range(batch):
        x = [round(draw(st.floats(-2, 2)), 2) for _ in range(n_in)]
        if loss == "binary_cross_entropy":
            y = [round(draw(st.floats(0, 1)), 2) for _ in range(n_out)]
        elif loss == "cross_entropy":
            y = [round(draw(st.floats(0, 1)), 2) for _ in range(n_out)]
        else:
            y = [round(draw(st.floats(-1, 1)), 2) for _ in range(n_out)]
        samples.append({"x": x, "y": y})
    training = {
        "loss": loss,
        "optimizer": draw(st.sampled_from(optimizers.NAMES)),
        "learning_rate": draw(st.sampled_from([0.1, 0.5])),
        "seed": 0,
    }
    doc = {
        "format": "bpstudio-network",
        "version": 1,
        "name": "random",
        "neurons": list(draw(st.permutations(neurons))),
        "edges": edges,
        "training": training,
        "data": {"samples": samples},
    }
    sample = draw(st.sampled_from([*range(batch), None]))
    return doc, sample


def graph_of(doc: dict):
    return fileformat.from_document(doc)


def answer(key: Key, text: str, row: int = 0) -> Answer:
    q, nid, extra = key
    if q == "dyhat_dz":
        assert extra is not None
        return Answer(q, nid, text, by=extra[0], row=row)
    return Answer(q, nid, text, via=extra, row=row)
