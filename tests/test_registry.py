"""One registry per concept: every registered activation, loss and optimizer reaches the report
(md, tex), the explanations and the PyTorch export; a new activation (swish) needs only its
registry entry (the Qt side, inspector and badge, is tests/qt/test_registry_ui.py)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest

from bpstudio.cli import main
from bpstudio.core import activations as act
from bpstudio.core import losses, optimizers
from bpstudio.core.gradcheck import numeric_gradient
from bpstudio.model import explain as ex
from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.export_torch import torch_source
from bpstudio.model.report import render_report
from bpstudio.model.session import dataset
from bpstudio.model.trace import run_pass

BUILT_IN = act.listed()


def net_doc(hidden: str, output: str = "sigmoid", loss: str = "half_squared_error",
            optimizer: str = "sgd") -> dict:  # fmt: skip
    """x1, x2 → h1, h2 (``hidden``) → o1 (two outputs o1, o2 for softmax)."""
    outs = ["o1", "o2"] if output == act.SOFTMAX else ["o1"]
    neurons = [{"id": "x1", "role": "input"}, {"id": "x2", "role": "input"}]
    neurons += [{"id": h, "role": "hidden", "activation": hidden, "bias": 0.1 * (i + 1)}
                for i, h in enumerate(["h1", "h2"])]  # fmt: skip
    neurons += [{"id": o, "role": "output", "activation": output, "bias": -0.2} for o in outs]
    edges, w = [], 0.3
    for s, t in [(s, t) for t in ["h1", "h2"] for s in ["x1", "x2"]] + [
        (h, o) for o in outs for h in ["h1", "h2"]
    ]:
        w = -w * 1.3 if len(edges) % 2 else w + 0.15
        edges.append({"id": f"w{len(edges) + 1}", "source": s, "target": t, "weight": w})
    y = [1.0, 0.0] if len(outs) == 2 else [0.25]
    return {
        "format": "bpstudio-network",
        "version": 1,
        "name": f"{hidden} net",
        "neurons": neurons,
        "edges": edges,
        "training": {"loss": loss, "optimizer": optimizer, "learning_rate": 0.1},
        "data": {"samples": [{"x": [0.5, -0.8], "y": y}]},
    }


def _all_the_way(doc: dict) -> dict[str, str]:
    """Report md and tex, every neuron's explanation and the torch export of one network."""
    graph = fileformat.from_document(doc)
    c = compile_graph(graph)
    ds = dataset(graph)
    out = {f: render_report(graph, c, ds, sample=0, fmt=f, decimals=4) for f in ("md", "tex")}
    r = run_pass(c, ds, [0], graph.training)
    out["explain"] = repr([ex.neuron_explanation(c, r, n, 0) for n in c.neuron_ids])
    out["torch"] = torch_source(graph, c)
    return out


# --------------------------------------------------------------------------- every name
@pytest.mark.parametrize("name", BUILT_IN)
def test_every_activation_reaches_report_explain_export_and_badge(name):
    a = act.entry(name)
    hidden = name if a.elementwise else "sigmoid"
    output = name if name in (act.SOFTMAX, "identity", "sigmoid", "tanh") else "sigmoid"
    out = _all_the_way(net_doc(hidden, output))
    if a.elementwise:
        assert f"{a.tex}(z_{{" in out["tex"] or name == act.IDENTITY
        assert a.tex_derivative in out["tex"]
        assert a.derivative_formula in out["md"] and a.formula in out["explain"]
        assert f"return {a.torch}" in out["torch"]
    else:
        assert "softmax(z)_o1" in out["md"] and a.formula in out["explain"]
    assert len(a.glyph) == act.GLYPH_POINTS
    assert all(-1 <= x <= 1 and -1 <= y <= 1 for x, y in a.glyph)
    assert name in act.NAMES and name in act.listed()


@pytest.mark.parametrize("loss", losses.NAMES)
def test_every_loss_reaches_report_explain_and_export(loss):
    output = act.SOFTMAX if loss == "cross_entropy" else "sigmoid"
    out = _all_the_way(net_doc("tanh", output, loss))
    entry = losses.LOSSES[loss]
    assert entry.tex in out["tex"] and entry.formula in out["md"]
    assert entry.torch in out["torch"]  # the per-output term of loss_from_z


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_every_optimizer_reaches_report_and_export(name):
    out = _all_the_way(net_doc("tanh", optimizer=name))
    entry = optimizers.OPTIMIZERS[name]
    assert f"Optimizer {name}" in out["md"] or name == "sgd"
    hint = entry.torch.format(learning_rate=0.1, **entry.defaults)
    assert f"optimizer = {hint}" in out["torch"]


# --------------------------------------------------------------------------- the export, run
class _FakeTorch:
    """The few torch functions the activations' expressions call, on numpy arrays: the export's
    ``_activation`` runs without torch (CI has none) and is compared with the engine."""

    sigmoid = staticmethod(lambda z: 1.0 / (1.0 + np.exp(-z)))
    tanh = staticmethod(np.tanh)
    relu = staticmethod(lambda z: np.maximum(z, 0.0))
    where = staticmethod(np.where)


