"""``bpstudio report``: one sample's forward pass, loss, backward pass and update as a document.

The document reads like a lecture's worked example: the architecture with every weight and
bias, each z and a with the numbers substituted, the loss, every ∂L/∂z with its chain-rule
factors (softmax through its full Jacobian), every ∂L/∂w and ∂L/∂b also written as the sum over
its paths to the loss, and the update of every parameter. Markdown or LaTeX (amsmath; compiles
with pdflatex). No Qt.

All values come from the engine (:mod:`bpstudio.model.trace`, :mod:`bpstudio.model.explain`);
only display rounds them (:func:`bpstudio.model.explain.fmt`), and nothing is rounded before it
is computed.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

from ..core import activations as act
from ..core import limits, losses, optimizers
from ..core.data import Dataset
from . import explain as ex
from . import overflow
from .compile import Compiled
from .graph import Graph
from .trace import PassResult, run_pass

FORMATS = ("md", "tex")
MAX_DECIMALS = 15
# paths listed over the whole document; beyond it weights keep the layer-by-layer form only
PATH_BUDGET = 5000


class ReportError(Exception):
    """The report cannot be written (bad format or decimals, a non-finite pass)."""


class ReportOverflow(ReportError):
    """The sample's pass overflows float64 (model/overflow.py says where): the CLI exits 1."""


# --------------------------------------------------------------------------- styles
class _Style:
    """How math pieces are spelled in one output format."""

    times = " × "
    plus = " + "
    minus = " − "
    dot = "·"

    def __init__(self, decimals: int):
        self.decimals = decimals

    # numbers
    def num(self, x: float) -> str:
        return ex.fmt(x, self.decimals)

    def num_places(self, x: float, places: int) -> str:
        return ex.fmt_places(x, places)

    def par(self, x: float, places: int | None = None) -> str:
        """A number as a factor: parenthesised when negative."""
        text = self.num(x) if places is None else self.num_places(x, places)
        return f"({text})" if x < 0 else text

    # symbols
    def id(self, ident: str) -> str:
        return ident

    def sub(self, base: str, ident: str) -> str:
        return f"{base}_{ident}"

    def d(self, what: str, ident: str | None = None) -> str:
        """∂L/∂what_ident."""
        return f"∂L/∂{what}" + (f"_{ident}" if ident else "")

    def pick(self, unicode: str, tex: str) -> str:
        return unicode

    def dsym(self, sym: str) -> str:
        """∂L/∂(an already rendered symbol)."""
        return f"∂L/∂{sym}"

    def sq(self, x: str) -> str:
        return f"{x}²"

    def exp(self, x: str) -> str:
        return f"e^({x})"

    def frac(self, a: str, b: str) -> str:
        wrap = lambda t: f"({t})" if " " in t else t  # noqa: E731
        return f"{wrap(a)}/{wrap(b)}"

    def log(self, x: str) -> str:
        return f"log({x})"

    def yhat(self, ident: str | None = None) -> str:
        return "ŷ" + (f"_{ident}" if ident else "")

    def y(self, ident: str | None = None) -> str:
        return "y" + (f"_{ident}" if ident else "")

    def eta(self) -> str:
        return "η"

    def sigma(self) -> str:
        return "Σ"

    def blank(self, n: int) -> str:
        """A numbered blank of an exercise sheet."""
        return f"______ ({n})"


class _Md(_Style):
    pass


class _Tex(_Style):
    times = r" \times "
    minus = " - "
    dot = r" \cdot "

    def num(self, x: float) -> str:
        return ex.tex_num(x, self.decimals)

    def num_places(self, x: float, places: int) -> str:
        return ex.tex_num(x, places=places)

    def par(self, x: float, places: int | None = None) -> str:
        text = self.num(x) if places is None else self.num_places(x, places)
        return rf"\left({text}\right)" if x < 0 or "times" in text else text

    def id(self, ident: str) -> str:
        return ex.tex_id(ident)

    def sub(self, base: str, ident: str) -> str:
        return f"{base}_{{{ex.tex_id(ident)}}}"

    def d(self, what: str, ident: str | None = None) -> str:
        w = {"ŷ": r"\hat{y}"}.get(what, what)
        low = f"{w}_{{{ex.tex_id(ident)}}}" if ident else w
        return rf"\frac{{\partial L}}{{\partial {low}}}"

    def pick(self, unicode: str, tex: str) -> str:
        return tex

    def dsym(self, sym: str) -> str:
        return rf"\frac{{\partial L}}{{\partial {sym}}}"

    def sq(self, x: str) -> str:
        return f"{x}^2"

    def exp(self, x: str) -> str:
        return f"e^{{{x}}}"

    def frac(self, a: str, b: str) -> str:
        return rf"\frac{{{a}}}{{{b}}}"

    def log(self, x: str) -> str:
        return rf"\log\left({x}\right)"

    def yhat(self, ident: str | None = None) -> str:
        return r"\hat{y}" + (f"_{{{ex.tex_id(ident)}}}" if ident else "")

    def y(self, ident: str | None = None) -> str:
        return "y" + (f"_{{{ex.tex_id(ident)}}}" if ident else "")

    def eta(self) -> str:
        return r"\eta"

    def sigma(self) -> str:
        return r"\sum "

    def blank(self, n: int) -> str:
        return rf"\underline{{\hspace{{4em}}}}\;\text{{({n})}}"


