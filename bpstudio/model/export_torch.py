# Longer than 400 lines: the generated module's source is one template with the loss helpers it
# inlines.
"""``bpstudio export FILE --to torch``: a standalone PyTorch file computing the network's function.

The generated file imports only torch. Its ``build()`` returns an ``nn.Module`` whose forward
maps a (batch, inputs) tensor to the (batch, outputs) activations, in file order, exactly as
the engine computes them: the same compiled layers (one weight matrix per layer over the
contiguous range of earlier neurons that feed it), the absent edges masked by buffers that the
forward multiplies in (so a sparse or skip-connected network stays sparse while it trains),
constant-1 columns for bias units, per-neuron activations (leaky_relu slope 0.01, elu alpha 1),
one softmax over the softmax outputs, float64 weights. Frozen parameters (``trainable: false``)
get a gradient hook that zeroes their gradient.

Regularisation (``training.l1``/``l2``) is the module's ``penalty()``, λ₂/2·Σw² + λ₁·Σ|w| over
the trainable weights (mask × trainable buffers: absent edges, frozen weights and biases are
left out, as core/regularization.py does), added to the loss explicitly: torch's |w| has the
subgradient 0 at w = 0, as the engine's. L2 may instead be the optimizer's ``weight_decay`` on
the weights' parameter group (the same step for every optimizer, as long as no weight is frozen:
the decay would move a frozen weight); the generated docstring shows both.

The loss is computed the way the engine computes it (core/outputs.py): from the outputs'
pre-activations z, in log space (log-sigmoid, log-softmax, complements taken where they are
exact), never from clipped activations. ``log(ŷ.clamp(1e-15))`` made a sigmoid +
cross-entropy output at z = −39.5 cost 34.54 instead of 39.5, and its gradient vanish.

No torch here: this module only writes text (``torch_source``).
"""

from __future__ import annotations

import textwrap

import numpy as np

from ..core import activations as act
from ..core import losses, optimizers
from ..core.settings import TrainingSettings
from .compile import Compiled
from .graph import Graph


def _activation_source() -> str:
    """The generated file's ``_activation``: one branch per registered elementwise activation
    (core/activations.py holds each one's torch expression)."""
    lines = ["def _activation(name, z):"]
    for a in act.ELEMENTWISE.values():
        lines += [f"    if name == {a.name!r}:", f"        return {a.torch}"]
    lines.append("    raise ValueError(name)")
    return "\n".join(lines)


def _lit(x) -> str:
    """A Python literal for nested lists of floats that round-trips exactly."""
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, list):
        return "[" + ", ".join(_lit(v) for v in x) + "]"
    if isinstance(x, float):
        return repr(x)
    return repr(x)


def _optimizer_hint(settings: TrainingSettings, groups: bool = False) -> str:
    """The torch.optim call; with ``groups``, L2 as weight_decay on the weights only."""
    entry = optimizers.OPTIMIZERS[settings.optimizer]
    text = entry.torch.format(learning_rate=settings.learning_rate, **settings.hyperparameters())
    if groups:
        params = (
            f'[{{"params": model.weights, "weight_decay": {float(settings.l2)!r}}}, '
            '{"params": model.biases}]'
        )
        text = text.replace("model.parameters()", params)
    return text