_F = SimpleNamespace(
    leaky_relu=lambda z, negative_slope: np.where(z >= 0, z, negative_slope * z),
    elu=lambda z, alpha: np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0))),
    softplus=lambda z, beta, threshold: np.where(z > threshold, z, np.log1p(np.exp(z))),
)


def exported_activation(source: str):
    """The generated file's ``_activation`` function, with torch replaced by numpy."""
    block = re.search(r"^def _activation\(name, z\):\n(?:    .*\n)+", source, re.M)
    assert block is not None
    space: dict = {"torch": _FakeTorch, "F": _F}
    exec(block.group(0), space)
    return space["_activation"]


@pytest.mark.parametrize("name", [n for n in BUILT_IN if act.entry(n).elementwise])
def test_the_exported_activation_computes_the_engines_function(name):
    f = exported_activation(_all_the_way(net_doc(name))["torch"])
    z = np.linspace(-4, 4, 81)
    assert np.allclose(f(name, z), act.apply(name, z), rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- swish
def test_a_registered_activation_is_known_everywhere_it_is_shown(swish):
    """swish is written nowhere but its registry entry (tests/registry_swish.py)."""
    assert "swish" in act.NAMES and act.listed()[-1] == "swish"
    doc = net_doc("swish")
    out = _all_the_way(doc)
    # report: the forward with the number substituted, f′ in both notations
    assert re.search(r"a_h1 = swish\(z_h1\) = 0\.\d+ × σ\(0\.\d+\) = ", out["md"])
    assert "swish′(z_h1) = σ(z)(1 + z(1 − σ(z))) = " in out["md"]
    assert r"\mathrm{swish}(z_{\text{h1}})" in out["tex"]
    assert r"\mathrm{swish}'(z_{\text{h1}})" in out["tex"]
    assert swish.tex_derivative in out["tex"]
    # explain: formula and derivative formula of the entry
    assert "'z·σ(z)'" in out["explain"] and swish.derivative_formula in out["explain"]
    # export: the branch, and its numbers are swish's (against the engine's forward) ...
    f = exported_activation(out["torch"])
    z = np.linspace(-6, 6, 121)
    assert np.allclose(f("swish", z), z / (1 + np.exp(-z)), rtol=1e-12)
    # ... with the derivative the engine uses equal to the exported function's slope
    h = 1e-6
    slope = (f("swish", z + h) - f("swish", z - h)) / (2 * h)
    assert np.allclose(slope, act.derivative("swish", z), rtol=1e-7, atol=1e-9)
    # and the engine's gradients through swish neurons are the finite differences of its loss
    graph = fileformat.from_document(doc)
    c = compile_graph(graph)
    ds = dataset(graph)
    r = run_pass(c, ds, [0], graph.training)
    numeric = numeric_gradient(c.net, ds.X, ds.Y)
    for eid in graph.edges:
        k = c.edge_param[c.edge_index[eid]]
        assert r.edge_grad(eid) == pytest.approx(numeric[k], rel=1e-6, abs=1e-10), eid


def test_a_registered_activation_is_accepted_in_a_file_and_by_the_cli(swish, tmp_path, capsys):
    path = tmp_path / "swish.json"
    fileformat.save(fileformat.from_document(net_doc("swish")), path)
    assert main(["report", str(path), "--format", "tex"]) == 0
    assert r"\mathrm{swish}" in capsys.readouterr().out


def test_unregistering_removes_it_again(swish):
    act.unregister("swish")
    with pytest.raises(fileformat.NetworkFileError, match="swish"):
        fileformat.from_document(net_doc("swish"))
    act.register(swish)  # the fixture's teardown removes it once more


def test_saturation_and_histogram_range_come_from_the_entry(swish):
    """A registered activation's value range and flat tails drive the activations histogram
    and the saturation warning; nothing else names it (here: swish given a lower bound and
    'tails' below −0.2, as a test of the plumbing, not of swish)."""
    import dataclasses

    import numpy as np

    from bpstudio.model.training_session import saturation
    from bpstudio.qt.training.boundary import _hist_range

    assert saturation("swish", np.array([-0.3, 0.5])) is None  # no tails declared
    act.register(
        dataclasses.replace(
            swish, value_range=(-0.28, None), flat_tails=lambda a: a < -0.2, tails_word="flat"
        )
    )
    assert saturation("swish", np.array([-0.25, 0.5, 1.0, -0.21])) == 0.5
    assert _hist_range("swish", np.array([0.1, 3.0])) == (-0.28, 3.0)
    assert _hist_range("sigmoid", np.array([0.3, 0.4])) == (0.0, 1.0)
    assert _hist_range("relu", np.array([0.5, 2.0])) == (0.0, 2.0)
    assert _hist_range("identity", np.array([-3.0, 2.0])) == (-3.0, 2.0)
    assert act.entry("relu").tails_word == "dead"