# --------------------------------------------------------------------------- document
@dataclass
class _Math:
    text: str


@dataclass
class _Eq:
    lhs: str
    stages: list[list[str]]  # each stage: terms joined by the stage's operator
    joins: list[str]


Key = tuple[str, "str | None", "tuple[str, ...] | None"]  # as model/grading/answers.Key


class _Doc:
    """The document's blocks. An equation or paragraph may name the value it shows (``key``,
    as in an answers file): an exercise sheet (``hide``: the quantities to leave blank) gives
    it a numbered blank instead of its numbers, and ``notes`` (key -> sentences) adds the
    common-mistake notes under it."""

    def __init__(
        self,
        style: _Style,
        hide: frozenset[str] = frozenset(),
        notes: Callable[[Key], list[list]] | None = None,
    ):
        self.s = style
        self.blocks: list[tuple] = []
        self.hide = hide
        self.notes = notes
        self.blanks: list[tuple[int, Key, str]] = []  # (number, key, the hidden value)
        self.result: PassResult | None = None  # the pass it shows (for the notes)

    def hidden(self, key: Key | None) -> bool:
        return key is not None and key[0] in self.hide

    def heading(self, level: int, text: str) -> None:
        self.blocks.append(("h", level, text))

    def para(self, *pieces, key: Key | None = None) -> None:
        if not self.hidden(key):  # a note with the numbers of a blank would give it away
            self.blocks.append(("p", pieces))

    def quote(self, text: str) -> None:
        self.blocks.append(("q", text))

    def eq(self, lhs: str, *stages, key: Key | None = None) -> None:
        """lhs = stage1 = stage2 ...; a stage is a str or (terms, joiner). A hidden ``key``
        keeps the symbolic first stage and ends in a numbered blank."""
        if self.hidden(key):
            assert key is not None
            value = stages[-1] if isinstance(stages[-1], str) else ""
            n = len(self.blanks) + 1
            self.blanks.append((n, key, value))
            stages = (*stages[:1], self.s.blank(n)) if len(stages) > 1 else (self.s.blank(n),)
        terms, joins = [], []
        for st in stages:
            if isinstance(st, tuple):
                terms.append(list(st[0]))
                joins.append(st[1])
            else:
                terms.append([st])
                joins.append("")
        self.blocks.append(("eq", _Eq(lhs, terms, joins)))
        if self.notes is not None and key is not None and not self.hidden(key):
            found = self.notes(key)
            if found:  # one paragraph under the equation, a sentence per slip
                joined = [
                    p for k, pieces in enumerate(found) for p in ([" "] if k else []) + pieces
                ]
                self.para("Common mistake" + ("s" if len(found) > 1 else "") + ": ", *joined)

    def table(self, headers: list[str], rows: list[list]) -> None:
        self.blocks.append(("t", headers, rows))


def _render_md(doc: _Doc) -> str:
    out: list[str] = []
    for b in doc.blocks:
        kind = b[0]
        if kind == "h":
            out += ["#" * b[1] + " " + b[2], ""]
        elif kind == "fig":
            out += [f"![The network]({b[1]})", ""]
        elif kind == "q":
            out += ["> " + line if line.strip() else ">" for line in b[1].splitlines()] + [""]
        elif kind == "p":
            out += ["".join(_md_piece(p) for p in b[1]), ""]
        elif kind == "eq":
            e = b[1]
            stages = [j.join(t) for t, j in zip(e.stages, e.joins, strict=True)]
            out.append("- " + _code(" = ".join([e.lhs, *stages])))
        elif kind == "t":
            headers, rows = b[1], b[2]
            if out and out[-1].startswith("- "):
                out.append("")
            out.append("| " + " | ".join(headers) + " |")
            out.append("|" + "---|" * len(headers))
            for r in rows:
                out.append("| " + " | ".join(_md_piece(c).replace("|", "\\|") for c in r) + " |")
            out.append("")
    text = "\n".join(_blank_after_lists(out))
    return text.rstrip("\n") + "\n"


def _blank_after_lists(lines: list[str]) -> list[str]:
    """Equations are list items; close each list with a blank line before other blocks."""
    out: list[str] = []
    for line in lines:
        if out and out[-1].startswith("- ") and line and not line.startswith("- "):
            out.append("")
        out.append(line)
    return out


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_piece(p) -> str:
    if isinstance(p, _Math):
        return _code(p.text)
    return str(p)


