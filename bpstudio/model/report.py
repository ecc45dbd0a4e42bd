"""``bpstudio report``: one sample's forward pass, loss, backward pass and update as a document.

The document reads like a lecture's worked example: the architecture with every weight and
bias, each z and a with the numbers substituted, the loss, every ∂L/∂z with its chain-rule
factors (softmax through its full Jacobian), every ∂L/∂w and ∂L/∂b also written as the sum over
its paths to the loss, and the update of every parameter. Markdown or LaTeX (amsmath; compiles
with pdflatex). No Qt.

All values come from the engine (:mod:`bpstudio.model.trace`, :mod:`bpstudio.model.explain`);
only display rounds them (:func:`bpstudio.model.numfmt.fmt`), and nothing is rounded before it
is computed.
"""

from __future__ import annotations

from collections.abc import Callable

from ..core import activations as act
from ..core import limits
from ..core.data import Dataset
from . import explain as ex
from . import overflow
from .compile import Compiled
from .graph import Graph
from .report_backward import backward
from .report_doc import PATH_BUDGET, Doc, Key, Math, ReportError, ReportOverflow
from .report_gradients import gradients
from .report_render import render_md, render_tex
from .report_sections import architecture, forward, intro, loss, update
from .report_style import MdStyle, Style, TexStyle
from .report_worked import worked
from .trace import PassResult, run_pass

FORMATS = ("md", "tex")
MAX_DECIMALS = 15


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
    return render_md(doc) if fmt == "md" else render_tex(doc, title)


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
    key = Doc(s)
    key.heading(1, key_title)
    key.para(
        f"The blanks of the exercise sheet (sample {sample}), rounded as the sheet rounds "
        "its numbers; under a value, what a common slip would give instead."
    )
    notes = _note_maker(graph, doc, every_update=True)
    from .grading.answers import words

    rows = [[f"({n})", words(k), Math(v)] for n, k, v in doc.blanks]
    key.table(["blank", "value of", "answer"], rows)
    for n, k, _ in doc.blanks:
        for pieces in notes(k):
            key.para(f"({n}) ", *pieces)
    sheet = render_md(doc) if fmt == "md" else render_tex(doc, f"Exercise: {graph.name}")
    answer = render_md(key) if fmt == "md" else render_tex(key, key_title)
    return sheet, answer


def _note_maker(graph: Graph, doc: Doc, every_update: bool) -> Callable[[Key], list[list]]:
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
            out.append([what + " gives ", Math(num(value)), " instead of ", Math(num(exact)), "."])
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
) -> tuple[Doc, str]:
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
    style: Style = MdStyle(int(decimals)) if fmt == "md" else TexStyle(int(decimals))
    doc = Doc(style, hide=hide)
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


def _build(doc: Doc, graph: Graph, c: Compiled, r: PassResult, sample: int, title: str) -> None:
    """The worked example written into ``doc``, section by section in document order."""
    w = worked(doc, graph, c, r)
    intro(w, sample, title)
    architecture(w)
    forward(w)
    loss(w)
    backward(w)
    gradients(w)
    update(w)
