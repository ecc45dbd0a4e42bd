# Longer than 400 lines: one panel's text for every kind of selection (neuron, edge, loss, penalty),
# each a few dozen lines; others edit it now, so it is not split here.
"""The explain dock: the maths of the selected neuron or edge, with the numbers substituted.

Everything shown comes from :mod:`bpstudio.model.explain` (the same objects the worked-example
report prints), so the panel and the report cannot disagree. Each factor of each product is
printed, which is what makes a slip in lecture notes easy to spot. The text is also kept as
plain lines (``plain_text()``) for tests and for copying into notes.

While the network changes (training writes the weights several times a second) the panel is
refreshed through :meth:`ExplainPanel.refresh_live`: not at all while it is off screen (caught
up when it is shown or read), at most ``LIVE_HZ`` times a second otherwise.
"""

from __future__ import annotations

import html
import re
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import QDockWidget, QTextBrowser, QWidget

from ...core import activations as act
from ...model import explain as ex
from ...model.reveal import Blanks, ExplainGates, hides_values, shown_in_explain
from ...model.stepper import PassStepper, StepState
from ..turns import Turn


def _letter(activation: str | None) -> str:
    """f in "f(z)" for the panel: the registry's symbol (σ, tanh, relu, id, ...)."""
    return act.entry(activation).symbol if activation else ""