def _render_tex(doc: _Doc, title: str) -> str:
    out = [
        r"\documentclass[10pt]{article}",
        r"\usepackage{amsmath}",
        r"\usepackage{longtable}",
        r"\usepackage{graphicx}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\allowdisplaybreaks",
        r"\setlength{\parindent}{0pt}",
        r"\setlength{\parskip}{0.5em}",
        r"\title{" + ex.tex_escape(title) + "}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "",
    ]
    for b in doc.blocks:
        kind = b[0]
        if kind == "h":
            if b[1] == 1:
                continue  # the title
            cmd = {2: "section*", 3: "subsection*"}.get(b[1], "paragraph*")
            out += [f"\\{cmd}{{{ex.tex_escape(b[2])}}}", ""]
        elif kind == "fig":
            out += [r"\begin{center}",
                    r"\includegraphics[width=0.8\linewidth]{" + b[1] + "}",
                    r"\end{center}", ""]  # fmt: skip
        elif kind == "q":
            out += [
                r"\begin{quote}",
                ex.tex_escape(b[1]).replace("\n\n", "\n\\par\n"),
                r"\end{quote}",
                "",
            ]
        elif kind == "p":
            out += ["".join(_tex_piece(p) for p in b[1]), ""]
        elif kind == "eq":
            out += _tex_eq(b[1]) + [""]
        elif kind == "t":
            headers, rows = b[1], b[2]
            out.append(r"\begin{longtable}{" + "l" * len(headers) + "}")
            out.append(" & ".join(ex.tex_escape(h) for h in headers) + r" \\ \hline")
            out.append(r"\endhead")
            for r in rows:
                out.append(" & ".join(_tex_piece(c) for c in r) + r" \\")
            out += [r"\end{longtable}", ""]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def _tex_piece(p) -> str:
    if isinstance(p, _Math):
        return f"${p.text}$"
    return ex.tex_escape(str(p))


_TERMS_PER_LINE = 4


def _tex_eq(e: _Eq) -> list[str]:
    lines = [r"\begin{align*}"]
    first = True
    for terms, join in zip(e.stages, e.joins, strict=True):
        chunks = [terms[i : i + _TERMS_PER_LINE] for i in range(0, len(terms), _TERMS_PER_LINE)]
        for k, chunk in enumerate(chunks):
            body = join.join(chunk)
            if k == 0:
                lead = (e.lhs + " &= ") if first else "&= "
            else:
                lead = r"&\quad " + join.strip() + " "
            first = False
            lines.append(lead + body + r" \\")
    lines[-1] = lines[-1][: -len(r" \\")]
    lines.append(r"\end{align*}")
    return lines


# --------------------------------------------------------------------------- content helpers
def _act_symbolic(s: _Style, name: str, nid: str) -> str:
    z = s.sub("z", nid)
    if name == act.SOFTMAX:
        return s.pick(f"softmax(z)_{nid}", rf"\mathrm{{softmax}}(z)_{{{ex.tex_id(nid)}}}")
    if name == act.IDENTITY:
        return z
    a = act.entry(name)
    return s.pick(f"{a.symbol}({z})", f"{a.tex}({z})")


def _act_substituted(s: _Style, name: str, z: float) -> str | None:
    return act.entry(name).substitute(s, z)


# e^x overflows float64 above this (its largest number is about 1.8e308); e^−x underflows
_LOG_MAX = math.log(sys.float_info.max)  # 709.78
_ULP1 = "1.1e-16"  # the spacing of float64 numbers just below 1 (2^−53), as text


def _exp_value(s: _Style, x: float) -> str:
    """e^x as a number also where float64 cannot hold it (e^800 = 2.726e347), from
    log10(e^x) = x / ln 10 (the mantissa to the report's digits; e^x itself for exponents
    so large that their rounding leaves no digit of it)."""
    l10 = x / math.log(10.0)
    if abs(l10) > 1e12:
        return s.exp(s.num(x))
    n = math.floor(l10)
    m = 10.0 ** (l10 - n)
    digits = f"{m:.{s.decimals - 1}f}"
    if float(digits) >= 10.0:  # 9.99995 rounds up: one more in the exponent
        n, digits = n + 1, f"{m / 10.0:.{s.decimals - 1}f}"
    return s.pick(f"{digits}e{n}", rf"{digits} \times 10^{{{n}}}")


