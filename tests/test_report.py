"""bpstudio report: the worked example, every printed number checked against the engine."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from bpstudio.cli import main
from bpstudio.core import activations as act
from bpstudio.model import explain as ex
from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.report import ReportError, render_report
from bpstudio.model.session import dataset
from bpstudio.model.trace import run_pass
from bpstudio.paths import examples_dir

REF = Path(__file__).resolve().parent / "fixtures" / "reference"  # copies of the shared references
EXAMPLES = examples_dir()
CASES = [
    (REF / "handwritten_221.json", 0),
    (REF / "ecs171_321.json", 0),
    (EXAMPLES / "softmax_3class.json", 0),
    (EXAMPLES / "softmax_3class.json", 1),
    (EXAMPLES / "skip_connection.json", 0),
    (EXAMPLES / "skip_connection.json", 2),
]


def report(path, sample=0, fmt="md", decimals=4):
    graph = fileformat.load(path)
    c = compile_graph(graph)
    return render_report(graph, c, dataset(graph), sample=sample, fmt=fmt, decimals=decimals)


# --------------------------------------------------------------------------- what it must show
def test_handwritten_shows_the_lecture_numbers():
    md = report(REF / "handwritten_221.json")
    assert "0.2748" in md  # the loss
    assert "∂L/∂ŷ = ŷ − y = 0.7514 − 0.01 = 0.7414" in md
    assert "σ′(z_o1) = a(1−a) = 0.7514 × (1 − 0.7514) = 0.1868" in md
    assert "∂L/∂z_o1 = ∂L/∂ŷ·σ′(z_o1) = 0.7414 × 0.1868 = 0.1385" in md
    assert "∂L/∂w5 = ∂L/∂ŷ·σ′(z_o1)·a_h1 = 0.7414 × 0.1868 × 0.5933 = 0.0822" in md
    # w1: one path through h1 and o1, every factor, a tiny value with significant digits
    assert (
        "∂L/∂w1 = ∂L/∂ŷ·σ′(z_o1)·w5·σ′(z_h1)·x1 = 0.7414 × 0.1868 × 0.4 × 0.2413 × 0.05 = 0.0006684"
    ) in md
    assert "0.000668" in md and "= 0.0007`" not in md
    # updated w5, gradient descent with the learning rate, enough places to see the step
    assert "w5_new = w5 − η·∂L/∂w5 = 0.4 − 0.0001 × 0.0822 = 0.39999178" in md
    assert "a_h1 = σ(z_h1) = 1/(1 + e^(−0.3775)) = 0.5933" in md
    assert "z_h1 = w1·x1 + w2·x2 + b_h1 = 0.15 × 0.05 + 0.2 × 0.1 + 0.35 = 0.3775" in md
    assert "| `w5` | `h1` | `o1` | `0.4` | yes |" in md


def test_ecs171_descends():
    md = report(REF / "ecs171_321.json")
    assert "wAZ_new = wAZ − η·∂L/∂wAZ = 0.9 − 0.1 × 0.0065 = 0.899353" in md
    assert "0.90067" not in md
    md_ex = report(EXAMPLES / "ecs171_321.json")
    assert "0.899353" in md_ex and "constant-1 bias unit" in md_ex


def test_softmax_report_uses_the_jacobian():
    md = report(EXAMPLES / "softmax_3class.json", sample=1)
    assert "∂a_o2/∂z_o1 = −(" in md
    assert "∂L/∂z_o1 = ∂L/∂ŷ_o1·∂a_o1/∂z_o1 + ∂L/∂ŷ_o2·∂a_o2/∂z_o1 + ∂L/∂ŷ_o3·∂a_o3/∂z_o1" in md
    assert "path o1 → o2" in md  # a cross term is a path of its own
    assert "closed form" in md


def test_several_paths_are_summed():
    md = report(EXAMPLES / "skip_connection.json")
    assert "path h1 → h2 → o1 = " in md and "path h1 → o1 = " in md
    assert re.search(r"∂L/∂w1 = \(?−?[\d.]+\)? \+ \(?−?[\d.]+\)? = ", md)


def test_non_sgd_optimizer_says_old_to_new(tmp_path):
    doc = fileformat.to_document(fileformat.load(REF / "handwritten_221.json"))
    doc["training"]["optimizer"] = "adam"
    doc["training"]["learning_rate"] = 0.01
    graph = fileformat.from_document(doc)
    md = render_report(graph, compile_graph(graph), dataset(graph))
    assert "Optimizer adam" in md and "w5_new = 0.4 → 0.39" in md


def test_frozen_and_decimals():
    doc = fileformat.to_document(fileformat.load(REF / "handwritten_221.json"))
    doc["edges"][4]["trainable"] = False
    graph = fileformat.from_document(doc)
    md = render_report(graph, compile_graph(graph), dataset(graph), decimals=6)
    assert "is frozen (trainable: false): it stays `0.4`" in md
    assert "0.741365" in md and "0.274811" in md
    with pytest.raises(ReportError):
        render_report(graph, compile_graph(graph), dataset(graph), decimals=0)
    with pytest.raises(ReportError):
        render_report(graph, compile_graph(graph), dataset(graph), fmt="html")


def test_cli_report(tmp_path, capsys):
    out = tmp_path / "r.md"
    assert main(["report", str(REF / "handwritten_221.json"), "-o", str(out)]) == 0
    assert "0.0822" in out.read_text(encoding="utf-8")
    assert main(["report", str(REF / "handwritten_221.json"), "--decimals", "0"]) == 2
    assert "--decimals" in capsys.readouterr().err
    assert main(["report", str(REF / "handwritten_221.json"), "--sample", "3"]) == 2


def test_cli_report_writes_the_network_picture_beside_the_document(tmp_path, capsys):
    out = tmp_path / "lecture 3.tex"
    assert (
        main(["report", str(REF / "handwritten_221.json"), "--format", "tex", "-o", str(out)]) == 0
    )
    figure = tmp_path / "lecture 3-network.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert r"\includegraphics[width=0.8\linewidth]{lecture 3-network.png}" in out.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lecture 3-network.png", "lecture 3.tex"]
    # to stdout there is no folder to put it in: no figure
    assert main(["report", str(REF / "handwritten_221.json")]) == 0
    assert "![The network]" not in capsys.readouterr().out


# --------------------------------------------------------------------------- every number
_NUM = re.compile(r"(?<![\w.′])(−?)(\d+(?:\.\d+)?)(e[-+]\d+)?(?![\w.]*\d)(?![\w])")


def _paths(graph, r, c, target: str, k: int):
    """Independent path products (not explain.py) from a neuron to the loss, for sample k."""
    row = c.row_of
    A, Z, G = r.trace.a[:, k], r.trace.z[:, k], r.trace.dL_da[:, k]
    outs = [n.id for n in graph.outputs()]
    soft = [o for o in outs if graph.neurons[o].activation == "softmax"]
    J = act.softmax_jacobian(np.array([A[row[o]] for o in soft])) if soft else None
    w = r.compiled.weights()

    def fprime(n):
        name = act.canonical(graph.neurons[n].activation)
        return float(act.derivative(name, np.array([Z[row[n]]]))[0])

    res = []

    def walk(n, prod):
        if n in outs:
            if n in soft:
                for i in soft:
                    res.append(prod * J[soft.index(i), soft.index(n)] * G[row[i]])
            else:
                res.append(prod * fprime(n) * G[row[n]])
            return
        for e in graph.outgoing(n):
            walk(e.target, prod * fprime(n) * w[e.id])

    walk(target, 1.0)
    return res


def engine_values(graph, c, r, k: int) -> set[float]:
    """Every number the engine computes for sample k (column k of a one-sample pass)."""
    t = r.trace
    vals: set[float] = set()
    for arr in (t.a, t.z, t.dL_da, t.dL_dz):
        vals.update(arr[:, k].tolist())
    vals.update((-t.z[:, k]).tolist())  # the sigmoid's exponent e^(−z)
    vals.update(t.params.tolist())
    vals.update(t.grads.tolist())
    vals.update(r.updated_params.tolist())
    vals.update([float(t.loss), *t.sample_loss.tolist()])
    vals.update(r.X[k].tolist())
    vals.update(r.Y[k].tolist())
    vals.add(float(r.Y[k].sum()))
    tr = graph.training
    vals.update(
        float(tr[key])
        for key in ("learning_rate", "momentum", "beta1", "beta2", "eps")
        if key in tr
    )
    vals.update([act.LEAKY_SLOPE, act.ELU_ALPHA])
    row = c.row_of
    soft = []
    for n in graph.neurons.values():
        if n.role in ("hidden", "output"):
            name = act.canonical(n.activation)
            if name == "softmax":
                soft.append(n.id)
            else:
                vals.add(float(act.derivative(name, np.array([t.z[row[n.id], k]]))[0]))
    if soft:
        vals.update(act.softmax_jacobian(np.array([t.a[row[o], k] for o in soft])).ravel().tolist())
    for e in graph.edges.values():
        for p in _paths(graph, r, c, e.target, k):
            vals.add(p * t.a[row[e.source], k])
    return vals


def _matches(sign: str, digits: str, exp: str | None, vals: set[float]) -> bool:
    neg = sign == "−"
    if exp:
        places = len(digits.split(".")[1]) if "." in digits else 0
        want = f"{digits}{exp}"
        return any(
            (v < 0) == neg and (f"{abs(v):.{places}e}" == want or abs(v) == float(want))
            for v in vals
            if v != 0
        )
    if "." not in digits:
        return any(v == (-1 if neg else 1) * int(digits) for v in vals)
    places = len(digits.split(".")[1])
    return any(
        (v < 0) == neg and f"{abs(v):.{places}f}" == digits for v in vals if v != 0 or not neg
    )


def _rule_strings(vals: set[float], updated, decimals: int) -> set[str]:
    """What the documented display rule prints for these values (updates: any finer places)."""
    out = {ex.fmt(v, decimals) for v in vals}
    out.update(ex.fmt_places(float(v), p) for v in updated for p in range(decimals, 18))
    return out


def _numbers(md: str):
    body = [
        line
        for line in md.splitlines()
        if not line.startswith("# ") and not line.startswith(">")  # title, file description
    ]
    for line in body:
        for m in _NUM.finditer(line):
            yield line, m.group(1), m.group(2), m.group(3)


@pytest.mark.parametrize("path, sample", CASES, ids=lambda x: getattr(x, "name", str(x)))
@pytest.mark.parametrize("decimals", [4, 3, 6])
def test_every_number_is_an_engine_value(path, sample, decimals):
    graph = fileformat.load(path)
    c = compile_graph(graph)
    ds = dataset(graph)
    md = render_report(graph, c, ds, sample=sample, decimals=decimals)
    r = run_pass(c, ds, [sample], graph.training)
    vals = engine_values(graph, c, r, 0)
    # structural integers: layer numbers, the sample, the decimals setting, the output count,
    # and the constants 0, 1, 2 of the formulas (1 − a, 2(ŷ − y), ...)
    structural = {0, 1, 2, sample, decimals, len(graph.outputs()), *range(c.n_layers + 1)}
    rule = _rule_strings(vals, r.updated_params.tolist(), decimals)
    checked = 0
    bad = []
    for line, sign, digits, exp in _numbers(md):
        checked += 1
        if "." not in digits and not exp and not sign and int(digits) in structural:
            continue
        # (1) independent: some engine value rounds to the shown digits at the shown precision
        if not _matches(sign, digits, exp, vals):
            bad.append(f"{sign}{digits}{exp or ''} in: {line}")
        # (2) and it is printed by the one display rule (no 0.0007 for 0.000668)
        elif f"{sign}{digits}{exp or ''}" not in rule:
            bad.append(f"{sign}{digits}{exp or ''} breaks the display rule in: {line}")
    assert not bad, "numbers that are no engine value at their displayed precision:\n" + "\n".join(
        bad[:20]
    )
    assert checked > 100


def test_number_check_catches_a_wrong_number():
    graph = fileformat.load(REF / "handwritten_221.json")
    c = compile_graph(graph)
    ds = dataset(graph)
    r = run_pass(c, ds, [0], graph.training)
    vals = engine_values(graph, c, r, 0)
    assert _matches("", "0.0822", None, vals)
    assert not _matches("", "0.0823", None, vals)
    assert not _matches("", "0.90067", None, vals)
    assert not _matches("−", "0.0822", None, vals)  # the sign counts
    assert _matches("", "0.0006684", None, vals)
    rule = _rule_strings(vals, r.updated_params.tolist(), 4)
    assert "0.0006684" in rule and "0.0822" in rule and "0.39999178" in rule
    assert "0.0007" not in rule and "0.0000" not in rule  # a rounded-away gradient


# --------------------------------------------------------------------------- LaTeX
def _check_balanced(tex: str) -> None:
    depth = 0
    i = 0
    while i < len(tex):
        ch = tex[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "%":
            raise AssertionError(f"unescaped % at {i}: {tex[i - 40 : i + 40]!r}")
        depth += ch == "{"
        depth -= ch == "}"
        assert depth >= 0, f"unbalanced }} at {i}: {tex[i - 40 : i + 40]!r}"
        i += 1
    assert depth == 0, "unbalanced {"
    stack = []
    for m in re.finditer(r"\\(begin|end)\{([^}]*)\}", tex):
        if m.group(1) == "begin":
            stack.append(m.group(2))
        else:
            assert stack and stack.pop() == m.group(2), f"\\end{{{m.group(2)}}} without its begin"
    assert not stack, f"unclosed environments {stack}"
    for para in tex.split("\n\n"):
        assert para.replace(r"\$", "").count("$") % 2 == 0, para
    assert tex.isascii()


def _tex_cases():
    return [(REF / "handwritten_221.json", 0), (EXAMPLES / "softmax_3class.json", 1)]


@pytest.mark.parametrize("path, sample", _tex_cases(), ids=lambda x: getattr(x, "name", str(x)))
def test_tex_is_balanced(path, sample):
    tex = report(path, sample, fmt="tex")
    _check_balanced(tex)
    assert r"\usepackage{amsmath}" in tex and r"\sigma" in tex or r"\tanh" in tex
    assert r"\frac{\partial L}{\partial \text{w5}}" in tex or "softmax" in path.name


def test_tex_escapes_ids(tmp_path):
    doc = fileformat.to_document(fileformat.load(REF / "handwritten_221.json"))
    doc["name"] = "odd_name #1 & 100% {braces} ~ σ₁"
    for n in doc["neurons"]:
        if n["id"] == "h1":
            n["id"] = "h_1&"
    for e in doc["edges"]:
        for key in ("source", "target"):
            if e[key] == "h1":
                e[key] = "h_1&"
        e["id"] = e["id"] + "_#"
    graph = fileformat.from_document(doc)
    tex = render_report(graph, compile_graph(graph), dataset(graph), fmt="tex")
    _check_balanced(tex)
    assert r"\text{h\_1\&}" in tex and r"\text{w5\_\#}" in tex
    _compile_tex(tex, tmp_path)


def _compile_tex(tex: str, tmp_path: Path) -> None:
    engine = shutil.which("pdflatex") or shutil.which("lualatex") or shutil.which("xelatex")
    if engine is None:
        pytest.skip("no LaTeX engine (pdflatex/lualatex/xelatex) is installed")
    src = tmp_path / "report.tex"
    src.write_text(tex, encoding="utf-8")
    proc = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", src.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "report.pdf").stat().st_size > 1000


@pytest.mark.parametrize("path, sample", _tex_cases(), ids=lambda x: getattr(x, "name", str(x)))
def test_tex_compiles(path, sample, tmp_path):
    _compile_tex(report(path, sample, fmt="tex"), tmp_path)