def torch_source(graph: Graph, compiled: Compiled) -> str:
    """The text of a standalone .py file; see the module docstring."""
    net = compiled.net
    params = net.params
    update = net.update_mask
    layers = []
    for i, lay in enumerate(net.layers):
        ws = slice(int(net.w_offsets[i]), int(net.w_offsets[i + 1]))
        bs = slice(int(net.b_offsets[i]), int(net.b_offsets[i + 1]))
        W = params[ws].reshape(lay.W.shape)
        mask = lay.mask if lay.mask is not None else np.ones_like(W)
        groups = [
            ("softmax" if g.activation is None else g.activation.name, g.start, g.stop)
            for g in lay.groups
        ]
        wt = bt = None
        if update is not None:
            uw, ub = update[ws].reshape(W.shape), update[bs]
            # frozen = trainable edge pairs whose update is masked (absent edges are masked anyway)
            if not np.array_equal(uw, mask):
                wt = uw
            if not ub.all():
                bt = ub
        layers.append(
            {
                "start": lay.start,
                "stop": lay.stop,
                "src_lo": lay.src_lo,
                "W": W,
                "mask": mask,
                "b": params[bs],
                "groups": groups,
                "w_trainable": wt,
                "b_trainable": bt,
            }
        )
    tr = graph.settings
    loss = net.loss_name
    l1, l2 = float(tr.l1), float(tr.l2)
    regularised = bool(l1 or l2)
    loss_line = "model.loss(x, y) + model.penalty()" if regularised else "model.loss(x, y)"
    reg_text = ""
    if regularised:
        terms = " + ".join(t for t, on in (("λ₂/2·Σw²", l2), ("λ₁·Σ|w|", l1)) if on)
        reg_text = f"""
The file is regularised (training.l2 = {l2!r}, training.l1 = {l1!r}): ``model.penalty()`` is
{terms} over the trainable weights (not the biases, not frozen weights, not absent edges),
added to the loss as above, exactly as bpstudio trains. L2 can be the optimizer's weight_decay
instead (the same steps when no weight is frozen; a frozen weight would decay):

    optimizer = {_optimizer_hint(tr, groups=True)}
    loss = model.loss(x, y) + model.penalty(l2=0.0)
"""
    softmax_rows = [int(r) for r in net.softmax_rows]
    frozen = any(L["w_trainable"] is not None or L["b_trainable"] is not None for L in layers)
    out_acts = [str(net.activation_of[int(r)]) for r in net.outputs]
    softmax_outputs = [i for i, a in enumerate(out_acts) if a == act.SOFTMAX]
    first_row = int(net.layers[0].start) if net.layers else net.n_inputs + net.n_bias
    squared = not losses.LOSSES[loss].log_domain  # a squared loss: in the residual
    term_prelude = "r = _residual(name, z, y)" if squared else "log_p, log_q = _log_terms(name, z)"
    loss_term = losses.LOSSES[loss].torch  # one output's term (core/losses.py)
    elu_alpha = act.ELU_ALPHA

    layer_src = []
    for L in layers:
        layer_src.append(
            "    {\n"
            f"        'start': {L['start']}, 'stop': {L['stop']}, 'src_lo': {L['src_lo']},\n"
            f"        'groups': {L['groups']!r},\n"
            f"        'W': {_lit(L['W'])},\n"
            f"        'mask': {_lit(L['mask'])},\n"
            f"        'b': {_lit(L['b'])},\n"
            f"        'w_trainable': {_lit(L['w_trainable']) if L['w_trainable'] is not None else None},\n"
            f"        'b_trainable': {_lit(L['b_trainable']) if L['b_trainable'] is not None else None},\n"
            "    },"
        )
    name = graph.name.replace('"""', "'''").replace("\\", "/")
    batch = tr.batch_size
    batch_text = f"batches of {batch} samples" if batch else "the full data set as one batch"
    header = f'''\
"""{name}: a PyTorch module exported by bpstudio (``bpstudio export --to torch``).

This file does not need bpstudio, only torch. ``build()`` returns the network with the file's
weights loaded (float64): forward maps a (batch, {len(compiled.input_ids)}) tensor of inputs
{compiled.input_ids} to the (batch, {len(compiled.output_ids)}) activations of the outputs
{compiled.output_ids}, in that order, exactly the function bpstudio computes. Absent edges
(sparse layers, skip connections) are zeros kept by the mask buffers: forward multiplies each
weight matrix by its mask, so training never grows an edge that was not drawn.

Going on with training, as the file was set up (loss {loss!r}, optimizer
{tr.optimizer!r}, {batch_text}):

    model = build()
    optimizer = {_optimizer_hint(tr)}
    for epoch in range({tr.epochs}):
        for x, y in batches:              # float64 tensors (batch, inputs), (batch, outputs)
            optimizer.zero_grad()
            loss = {loss_line}
            loss.backward()
            optimizer.step()

The loss must be the file's loss: ``model.loss(x, y)`` ({loss}, summed over the outputs of a
sample, averaged over the batch), computed as bpstudio computes it, from the outputs'
pre-activations z (``model.output_z(x)``, then ``loss_from_z``) in log space, so it stays
exact where an output saturates (σ(40) rounds to 1.0, its log loss does not). A loss taken
from the activations ``model(x)`` loses that: nn.BCELoss clips log ŷ at −100, and
nn.MSELoss is not the same function (it averages over the outputs too).
{reg_text}"""
'''
    body = f'''
import math

import torch
import torch.nn.functional as F
from torch import nn

INPUTS = {compiled.input_ids!r}
OUTPUTS = {compiled.output_ids!r}
NEURONS = {compiled.neuron_ids!r}  # row order of the compiled network
N_INPUTS = {net.n_inputs}
N_BIAS_UNITS = {net.n_bias}  # constant-1 columns after the inputs
OUTPUT_ROWS = {[int(r) for r in net.outputs]!r}
SOFTMAX_ROWS = {softmax_rows!r}  # one softmax over these rows, applied after the last layer
LOSS = {loss!r}
OUTPUT_ACTIVATIONS = {out_acts!r}  # per output, in OUTPUTS order
SOFTMAX_OUTPUTS = {softmax_outputs!r}  # positions in OUTPUTS of the softmax group
FIRST_LAYER_ROW = {first_row}  # rows before it are the inputs and bias units
TANH_SPLIT = 0.5493061443340549  # atanh(1/2): beyond it tanh is nearer ±1 than 0
ELU_SPLIT = -0.6931471805599453  # log(1/2): below it elu is nearer −alpha than 0
SOFTPLUS_TAIL = -20.0  # below it log softplus(z) = z − e^z/2 to double precision
FROZEN = {frozen!r}  # some parameters have trainable: false (their gradient is zeroed)
L2 = {l2!r}  # training.l2: penalty λ₂/2·Σw² over the trainable weights (not biases)
L1 = {l1!r}  # training.l1: penalty λ₁·Σ|w| over the trainable weights (not biases)

LAYERS = [
{chr(10).join(layer_src)}
]


{_activation_source()}


class Network(nn.Module):
    """z(l) = (W(l) * mask(l)) @ a[src_lo:start] + b(l) per layer; a = f(z) per neuron."""

    def __init__(self, dtype=torch.float64):
        super().__init__()
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.plan = []
        for i, spec in enumerate(LAYERS):
            W = torch.tensor(spec["W"], dtype=dtype).reshape(
                spec["stop"] - spec["start"], spec["start"] - spec["src_lo"]
            )
            mask = torch.tensor(spec["mask"], dtype=dtype).reshape(W.shape)
            self.weights.append(nn.Parameter(W * mask))
            self.biases.append(nn.Parameter(torch.tensor(spec["b"], dtype=dtype)))
            self.register_buffer(f"mask{{i}}", mask)
            if spec["w_trainable"] is not None:
                keep = torch.tensor(spec["w_trainable"], dtype=dtype).reshape(W.shape)
                self.register_buffer(f"w_trainable{{i}}", keep)
                self.weights[i].register_hook(lambda g, keep=keep: g * keep)
            if spec["b_trainable"] is not None:
                keep_b = torch.tensor(spec["b_trainable"], dtype=dtype)
                self.register_buffer(f"b_trainable{{i}}", keep_b)
                self.biases[i].register_hook(lambda g, keep=keep_b: g * keep)
            # the weights the penalty counts: drawn and trainable (not the biases)
            counted = mask
            if spec["w_trainable"] is not None:
                counted = mask * torch.tensor(spec["w_trainable"], dtype=dtype).reshape(W.shape)
            self.register_buffer(f"penalised{{i}}", counted)
            groups = [(name, lo - spec["start"], hi - spec["start"]) for name, lo, hi in spec["groups"]]
            self.plan.append((spec["src_lo"], spec["start"], groups))

    def forward(self, x):
        return self._run(x)[0]

    def output_z(self, x):
        """The outputs' pre-activations z (batch, outputs): what the loss is computed from."""
        return self._run(x)[1]

    def loss(self, x, y):
        """The file's loss of inputs x against targets y, as bpstudio computes it."""
        return loss_from_z(self.output_z(x), y)

    def penalty(self, l1=L1, l2=L2):
        """l2/2·Σw² + l1·Σ|w| over the trainable weights (biases are not penalised); the
        file's training.l1 and l2 by default. |w| has the subgradient 0 at w = 0."""
        total = torch.zeros((), dtype=torch.float64)
        for i, W in enumerate(self.weights):
            w = W * getattr(self, f"penalised{{i}}")
            if l2:
                total = total + 0.5 * l2 * (w * w).sum()
            if l1:
                total = total + l1 * w.abs().sum()
        return total

    def _run(self, x):
        """(the outputs' activations, the outputs' z), each (batch, outputs)."""
        dtype = self.weights[0].dtype if len(self.weights) else torch.float64
        x = torch.as_tensor(x, dtype=dtype)
        if x.dim() == 1:
            x = x.unsqueeze(0)
        batch = x.shape[0]
        columns = [x, torch.ones(batch, N_BIAS_UNITS, dtype=dtype, device=x.device)]
        a = torch.cat(columns, dim=1)
        zs = [torch.zeros(batch, FIRST_LAYER_ROW, dtype=dtype, device=x.device)]
        softmax_z = []
        for i, (src_lo, start, groups) in enumerate(self.plan):
            W = self.weights[i] * getattr(self, f"mask{{i}}")
            z = a[:, src_lo:start] @ W.T + self.biases[i]
            zs.append(z)
            parts = []
            for name, lo, hi in groups:
                zg = z[:, lo:hi]
                if name == "softmax":
                    softmax_z.append(zg)
                    parts.append(torch.zeros_like(zg))  # filled in after the last layer
                else:
                    parts.append(_activation(name, zg))
            a = torch.cat([a, *parts], dim=1)
        if SOFTMAX_ROWS:
            s = torch.softmax(torch.cat(softmax_z, dim=1), dim=1)
            a = a.index_copy(1, torch.tensor(SOFTMAX_ROWS, device=a.device), s)
        return a[:, OUTPUT_ROWS], torch.cat(zs, dim=1)[:, OUTPUT_ROWS]


# ---- the loss from z, in log space (bpstudio's core/outputs.py, term by term)
def _softplus(z):
    """log(1 + e^z), exact for every finite z, with softplus′(0) = ½ (a form through |z| has
    a gradient of 1 there); each branch sees only the inputs it is chosen for, so the other's
    overflow never reaches the gradient."""
    pos, neg = torch.clamp_min(z, 0.0), torch.clamp_max(z, 0.0)
    return torch.where(z > 0, pos + torch.log1p(torch.exp(-pos)), torch.log1p(torch.exp(neg)))


def _sigmoid_pair(z):
    """(σ(z), σ(−z)), each used where it is small or near ½, where it has full relative
    precision (σ(−40) = 4.2e-18, not 1 − 1.0), and so has its gradient σ(1 − σ)."""
    return torch.sigmoid(z), torch.sigmoid(-z)


def _xlogy(y, v):
    """y·v with 0·(±inf) = 0: a term whose target weight is 0 does not count."""
    return y * torch.where(y == 0, torch.zeros_like(v), v)


def _residual(name, z, y):
    """ŷ − y, exact where ŷ sits near an asymptote equal to y."""
    if name == "sigmoid":
        p, q = _sigmoid_pair(z)
        return torch.where(z > 0, (1 - y) - q, p - y)
    if name == "tanh":
        p, q = _sigmoid_pair(2.0 * z)
        mid = torch.where(z > TANH_SPLIT, (1 - y) - 2.0 * q, torch.tanh(z) - y)
        return torch.where(z < -TANH_SPLIT, 2.0 * p - (1 + y), mid)
    if name == "elu":
        low = {elu_alpha!r} * torch.exp(torch.clamp_max(z, 0.0)) - ({elu_alpha!r} + y)
        return torch.where(z < ELU_SPLIT, low, _activation("elu", z) - y)
    if name == "softplus":
        return _softplus(z) - y
    return _activation(name, z) - y


def _log(v):
    """log v; −inf at 0 and NaN below as constants, so that a term a target weight of 0 drops
    (0·log 0) gets no NaN gradient from the log's infinite slope there."""
    ok = v > 0
    out = torch.log(torch.where(ok, v, torch.ones_like(v)))
    return torch.where(ok, out, torch.where(v == 0, -math.inf, math.nan))


def _log1m(v):
    """log(1 − v), as _log."""
    ok = v < 1
    out = torch.log1p(-torch.where(ok, v, torch.zeros_like(v)))
    return torch.where(ok, out, torch.where(v == 1, -math.inf, math.nan))


def _log_terms(name, z):
    """(log ŷ, log(1 − ŷ)) from z; −inf/NaN where ŷ leaves the log's domain."""
    if name == "sigmoid":
        return -_softplus(-z), -_softplus(z)
    if name == "tanh":
        # log(1 − 2σ(−2z)) where tanh is near 1; its input kept there (log1p(−1) at z = 0
        # would send a NaN gradient through the branch not taken)
        q = _sigmoid_pair(2.0 * torch.clamp_min(z, TANH_SPLIT))[1]
        log_p = torch.where(z > TANH_SPLIT, torch.log1p(-2.0 * q), _log(torch.tanh(z)))
        return log_p, math.log(2.0) - _softplus(2.0 * z)
    if name == "softplus":
        tail = z - 0.5 * torch.exp(torch.clamp_max(z, 0.0))
        log_p = torch.where(
            z < SOFTPLUS_TAIL, tail, torch.log(_softplus(torch.clamp_min(z, SOFTPLUS_TAIL)))
        )
        return log_p, _log1m(_softplus(z))
    a = _activation(name, z)
    return _log(a), _log1m(a)


def _term(name, z, y):
    """One output's share of each sample's loss, from its z ({loss})."""
    {term_prelude}
    return {loss_term}


def _softmax_logs(z):
    """(log s, log(1 − s), 1 − s) of a softmax group (batch, members) from z, as bpstudio takes
    them: relative to the largest member, whose log s is −log1p(Σ_others e^(z_j − max)) (not
    max − logsumexp, which rounds to 0), whose 1 − s is that sum over 1 + it, and whose
    log(1 − s) is log Σ_others e^z − log Σ_all e^z; the others' log(1 − s) is log1p(−s)."""
    top = z.argmax(dim=1, keepdim=True)
    is_top = torch.zeros_like(z, dtype=torch.bool).scatter(1, top, True)
    m = z.gather(1, top)
    # the largest member's own shift is 0 as a constant: as z − max its gradient would be
    # 1 − 1 plus the others' tiny terms, which cancel to 0 (∂L/∂z = −1.8e-35 became 0)
    shifted = (z - m).masked_fill(is_top, 0.0)
    rest = torch.exp(shifted).masked_fill(is_top, 0.0).sum(dim=1, keepdim=True)
    log_norm = torch.log1p(rest)
    log_s = shifted - log_norm
    others = z.masked_fill(is_top, -math.inf)
    if z.shape[1] > 1:
        m2 = others.max(dim=1, keepdim=True).values
        top_q = (m2 - m) + torch.log(torch.exp(others - m2).sum(dim=1, keepdim=True)) - log_norm
    else:  # a group of one: s = 1 exactly
        top_q = torch.full_like(m, -math.inf)
    log_q = torch.where(is_top, top_q, torch.log1p(-torch.exp(log_s).masked_fill(is_top, 0.0)))
    comp = torch.where(is_top, rest / (1.0 + rest), 1.0 - torch.exp(log_s))
    return log_s, log_q, comp, is_top


def _softmax_terms(z, y):
    """The softmax group's shares of each sample's loss, from its z (batch, members)."""
    log_p, log_q, comp, is_top = _softmax_logs(z)
    # ŷ − y; for the largest member (1 − y) − (1 − s): no cancellation near 1
    r = torch.where(is_top, (1 - y) - comp, torch.exp(log_p) - y)
    return {loss_term}


def loss_from_z(z, y):
    """The file's loss ({loss}) from the outputs' z (batch, outputs) and targets y: per sample
    summed over the outputs, mean over the batch; exact also where an output saturates."""
    y = torch.as_tensor(y, dtype=z.dtype, device=z.device)
    if y.dim() == 1:
        y = y.unsqueeze(0)
    terms = [None] * len(OUTPUT_ACTIVATIONS)
    for i, name in enumerate(OUTPUT_ACTIVATIONS):
        if name != "softmax":
            terms[i] = _term(name, z[:, i], y[:, i])
    if SOFTMAX_OUTPUTS:
        group = _softmax_terms(z[:, SOFTMAX_OUTPUTS], y[:, SOFTMAX_OUTPUTS])
        for j, i in enumerate(SOFTMAX_OUTPUTS):
            terms[i] = group[:, j]
    return torch.stack(terms, dim=1).sum(dim=1).mean()


def build():
    """The network with the file's weights loaded."""
    return Network()


if __name__ == "__main__":
    model = build()
    print(model)
    print(model(torch.zeros(1, N_INPUTS, dtype=torch.float64)))
'''
    return header + textwrap.dedent(body)