def _saturation(s: _Style, name: str, z: float, a: float) -> list | None:
    """Paragraph pieces saying what float64 does with f(z) where the e^(±z) of the formula
    above overflows or underflows (|z| > 709.78): "1/(1 + e^800) = 0" reads as a slip
    without them. The values are the true ones (checked against mpmath in the tests)."""
    if not abs(z) > _LOG_MAX or name not in ("sigmoid", "softplus", "elu", "tanh"):
        return None
    M = _Math
    approx = s.pick(" ≈ ", r" \approx ")
    beyond = " is beyond float64 (its largest number is about 1.8e308)"
    below = " is below the smallest float64 (about 4.9e-324)"
    big = M(s.exp(s.num(abs(z))) + " = " + _exp_value(s, abs(z)))
    small = M(s.exp(s.num(-abs(z))) + " = " + _exp_value(s, -abs(z)))
    a_is = M("a = " + s.num(a))
    near_one = f" in float64 (its numbers near 1 are {_ULP1} apart)."

    def rounded() -> list:
        if a == 0:
            return [", which", below, ", so ", a_is, " in float64."]
        return [", which float64 holds as ", a_is, " (a subnormal number: fewer digits)."]

    if name == "sigmoid" and z < 0:
        form = s.pick("σ(z) = e^z/(1 + e^z)", r"\sigma(z) = e^z/(1 + e^z)")
        return ["Saturated: ", big, beyond, "; ", M(form + approx + "e^z = " + _exp_value(s, z)),
                *rounded()]  # fmt: skip
    if name == "sigmoid":
        form = s.pick("σ(z) = 1/(1 + e^−z) = 1 − ", r"\sigma(z) = 1/(1 + e^{-z}) = 1 - ")
        return ["Saturated: ", small, below, ", so ", M(form + _exp_value(s, -z)),
                " to the digits shown, which is ", a_is, near_one]  # fmt: skip
    if name == "softplus" and z > 0:
        form = s.pick("softplus(z) = z + log(1 + e^−z) = ", r"\mathrm{softplus}(z) = z + "
                      r"\log(1 + e^{-z}) = ")  # fmt: skip
        return ["Saturated: ", big, beyond, "; ", M(form + s.num(z) + s.plus + _exp_value(s, -z)),
                ", which float64 holds as ", a_is, "."]  # fmt: skip
    if name == "softplus":
        form = s.pick("softplus(z) = log(1 + e^z)", r"\mathrm{softplus}(z) = \log(1 + e^z)")
        return ["Saturated: ", M(form + approx + "e^z = " + _exp_value(s, z)), *rounded()]
    if name == "elu" and z < 0:
        form = s.pick("elu(z) = e^z − 1", r"\mathrm{elu}(z) = e^z - 1")
        return ["Saturated: ", small, below, ", so ", M(form), " is ", a_is, " in float64."]
    if name == "tanh":
        gap = s.frac("2", s.exp(s.num(2 * abs(z))) + s.plus + "1")
        gap_value = _exp_value(s, math.log(2.0) - 2 * abs(z))
        return ["Saturated: |tanh(z)| is 1 minus ", M(gap + approx + gap_value),
                f", far below the spacing of float64 numbers near 1 ({_ULP1}), so ", a_is,
                "."]  # fmt: skip
    return None


def _saturated_loss(s: _Style, le: ex.LossExplanation) -> list | None:
    """A log loss of an output whose ŷ rounds to 0 or 1: log(0) above is not how L is found."""
    if le.name not in ("binary_cross_entropy", "cross_entropy"):
        return None
    if not any(a in (0.0, 1.0) for a in le.yhat):
        return None
    M = _Math
    return [
        "An output is saturated: its activation rounds to 0 or 1 in float64, so a log above "
        "reads as log(0). The engine takes the logs from z in log space instead (for a sigmoid ",
        M(s.pick("log σ(z) = −softplus(−z)", r"\log\sigma(z) = -\mathrm{softplus}(-z)")),
        ", for a softmax the log-softmax), which is how ",
        M("L = " + s.num(le.value)),
        " is exact.",
    ]


def _deriv_symbolic(s: _Style, name: str, nid: str) -> str:
    letter, tex = act.entry(name).prime_symbol
    return s.pick(f"{letter}′(z_{nid})", f"{tex}'(z_{{{ex.tex_id(nid)}}})")


def _deriv_substituted(s: _Style, name: str, z: float, a: float) -> list[str]:
    """Stages for f′(z): the formula with numbers (empty when f′ is a constant rule)."""
    return act.entry(name).substitute_derivative(s, z, a)


def _loss_lines(s: _Style, le: ex.LossExplanation, multi: bool) -> tuple[str, str]:
    """(symbolic formula, substituted expression) for one sample's loss."""
    loss = losses.LOSSES[le.name]
    pairs = list(zip(le.yhat, le.y, strict=True))
    return s.pick(le.formula, loss.tex), loss.substituted(s, pairs)


def _loss_derivative(s: _Style, loss: str, a: float, y: float, k: int) -> str:
    """∂L/∂ŷ_k with its numbers."""
    return losses.LOSSES[loss].derivative_substituted(s, a, y, k)