class _Doc:
    """Lines of the explanation, each as (kind, text); rendered to HTML and to plain text."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []

    def h(self, text: str) -> None:
        self.rows.append(("h", text))

    def sub(self, text: str) -> None:
        self.rows.append(("sub", text))

    def eq(self, text: str) -> None:
        self.rows.append(("eq", text))

    def note(self, text: str) -> None:
        self.rows.append(("note", text))

    def ok(self, text: str) -> None:
        self.rows.append(("ok", text))

    def path(self, names: list[str], numbers: list[str], result: str) -> None:
        """A product written twice, names over numbers, aligned factor by factor."""
        self.rows.append(("eq", "   " + " × ".join(names)))
        self.rows.append(("eq", f"   {' × '.join(numbers)} = {result}"))
        self.rows.append(("table", (names, numbers, result)))

    def plain(self) -> str:
        return "\n".join(t for kind, t in self.rows if kind != "table")

    def html(self, px: int) -> str:
        out = [
            f"<div style='font-size:{px}px; line-height:135%'>",
        ]
        rows = self.rows
        for i, (kind, text) in enumerate(rows):
            if kind == "eq" and any(k == "table" for k, _ in rows[i + 1 : i + 3]):
                continue  # the aligned table below shows this product
            if kind == "table":
                out.append(_table_html(*text))
                continue
            t = _subscripts(html.escape(text))
            if kind == "h":
                out.append(f"<p style='font-size:{round(px * 1.2)}px'><b>{t}</b></p>")
            elif kind == "sub":
                out.append(f"<p style='color:#3a4a8a; margin-top:10px'><b>{t}</b></p>")
            elif kind == "eq":
                out.append(f"<p style='margin-left:14px; white-space:pre-wrap'>{t}</p>")
            elif kind == "ok":
                out.append(f"<p style='margin-left:14px; color:#1a7a2a'><b>{t}</b></p>")
            else:
                out.append(f"<p style='margin-left:14px; color:#666'>{t}</p>")
        out.append("</div>")
        return "".join(out)


def _subscripts(text: str) -> str:
    """z_h1 -> z<sub>h1</sub> (the projector reads subscripts better than underscores)."""
    return re.sub(r"(?<=[\w)])_(\w+)", r"<sub>\1</sub>", text)


def _table_html(names: list[str], numbers: list[str], result: str) -> str:
    cell = "<td align='center' nowrap style='padding:0px 2px'>{}</td>"
    times = "<td style='color:#888; padding:0px 1px'>×</td>"
    top = times.join(cell.format(_subscripts(html.escape(n))) for n in names)
    bottom = times.join(cell.format(html.escape(n)) for n in numbers)
    eq = f"<td>=</td><td nowrap style='padding-left:6px'><b>{html.escape(result)}</b></td>"
    return (
        "<table style='margin-left:10px' cellspacing='0' cellpadding='0'>"
        f"<tr style='color:#555'>{top}<td></td><td></td></tr><tr>{bottom}{eq}</tr></table>"
    )


def factor(text: str) -> str:
    """A number written after × or +: a negative one in parentheses ("× (−0.6836)")."""
    return f"({text})" if text.startswith(("−", "-")) else text


def _sum_of_products(terms, f) -> str:
    """w·a + w·a … with the numbers: "0.15 × 0.05 + (−0.2) × (−0.1)"."""
    return " + ".join(
        f"{f(t.weight) if i == 0 else factor(f(t.weight))} × {factor(f(t.value))}"
        for i, t in enumerate(terms)
    )


EXERCISE_NOTE = "hidden in the exercise: work it out on the canvas (Tab walks the blanks)"


def _gates(stepper: PassStepper, layer: int, blanks: Blanks | None) -> ExplainGates:
    """Which sections of ``layer``'s explanation may show: model/reveal.py, the one source
    the canvas reads too (never a number the canvas has not revealed, nor an exercise's
    blank; with no pass started everything)."""
    return shown_in_explain(stepper.state, layer, blanks)


def _label(graph, nid: str) -> str:
    n = graph.neurons.get(nid)
    return n.display_label if n is not None else nid


def neuron_doc(
    stepper: PassStepper, nid: str, sample: int, decimals: int, blanks: Blanks | None = None
) -> _Doc:
    r = stepper.result
    c = r.compiled
    d = _Doc()
    f = lambda v: ex.fmt(v, decimals)  # noqa: E731
    e = ex.neuron_explanation(c, r, nid, sample)
    lab = _label(stepper.graph, nid)
    where = _where(r, sample)
    if e.role in ("input", "bias"):
        d.h(f"{lab}  ({e.role} unit{where})")
        d.eq(f"a = {f(e.a)}" if e.role == "input" else "a = 1 (constant)")
        return d
    d.h(f"{lab}  ({e.role}, layer {e.layer}, {e.activation}{where})")
    gates = _gates(stepper, e.layer, blanks)
    if not gates.forward:
        if hides_values(blanks):
            d.note(f"z and a: {EXERCISE_NOTE}")
        else:
            d.note(f"z and a appear when the forward pass reaches layer {e.layer} (F6)")
        return d
    d.sub("Forward")
    names = [f"{t.weight_name}·{t.value_name}" for t in e.terms] + ["b"]
    bias = f(e.bias) if not e.terms else factor(f(e.bias))
    d.eq(f"z = Σ w·a + b = {' + '.join(names)}")
    d.eq(f"   = {' + '.join(filter(None, [_sum_of_products(e.terms, f), bias]))}")
    d.eq(f"   = {f(e.z)}")
    if e.activation == "softmax":
        d.eq(f"a = softmax(z)_{nid} = {f(e.a)}    ({e.activation_formula})")
    else:
        letter = _letter(e.activation)
        d.eq(f"a = {letter}(z) = {letter}({f(e.z)}) = {f(e.a)}")
    if not gates.backward:
        if hides_values(blanks) and stepper.backward_shown(e.layer):
            d.note(f"∂L/∂z: {EXERCISE_NOTE}")
        else:
            d.note(f"∂L/∂z appears when the backward pass reaches layer {e.layer} (F7)")
        return d
    d.sub("Backward")
    if not e.reaches_loss:
        d.note("no path from this neuron reaches an output: every derivative is 0")
    if e.loss_derivative is not None:
        lx = ex.loss_explanation(c, r, sample)
        d.eq(f"∂L/∂a = ∂L/∂ŷ = {lx.derivative_formula} = {f(e.loss_derivative)}")
    elif e.dL_da_terms:
        names = " + ".join(f"{t.weight_name}·{t.value_name}" for t in e.dL_da_terms)
        nums = _sum_of_products(e.dL_da_terms, f)
        d.eq(f"∂L/∂a = Σ w·∂L/∂z = {names}")
        d.eq(f"      = {nums} = {f(e.dL_da)}")
    if e.activation == "softmax":
        names = " + ".join(f"{t.weight_name}·{t.value_name}" for t in e.jacobian_terms)
        nums = _sum_of_products(e.jacobian_terms, f)
        d.eq(f"∂L/∂z = Σ_j ∂L/∂a_j·∂a_j/∂z = {names}")
        d.eq(f"      = {nums} = {f(e.dL_dz)}")
    else:
        letter = _letter(e.activation)
        d.eq(f"∂L/∂z = {letter}′(z)·∂L/∂a = {f(e.fprime)} × {factor(f(e.dL_da))} = {f(e.dL_dz)}")
        if e.derivative_formula:
            d.note(f"{letter}′(z) = {e.derivative_formula}")
    if e.fused_dL_dz is not None:
        d.note(f"the engine uses the exact closed form for this loss: ∂L/∂z = {f(e.fused_dL_dz)}")
    d.eq(f"∂L/∂b = ∂L/∂z = {f(e.dL_db)}")
    if r.regularised:
        d.note("biases are not penalised: ∂L/∂b has no regularisation term")
    if stepper.updated and gates.update and e.bias is not None:
        u = ex.bias_update(c, r, nid, stepper.graph.training)
        _update_lines(d, u, "b", decimals)
    return d


def edge_doc(
    stepper: PassStepper, eid: str, sample: int, decimals: int, blanks: Blanks | None = None
) -> _Doc:
    r = stepper.result
    c = r.compiled
    d = _Doc()
    f = lambda v: ex.fmt(v, decimals)  # noqa: E731
    e = ex.edge_explanation(c, r, eid, sample, stepper.graph.training, with_paths=True)
    g = stepper.graph
    d.h(
        f"{eid}: {_label(g, e.source)} → {_label(g, e.target)}   w = {f(e.weight)}{_where(r, sample)}"
    )
    layer = c.layer_of[e.target]
    gates = _gates(stepper, layer, blanks)
    if not gates.backward:
        if hides_values(blanks) and stepper.backward_shown(layer):
            d.note(f"∂L/∂{eid}: {EXERCISE_NOTE}")
        else:
            d.note(f"∂L/∂{eid} appears when the backward pass reaches layer {layer} (F7)")
        return d
    pen = e.penalty
    data = "∂L_data" if pen is not None else "∂L"  # the chain rule is the data loss's
    d.sub("Local rule")
    d.eq(
        f"{data}/∂{eid} = ∂L/∂z_{e.target} · a_{e.source} = "
        f"{f(e.dL_dz_target)} × {factor(f(e.a_source))}"
    )
    d.eq(f"      = {f(e.grad)}")
    ps = e.paths
    d.sub(
        f"Chain rule along every path to the loss ({ps.n_paths} path{'s' if ps.n_paths != 1 else ''})"
    )
    for k, p in enumerate(ps.paths, 1):
        route = " → ".join(_label(g, n) for n in (e.source, *p.neurons)) + " → L"
        d.note(f"path {k}: {route}")
        d.path(
            [fa.name for fa in p.factors],
            [
                ex.fmt(fa.value, decimals) if i == 0 else factor(ex.fmt(fa.value, decimals))
                for i, fa in enumerate(p.factors)
            ],
            f(p.product),
        )
    if ps.capped:
        d.note(f"showing {len(ps.paths)} of {ps.n_paths} paths; the sum below is partial")
    bad = ps.first_overflow()
    if bad is not None:  # the pass sums at each neuron and stays finite; single paths may not
        k = ps.paths.index(bad) + 1
        d.note(
            f"the product of path {k} overflows float64 ({bad.product}): the sum of the path "
            "products is not the gradient here; the engine's value below is"
        )
    d.eq(f"sum of the path products = {f(ps.total)}")
    single = len(r.samples) == 1
    engine = r.edge_data_grad(eid) if single else ps.value
    agree = abs(ps.total - engine) <= 1e-9 * max(1.0, abs(engine))
    mark = "✓ they agree" if agree and not ps.capped else ""
    d.ok(f"engine's {data}/∂{eid} = {f(engine)}   {mark}".rstrip())
    if not single:
        d.note(f"batch gradient (mean over {len(r.samples)} samples) = {f(r.edge_data_grad(eid))}")
    if pen is not None:
        _penalty_lines(d, pen, eid, decimals)
    elif r.regularised:
        d.note(f"{eid} is frozen: the penalty leaves it out ({ex.PENALTY_SCOPE})")
    if stepper.updated and gates.update:
        _update_lines(d, e.update, eid, decimals)
    return d


def _penalty_lines(d: _Doc, pen: ex.PenaltyTerm, eid: str, decimals: int) -> None:
    """∂L/∂w = ∂L_data/∂w + λ₂·w + λ₁·sign(w): what the canvas shows and the step uses."""
    f = lambda v: ex.fmt(v, decimals)  # noqa: E731
    d.sub("Regularisation")
    d.note(f"L = L_data + {ex.PENALTY_FORMULA}, {ex.PENALTY_SCOPE}")
    nums = [factor(f(pen.data_grad))]
    if pen.l2:
        nums.append(f"{f(pen.l2)} × {factor(f(pen.weight))}")
    if pen.l1:
        nums.append(f"{f(pen.l1)} × {factor(f(pen.sign))}")
    d.eq(f"∂L/∂{eid} = ∂L_data/∂{eid} + {pen.name}")
    d.eq(f"      = {' + '.join(nums)}")
    d.ok(f"      = {f(pen.grad)}   (the ∂L/∂{eid} shown on the canvas and stepped with)")
    if pen.l1 and pen.weight == 0.0:
        d.note("sign(0) = 0: |w| has no slope at 0, the subgradient 0 is used")


def _update_lines(d: _Doc, u, name: str, decimals: int) -> None:
    places = ex.update_places(u.old, u.new, decimals)
    f = lambda v: ex.fmt(v, decimals)  # noqa: E731
    d.sub("Update")
    if not u.trainable:
        d.note(f"{name} is frozen (not trainable): it keeps {f(u.old)}")
        return
    if u.optimizer == "sgd":
        d.eq(
            f"{name} ← {name} − η·∂L/∂{name} = "
            f"{f(u.old)} − {f(u.learning_rate)} × {factor(f(u.grad))}"
        )
        d.eq(f"   = {ex.fmt_places(u.new, places)}")
    else:
        d.eq(f"{name}: {f(u.old)} → {ex.fmt_places(u.new, places)}  ({u.optimizer} step)")
    d.eq(f"Δ{name} = {ex.fmt(u.new - u.old, decimals)}")


def _where(r, sample: int) -> str:
    if len(r.samples) == 1:
        return f", sample {r.samples[0]}"
    return f", sample {r.samples[sample]} of a batch of {len(r.samples)}"


class ExplainPanel(QTextBrowser):
    """Shows the explanation of one neuron or edge; refreshes when the pass changes."""

    LIVE_HZ = 5.0

    def __init__(self, stepper: PassStepper, parent: QWidget | None = None):
        super().__init__(parent)
        self.stepper = stepper
        self.decimals = 4
        self.font_px = 16
        self.focus = 0
        self.selection: tuple[str, str] | None = None
        self.blanks: Blanks | None = None  # an exercise's (set_exercise): never shown here
        self.doc: _Doc | None = None
        # a note shown while nothing is selected (show_note: why training diverged)
        self._note: _Doc | None = None
        self.setOpenLinks(False)
        # break lines between words only: Qt's default also breaks inside a word that does
        # not fit, which split numbers in a narrow dock ("0.17" / "86"); a wide product
        # scrolls sideways instead
        option = self.document().defaultTextOption()
        option.setWrapMode(QTextOption.WrapMode.WordWrap)
        self.document().setDefaultTextOption(option)
        self.setMinimumWidth(240)  # the formulas wrap between factors, never inside a number
        self._stale = False  # a live refresh was skipped while off screen
        self._refreshed_at = -1e9
        # the pass step the shown explanation was written at (tests: it has caught up)
        self.rendered_step: StepState | None = None
        self._later = QTimer(self)  # the throttled live refresh
        self._later.setSingleShot(True)
        self._later.timeout.connect(Turn(self.refresh_live, self).run)  # qt/turns.py
        self._show_hint()

    # ---------------------------------------------------------------- live refresh
    def exposed(self) -> bool:
        """On screen: visible and not covered (a dock tabbed away keeps isVisible())."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def refresh_live(self) -> None:
        """Refresh after a change of the network, cheaply: skipped off screen (caught up
        when shown or read), at most LIVE_HZ times a second."""
        if self.selection is None and self.doc is None:
            return  # the hint: nothing depends on the network
        if not self.exposed():
            self._stale = True
            return
        wait = self._refreshed_at + 1.0 / self.LIVE_HZ - time.perf_counter()
        if wait > 0:
            self._stale = True
            if not self._later.isActive():
                self._later.start(int(wait * 1000) + 1)
            return
        self.refresh()

    def catch_up(self) -> None:
        """The panel came on screen (shown, or its tab selected): apply skipped refreshes."""
        if self._stale:
            QTimer.singleShot(0, self, self.refresh_live)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.catch_up()

    def _show_hint(self) -> None:
        self.doc = None
        self.setHtml(
            f"<p style='font-size:{self.font_px}px; color:#666'>Select a neuron or an edge on "
            "the canvas to see its formula with the numbers of the current pass.</p>"
        )

    def set_decimals(self, decimals: int) -> None:
        self.decimals = int(decimals)
        self.refresh()

    def set_font_px(self, px: int) -> None:
        self.font_px = int(px)
        self.refresh()

    def set_focus_sample(self, k: int) -> None:
        self.focus = int(k)
        self.refresh()

    def set_exercise(self, blanks: Blanks | None) -> None:
        """The values ``blanks`` hides are not explained (None: the pass as stepped)."""
        self.blanks = blanks
        self.refresh()

    def show_neuron(self, nid: str) -> None:
        self.selection = ("neuron", nid)
        self.refresh()

    def show_edge(self, eid: str) -> None:
        self.selection = ("edge", eid)
        self.refresh()

    def clear_selection(self) -> None:
        self.selection = None
        self._note = None
        self.refresh()

    def show_note(self, title: str, lines: list[str] | tuple[str, ...]) -> None:
        """A titled explanation that is not about the pass (e.g. where training diverged),
        shown until a neuron or edge is selected or :meth:`clear_note`."""
        d = _Doc()
        d.h(title)
        for line in lines:
            (d.eq if "←" in line else d.note)(line)  # the update, written out
        self.selection = None
        self._note = d
        self.refresh()

    def clear_note(self) -> None:
        if self._note is not None:
            self._note = None
            self.refresh()

    def refresh(self) -> None:
        self._stale = False
        self._later.stop()
        self._refreshed_at = time.perf_counter()
        sel = self.selection
        graph = self.stepper.graph
        if sel is None and self._note is not None:
            self.doc = self._note
            self.setHtml(self._note.html(self.font_px))
            return
        if sel is None or (sel[0] == "neuron" and sel[1] not in graph.neurons):
            return self._show_hint()
        if sel[0] == "edge" and sel[1] not in graph.edges:
            return self._show_hint()
        r = self.stepper.compute()
        if r is None:
            self.doc = None
            self.setHtml(f"<p style='color:#a00'>{html.escape(self.stepper.error or '')}</p>")
            return
        sample = min(self.focus, len(r.samples) - 1)
        kind, ident = sel
        self.doc = (neuron_doc if kind == "neuron" else edge_doc)(
            self.stepper, ident, sample, self.decimals, self.blanks
        )
        self.rendered_step = self.stepper.state
        bar = self.verticalScrollBar().value()
        self.setHtml(self.doc.html(self.font_px))
        self.verticalScrollBar().setValue(bar)

    def plain_text(self) -> str:
        if self._stale:  # read while off screen: what it would show now
            self.refresh()
        return self.doc.plain() if self.doc is not None else self.toPlainText()


def make_explain_dock(panel: ExplainPanel) -> QDockWidget:
    dock = QDockWidget("Explain")
    dock.setObjectName("explain_dock")
    dock.setWidget(panel)
    dock.setAllowedAreas(Qt.DockWidgetArea.AllDockWidgetAreas)

    # selecting its tab does not re-show the panel (it stayed "visible"): catch up then
    def shown(visible: bool) -> None:
        if visible:
            panel.catch_up()

    dock.visibilityChanged.connect(shown)
    return dock
