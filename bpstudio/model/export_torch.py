"""``bpstudio export FILE --to torch``: a standalone PyTorch file computing the network's function.

The generated file imports only torch. Its ``build()`` returns an ``nn.Module`` whose forward
maps a (batch, inputs) tensor to the (batch, outputs) activations, in file order, exactly as
the engine computes them: the same compiled layers (one weight matrix per layer over the
contiguous range of earlier neurons that feed it), the absent edges masked by buffers that the
forward multiplies in (so a sparse or skip-connected network stays sparse while it trains),
constant-1 columns for bias units, per-neuron activations (leaky_relu slope 0.01, elu alpha 1),
one softmax over the softmax outputs, float64 weights. Frozen parameters (``trainable: false``)
get a gradient hook that zeroes their gradient.

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


def _optimizer_hint(settings: TrainingSettings) -> str:
    entry = optimizers.OPTIMIZERS[settings.optimizer]
    return entry.torch.format(learning_rate=settings.learning_rate, **settings.hyperparameters())


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
    softmax_rows = [int(r) for r in net.softmax_rows]
    frozen = any(L["w_trainable"] is not None or L["b_trainable"] is not None for L in layers)

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
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()

The loss must be the file's loss: ``loss_fn`` below ({loss}, summed over the outputs of a
sample, averaged over the batch). nn.MSELoss is not the same function (it averages over the
outputs too); nn.CrossEntropyLoss expects logits, not these softmax activations.
"""
'''
    body = f'''
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
EPS = 1e-15
FROZEN = {frozen!r}  # some parameters have trainable: false (their gradient is zeroed)

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
            groups = [(name, lo - spec["start"], hi - spec["start"]) for name, lo, hi in spec["groups"]]
            self.plan.append((spec["src_lo"], spec["start"], groups))

    def forward(self, x):
        dtype = self.weights[0].dtype if len(self.weights) else torch.float64
        x = torch.as_tensor(x, dtype=dtype)
        if x.dim() == 1:
            x = x.unsqueeze(0)
        batch = x.shape[0]
        columns = [x, torch.ones(batch, N_BIAS_UNITS, dtype=dtype, device=x.device)]
        a = torch.cat(columns, dim=1)
        softmax_z = []
        for i, (src_lo, start, groups) in enumerate(self.plan):
            W = self.weights[i] * getattr(self, f"mask{{i}}")
            z = a[:, src_lo:start] @ W.T + self.biases[i]
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
        return a[:, OUTPUT_ROWS]


def loss_fn(yhat, y):
    """The file's loss ({loss}): per sample summed over outputs, mean over the batch."""
    y = torch.as_tensor(y, dtype=yhat.dtype)
    return ({losses.LOSSES[loss].torch}).mean()


def build():
    """The network with the file's weights loaded."""
    return Network()


if __name__ == "__main__":
    model = build()
    print(model)
    print(model(torch.zeros(1, N_INPUTS, dtype=torch.float64)))
'''
    return header + textwrap.dedent(body)