def _loss_derivative_symbolic(s: _Style, loss: str, k: int) -> str:
    return losses.LOSSES[loss].derivative_symbolic(s, k)


# --------------------------------------------------------------------------- the report
_NUMBERS_PER_PARAMETER = 16  # its forward, backward and update lines (measured: ~200 µs each)


def report_size(graph: Graph, compiled: Compiled) -> int:
    """About how many numbers the worked example writes, computed before any is: a few per
    weight and bias, plus one per chain-rule factor of every path it lists (PATH_CAP per
    weight, PATH_BUDGET in the document, deepest layers first, as _build lists them)."""
    cap, top, layer = ex.PATH_CAP, compiled.n_layers, compiled.layer_of
    out: dict[str, list[str]] = {nid: [] for nid in graph.neurons}
    fan_in: dict[str, int] = dict.fromkeys(graph.neurons, 0)
    for e in graph.edges.values():
        out[e.source].append(e.target)
        fan_in[e.target] += 1
    n_softmax = sum(graph.neurons[o].activation == act.SOFTMAX for o in compiled.output_ids)
    paths: dict[str, int] = {}  # paths to the loss, capped (a Python int would grow huge)
    for nid in sorted(graph.neurons, key=layer.__getitem__, reverse=True):
        n = graph.neurons[nid]
        if n.role == "output":
            paths[nid] = n_softmax if n.activation == act.SOFTMAX else 1
        else:
            paths[nid] = min(cap, sum(paths[t] for t in out[nid]))
    budget, listed = PATH_BUDGET, 0
    for l in range(top, 0, -1):
        for tgt in compiled.layers[l]:
            k = min(paths[tgt], budget) * fan_in[tgt]
            listed += k * (top - l + 3)  # ∂L/∂ŷ, f′ and w per layer left, a_source
            budget -= k
            if budget <= 0:
                break
        if budget <= 0:
            break
    parameters = len(compiled.edge_ids) + len(compiled.bias_param)
    return _NUMBERS_PER_PARAMETER * parameters + listed


# what an exercise sheet may leave blank (``report --exercise --hide``), in pass order
HIDE = {
    "forward": ("z", "a"),
    "loss": ("loss",),
    "backward": ("dL_da", "da_dz", "dyhat_dz", "dL_dz"),
    "gradients": ("grad", "dL_db", "path"),
    "updates": ("updated", "updated_bias"),
}
DEFAULT_HIDE = ("backward", "gradients", "updates")


def hidden_quantities(parts: tuple[str, ...] | list[str]) -> frozenset[str]:
    """The quantities of ``--hide forward,backward,...``; ReportError naming an unknown part."""
    out: set[str] = set()
    for part in parts:
        if part not in HIDE:
            raise ReportError(f"--hide: unknown part {part!r} (parts: {', '.join(HIDE)})")
        out.update(HIDE[part])
    return frozenset(out)


def render_report(
    graph: Graph,
    compiled: Compiled,
    ds: Dataset,
    sample: int = 0,
    fmt: str = "md",
    decimals: int = 4,
    figure: str | None = None,
    mistakes: bool = False,
) -> str:
    """The worked example for data sample ``sample`` as Markdown (``md``) or LaTeX (``tex``).

    ``figure``: the file name of a picture of the network (beside the document: see
    :func:`figure_name`), shown under the title. ``mistakes``: common-mistake notes under the
    values a student is likely to get wrong (model/grading/notes.py)."""
    doc, title = _document(
        graph, compiled, ds, sample, fmt, decimals, figure, frozenset(), mistakes
    )
    return _render_md(doc) if fmt == "md" else _render_tex(doc, title)


def render_exercise(
    graph: Graph,
    compiled: Compiled,
    ds: Dataset,
    sample: int = 0,
    fmt: str = "md",
    decimals: int = 4,
    figure: str | None = None,
    hide: frozenset[str] = hidden_quantities(DEFAULT_HIDE),
) -> tuple[str, str]:
    """(exercise sheet, answer key): the worked example with numbered blanks for the
    ``hide`` quantities, and a separate key with each blank's value and the common-mistake
    notes for it."""
    doc, title = _document(graph, compiled, ds, sample, fmt, decimals, figure, hide, False)
    doc.blocks[0] = ("h", 1, f"Exercise: {graph.name}")
    s = doc.s
    key_title = f"Answer key: {graph.name}"
    key = _Doc(s)
    key.heading(1, key_title)
    key.para(
        f"The blanks of the exercise sheet (sample {sample}), rounded as the sheet rounds "
        "its numbers; under a value, what a common slip would give instead."
    )
    notes = _note_maker(graph, doc, every_update=True)
    from .grading.answers import words

    rows = [[f"({n})", words(k), _Math(v)] for n, k, v in doc.blanks]
    key.table(["blank", "value of", "answer"], rows)
    for n, k, _ in doc.blanks:
        for pieces in notes(k):
            key.para(f"({n}) ", *pieces)
    sheet = _render_md(doc) if fmt == "md" else _render_tex(doc, f"Exercise: {graph.name}")
    answer = _render_md(key) if fmt == "md" else _render_tex(key, key_title)
    return sheet, answer


def _note_maker(graph: Graph, doc: _Doc, every_update: bool) -> Callable[[Key], list[list]]:
    """key -> the note paragraphs' pieces for it, computed by the grading catalogue on the
    document's own pass (a report notes the first update only: the rest say the same)."""
    from .grading.grader import Grader
    from .grading.notes import notes_for, sentence_parts

    result = doc.result
    assert result is not None  # set by _document before the notes are asked for
    grader = Grader(graph, compiled=result.compiled, result=result)
    s = doc.s
    seen_update = [False]

    def notes(key: Key) -> list[list]:
        if key[0] in ("updated", "updated_bias") and not every_update:
            if seen_update[0]:
                return []
            seen_update[0] = True
        if key[0] in ("grad", "dL_db") and not every_update:
            return []  # the ∂L/∂a above it carries the note
        out = []
        for note in notes_for(grader, key):
            what, value, exact = sentence_parts(note)
            places: int | None = None
            if key[0] in ("updated", "updated_bias"):  # as many places as the step needs
                old = grader.net.old(key)
                places = max(ex.update_places(old, exact, s.decimals - 1), s.decimals)

            def num(x: float, places: int | None = places) -> str:
                return s.num(x) if places is None else s.num_places(x, places)

            if num(value) == num(exact):
                continue  # the slip does not show at the document's rounding
            out.append([what + " gives ", _Math(num(value)), " instead of ",
                        _Math(num(exact)), "."])  # fmt: skip
        return out

    return notes


def _document(
    graph: Graph,
    compiled: Compiled,
    ds: Dataset,
    sample: int,
    fmt: str,
    decimals: int,
    figure: str | None,
    hide: frozenset[str],
    mistakes: bool,
) -> tuple[_Doc, str]:
    if fmt not in FORMATS:
        raise ReportError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if not 1 <= int(decimals) <= MAX_DECIMALS:
        raise ReportError(f"--decimals must be between 1 and {MAX_DECIMALS}, not {decimals}")
    if not 0 <= sample < len(ds):
        raise ReportError(f"sample {sample} is out of range: the data has {len(ds)} samples")
    size = report_size(graph, compiled)
    if size > limits.MAX_REPORT_NUMBERS:
        raise ReportError(
            f"the worked example would write about {size:,} numbers, more than the limit of "
            f"{limits.MAX_REPORT_NUMBERS:,} (see Size limits in the file format documentation): "
            "use `bpstudio trace` for the values of a network this large"
        )
    result = run_pass(compiled, ds, [sample], graph.training)
    where = overflow.find_overflow(result)  # the first value that is not finite, by id
    if where is not None:
        raise ReportOverflow(where)
    style: _Style = _Md(int(decimals)) if fmt == "md" else _Tex(int(decimals))
    doc = _Doc(style, hide=hide)
    doc.result = result
    if mistakes:
        doc.notes = _note_maker(graph, doc, every_update=False)
    title = f"Worked example: {graph.name}"
    _build(doc, graph, compiled, result, sample, title)
    if figure is not None:
        doc.blocks.insert(1 if doc.blocks and doc.blocks[0][0] == "h" else 0, ("fig", figure))
    return doc, title


def key_name(document: str) -> str:
    """The answer key written beside an exercise sheet: sheet.md -> sheet-key.md."""
    name = document.rsplit("/", 1)[-1]
    stem, dot, ext = name.rpartition(".")
    return f"{stem}-key.{ext}" if dot and stem else f"{name}-key"


def figure_name(document: str) -> str:
    """The network picture written beside a document: lecture.tex -> lecture-network.png."""
    stem = document.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return f"{stem}-network.png"


def _build(doc: _Doc, graph: Graph, c: Compiled, r: PassResult, sample: int, title: str) -> None:
    s = doc.s
    M = _Math
    tr = graph.training
    loss_name = c.net.loss_name
    opt = graph.settings.optimizer
    lr = graph.settings.learning_rate
    ends = ex.edge_endpoints(c)
    L = c.n_layers
    le = ex.loss_explanation(c, r, 0)
    neu = {nid: ex.neuron_explanation(c, r, nid, 0) for nid in c.neuron_ids}

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
        loss_name,
        ". Optimizer: ",
        opt,
        ", learning rate ",
        M(s.eta() + " = " + s.num(lr)),
        ". The update below is one step on this sample alone.",
    )
    doc.para(
        f"Numbers are shown rounded to {s.decimals} decimal places, or to {s.decimals} "
        "significant digits where that would hide a small value; updated weights get enough "
        "places to show their step. Everything is computed at full precision first: a value "
        "is never computed from a rounded one."
    )

    # ---------------------------------------------------------------- architecture
    doc.heading(2, "Architecture")
    doc.para(
        "A neuron's layer is the longest path to it from an input; layer ",
        str(L),
        " is the last. Each neuron computes z = Σ w·a + b and a = f(z).",
    )
    rows = []
    for l, lay in enumerate(c.layers):
        for nid in lay:
            n = graph.neurons[nid]
            e = neu[nid]
            bias = "" if e.bias is None else M(s.num(e.bias))
            if e.bias is not None and not e.bias_trainable:
                bias = M(s.num(e.bias) + s.pick(" (frozen)", r"\ (\text{frozen})"))
            rows.append([M(s.id(nid)), n.display_label, n.role, str(l), e.activation or "", bias])
    doc.table(["neuron", "label", "role", "layer", "activation", "bias"], rows)
    erows = []
    for eid in c.edge_ids:
        src, tgt = ends[eid]
        ee = ex.edge_explanation(c, r, eid, 0, tr)
        w = M(s.num(ee.weight))
        erows.append(
            [M(s.id(eid)), M(s.id(src)), M(s.id(tgt)), w, "yes" if ee.update.trainable else "no"]
        )
    doc.table(["weight", "from", "to", "value", "trainable"], erows)

    # ---------------------------------------------------------------- forward
    doc.heading(2, "Forward pass")
    for l in range(1, L + 1):
        doc.heading(3, f"Layer {l}")
        for nid in c.layers[l]:
            e = neu[nid]
            sym_terms = [
                s.id(t.edge) + s.dot + s.pick(t.value_name, t.value_symbol) for t in e.terms
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
            stages = [_act_symbolic(s, e.activation, nid)]
            group_z = [neu[j].z for j in e.softmax_group] if e.activation == act.SOFTMAX else []
            if e.activation == act.SOFTMAX:
                zs = [s.exp(s.num(z)) for z in group_z]
                stages.append(s.frac(s.exp(s.num(e.z)), "(" + s.plus.join(zs) + ")"))
            else:
                sub = _act_substituted(s, e.activation, e.z)
                if sub is not None:
                    stages.append(sub)
                else:
                    stages.append(s.num(e.z))
            stages.append(s.num(e.a))
            doc.eq(s.sub("a", nid), *stages, key=("a", nid, None))
            note = _saturation(s, e.activation, e.z, e.a)
            if note is not None:
                doc.para(*note, key=("a", nid, None))
            elif group_z and max(abs(z) for z in group_z) > _LOG_MAX:
                top = max(group_z, key=abs)
                doc.para(
                    "Saturated: ",
                    M(s.exp(s.num(abs(top))) + " = " + _exp_value(s, abs(top))),
                    " is beyond float64 (its largest number is about 1.8e308), so the softmax "
                    "is computed relative to the group's largest z, as ",
                    M(s.exp(s.pick("z − max", r"z - \max"))),
                    " over their sum (the same ratio, nothing overflows): ",
                    M("a = " + s.num(e.a)),
                    ".",
                    key=("a", nid, None),
                )
    outs = s.pick(", ", r",\ ").join(s.yhat(o) + " = " + s.num(neu[o].a) for o in c.output_ids)
    doc.para("Outputs: ", M(outs), ".", key=("a", c.output_ids[0], None))

    # ---------------------------------------------------------------- loss
    doc.heading(2, "Loss")
    sym, subst = _loss_lines(s, le, len(c.output_ids) > 1)
    doc.eq("L", sym, subst, s.num(le.value), key=("loss", None, None))
    note = _saturated_loss(s, le)
    if note is not None:
        doc.para(*note, key=("loss", None, None))

    # ---------------------------------------------------------------- backward
    doc.heading(2, "Backward pass")
    doc.para(
        "From the loss back to the first layer. An output's ∂L/∂z is ∂L/∂ŷ times its "
        "activation's derivative (a softmax output sums over its group with the full "
        "Jacobian); a hidden neuron's ∂L/∂a sums w·∂L/∂z over the edges leaving it."
    )
    K = len(c.output_ids)
    multi = K > 1
    for l in range(L, 0, -1):
        label = "output layer" if all(n in c.output_ids for n in c.layers[l]) else ""
        doc.heading(3, f"Layer {l}" + (f" ({label})" if label else ""))
        for nid in c.layers[l]:
            e = neu[nid]
            is_out = nid in c.output_ids
            dz = s.d("z", nid)
            if is_out:
                k = c.output_ids.index(nid)
                yh = s.d("ŷ", nid if multi else None)
                doc.eq(
                    yh,
                    _loss_derivative_symbolic(s, loss_name, K),
                    _loss_derivative(s, loss_name, e.a, le.y[k], K),
                    s.num(e.dL_da),
                    key=("dL_da", nid, None),
                )
            elif not e.reaches_loss:
                doc.para(
                    M(s.id(nid)),
                    " has no path to an output: it does not affect the loss, ",
                    M(dz + " = 0"),
                    ".",
                )
                continue
            else:
                sym = [s.id(t.edge) + s.dot + s.d("z", t.other) for t in e.dL_da_terms]
                nums = [s.par(t.weight) + s.times + s.par(t.value) for t in e.dL_da_terms]
                doc.eq(
                    s.d("a", nid),
                    (sym, s.plus),
                    (nums, s.plus),
                    s.num(e.dL_da),
                    key=("dL_da", nid, None),
                )
            if e.activation == act.SOFTMAX:
                for t in e.jacobian_terms:
                    j = t.other
                    aj, ai = neu[j].a, e.a
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
                    s.d("ŷ", t.other if multi else None)
                    + s.dot
                    + s.pick(t.value_name, t.value_symbol)
                    for t in e.jacobian_terms
                ]
                nums = [s.par(t.weight) + s.times + s.par(t.value) for t in e.jacobian_terms]
                doc.eq(dz, (sym, s.plus), (nums, s.plus), s.num(e.dL_dz), key=("dL_dz", nid, None))
                if e.fused_dL_dz is not None:
                    k = c.output_ids.index(nid)
                    ysum = float(sum(le.y))
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
                            + s.par(le.y[k])
                            + " = "
                            + s.num(e.fused_dL_dz)
                        ),
                        ".",
                        key=("dL_dz", nid, None),
                    )
            else:
                dsym = _deriv_symbolic(s, e.activation, nid)
                doc.eq(
                    dsym,
                    s.pick(e.derivative_formula, act.entry(e.activation).tex_derivative),
                    *_deriv_substituted(s, e.activation, e.z, e.a),
                    s.num(e.fprime),
                    key=("da_dz", nid, None),
                )
                first = s.d("ŷ", nid if multi else None) if is_out else s.d("a", nid)
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
                            + s.par(le.y[k])
                            + " = "
                            + s.num(e.fused_dL_dz)
                        ),
                        ".",
                        key=("dL_dz", nid, None),
                    )

    # ---------------------------------------------------------------- gradients
    doc.heading(2, "Gradients of the weights and biases")
    doc.para(
        "Each weight's gradient is ∂L/∂z of its target times the activation of its source. "
        "The same number is the sum, over every path from the weight to the loss, of the "
        "product of the chain-rule factors along the path: ∂L/∂w = a_source × Σ over paths "
        "of Π(factors)."
    )
    budget = PATH_BUDGET
    capped_note = False
    for l in range(L, 0, -1):
        doc.heading(3, f"Into layer {l}")
        for tgt in c.layers[l]:
            e = neu[tgt]
            for t in e.terms:
                eid, src = t.edge, t.other
                ee = ex.edge_explanation(c, r, eid, 0, tr)
                dw = s.dsym(s.id(eid))
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
            db = s.dsym(s.sub("b", tgt))
            doc.eq(db, s.d("z", tgt) + s.dot + "1", s.num(e.dL_db), key=("dL_db", tgt, None))
    if capped_note:
        doc.para(
            f"Path listings stop after {PATH_BUDGET} paths in this document; the gradients "
            "above are exact whatever is listed."
        )

    # ---------------------------------------------------------------- update
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
    for l in range(1, L + 1):
        for tgt in c.layers[l]:
            for t in neu[tgt].terms:
                u = ex.edge_explanation(c, r, t.edge, 0, tr).update
                _update_line(doc, s.id(t.edge), u, opt, ("updated", t.edge, None))
            u = ex.bias_update(c, r, tgt, tr)
            _update_line(doc, s.sub("b", tgt), u, opt, ("updated_bias", tgt, None))


def _paths(doc: _Doc, c: Compiled, r: PassResult, eid: str, dw: str, budget: int) -> int:
    """List the paths of one weight's gradient; returns the remaining document budget."""
    s = doc.s
    M = _Math
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


def _route(s: _Style, p: ex.Path) -> str:
    arrow = s.pick(" → ", r" \to ")
    return arrow.join(s.id(n) for n in p.neurons)


def _update_line(doc: _Doc, name: str, u: ex.UpdateExplanation, opt: str, key: Key) -> None:
    s = doc.s
    places = ex.update_places(u.old, u.new, s.decimals - 1)
    places = max(places, s.decimals)
    new = s.num_places(u.new, places)
    if not u.trainable:
        doc.para(_Math(name), " is frozen (trainable: false): it stays ", _Math(s.num(u.old)), ".",
                 key=key)  # fmt: skip
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
