# Longer than 400 lines: the four badge builders share the step gates, the blanks and the
# formatting; one module keeps what a step shows in one place (issue 10).
"""What a step of the pass reveals: the rows shown on each neuron, each edge and the loss.

The one source every view asks. :func:`neuron_badge`, :func:`output_badge`,
:func:`edge_badge` and :func:`loss_badge` turn a :class:`PassView` (the pass, the step
reached, the display settings and an exercise's blanks) into the :class:`Badge` the canvas
draws: its rows (which quantity, the number as text through :mod:`.numfmt`, or the blank
drawn in its place), the numbers a reader can get from it (``values``/``texts``: a blank's
is never there) and what colours its border. :func:`reveal` gathers them for a whole step
(tests/test_reveal.py checks it against the reference traces); the overlay
(qt/passes/overlay_steps.py) asks item by item, so its refresh of a large network stays
sliced, then only places (overlay_place.py) and paints (overlay_paint.py) what it got.

The other views gate on the same rules: :func:`shown_in_explain` (the Explain dock's
sections), :func:`matrix_shown` (the Matrices' columns) and :func:`hides_values` (the hover
tips). Which layers a state reveals is model/stepper.py's (``forward_shown``,
``backward_shown``, ``loss_shown``); which values an exercise hides is model/exercise.py's.
No Qt here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from .numfmt import fmt, fmt_places, fmt_signed, update_places
from .stepper import (
    IDLE,
    UPDATED,
    StepState,
    backward_shown,
    forward_shown,
    loss_shown,
)
from .trace import PassResult

# the name a blank's row gets (rows of the normal badges that have no name get one)
ROW_NAME = {
    "z": "z =",
    "a": "a =",
    "dL_dz": "∂L/∂z =",
    "grad": "∂L/∂w =",
    "loss": "L =",
    "updated": "new w =",
    "updated_bias": "new b =",
}
# a row's key -> the exercise quantity it shows (model/exercise.py, shared/spec/grading.md)
ROW_QUANTITY = {"z": "z", "a": "a", "dL_dz": "dL_dz", "grad": "grad", "loss": "loss"}

Accent = Literal["none", "sign", "focus", "pulse"]
Tone = Literal["plain", "sign", "verdict"]


@dataclass(frozen=True)
class Blank:
    """What a row shows in place of a hidden value (exercise mode, checked answers)."""

    text: str  # after the row's name: "_____", "▸ 0.13_", "0.0822 ✓"
    verdict: str | None = None  # right / follows / wrong (the views colour it), None: none yet
    focused: bool = False  # the blank being typed into
    notes: tuple[str, ...] = ()  # lines under it: the verdict in words, the exact value


class Blanks(Protocol):
    """An exercise's blanks (qt/passes/exercise.ExerciseMode over model/exercise.Exercise)."""

    @property
    def version(self) -> int: ...  # bumped whenever any blank changes

    @property
    def hides_values(self) -> bool: ...  # an exercise (True) or a checked answers file

    @property
    def hidden_kinds(self) -> frozenset[str]: ...  # the quantities it has a blank of

    def blank(self, quantity: str, ident: str | None) -> Blank | None: ...


# (Row and Badge are made per neuron at every refresh: slots, not frozen, cost a sixth)
@dataclass(slots=True)
class Row:
    """One row of a badge: ``key`` names the quantity; ``text`` is the number as written
    (None for a blank, whose number is not given away: ``blank`` says what is drawn)."""

    key: str
    name: str  # "z =", "" for an edge's ∂L/∂w
    value: float | None
    text: str | None
    blank: Blank | None = None
    tone: Tone = "plain"  # sign: coloured by the value's sign; verdict: by the blank's

    @property
    def line(self) -> str:
        if self.blank is not None:
            return f"{ROW_NAME.get(self.key, self.name)} {self.blank.text}".strip()
        return f"{self.name} {self.text}".strip()


@dataclass(slots=True)
class Badge:
    """What one badge shows. ``lines`` are drawn in order (a blank's notes under it);
    ``values``/``texts`` are the numbers behind them (hover tips and tests read those).
    ``accent`` is the border: the sign of ``accent_value``, the focused blank, the loss's
    pulse colour, or none."""

    rows: tuple[Row, ...]
    values: Mapping[str, float]
    texts: Mapping[str, str]
    accent: Accent = "none"
    accent_value: float = 0.0
    lines: tuple[str, ...] = ()
    # per line: ("plain"|"sign", value) or ("verdict", verdict or "")
    tones: tuple[tuple[Tone, float | str | None], ...] = ()

    @property
    def blank(self) -> bool:
        return any(r.blank is not None for r in self.rows)

    @property
    def focused(self) -> bool:
        return any(r.blank is not None and r.blank.focused for r in self.rows)

    def hidden(self, key: str) -> bool:
        return any(r.key == key and r.blank is not None for r in self.rows)


@dataclass
class PassView:
    """Everything that decides what a step shows: the pass, the state reached, the display
    settings (decimals, the focused sample of a batch, the lecture layout's one-line update
    labels) and an exercise's blanks. ``settled``: the update's animation has ended, the
    old → new labels are gone (the editor's weight labels show w again)."""

    result: PassResult
    state: StepState
    decimals: int = 4
    focus: int = 0
    projector: bool = False
    blanks: Blanks | None = None
    settled: bool = False
    _inputs: frozenset[str] = field(init=False, repr=False)
    _bias_units: frozenset[str] = field(init=False, repr=False)
    _outputs: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        c = self.result.compiled
        self._inputs = frozenset(c.input_ids)
        self._bias_units = frozenset(c.bias_unit_ids)
        self._outputs = {oid: k for k, oid in enumerate(c.output_ids)}

    @property
    def column(self) -> int:
        """The focused sample's column in the pass's arrays."""
        return min(max(self.focus, 0), len(self.result.samples) - 1)

    @property
    def updated(self) -> bool:
        return self.state.phase == UPDATED

    def forward(self, layer: int) -> bool:
        return forward_shown(self.state, layer)

    def backward(self, layer: int) -> bool:
        return backward_shown(self.state, layer)

    @property
    def loss(self) -> bool:
        return loss_shown(self.state)

    def blank(self, quantity: str, ident: str | None) -> Blank | None:
        return None if self.blanks is None else self.blanks.blank(quantity, ident)

    def a_hidden(self, nid: str) -> bool:
        """The neuron's activation is a blank (its tint would give it away too)."""
        return self.blank("a", nid) is not None

    def grad_hidden(self, eid: str) -> bool:
        """The edge's ∂L/∂w is a blank (its stroke's colour and width would tell it)."""
        return not self.updated and self.blank("grad", eid) is not None

    def edge_shown(self, eid: str) -> bool:
        """The edge's stroke and badge are on: its layer's backward step, or the update."""
        c = self.result.compiled
        i = c.edge_index.get(eid)
        return i is not None and (self.updated or self.backward(int(c.edge_layer[i])))


# ------------------------------------------------------------------ building rows
def _number(key: str, name: str, value: float, decimals: int, tone: Tone = "plain") -> Row:
    return Row(key, name, float(value), fmt(value, decimals), None, tone)


def _badge(
    rows: list[Row], accent: Accent = "none", accent_value: float = 0.0, **extra: float
) -> Badge:
    """The badge of ``rows``: its lines, their tones and the numbers it shows."""
    lines: list[str] = []
    tones: list[tuple[Tone, float | str | None]] = []
    values: dict[str, float] = {}
    texts: dict[str, str] = {}
    for r in rows:
        lines.append(r.line)
        if r.blank is not None:
            tones.append(("verdict", r.blank.verdict))
            for note in r.blank.notes:
                lines.append(note)
                tones.append(("verdict", r.blank.verdict))
            continue
        assert r.value is not None and r.text is not None
        tones.append((r.tone, r.value))
        values[r.key] = r.value
        texts[r.key] = r.text
    values.update(extra)
    return Badge(tuple(rows), values, texts, accent, accent_value, tuple(lines), tuple(tones))


def _with_blanks(view: PassView, rows: list[Row], ident: str | None) -> list[Row]:
    """``rows`` with the values the exercise hides as its blanks (the loss has no id)."""
    if view.blanks is None:
        return rows
    out = []
    for r in rows:
        quantity = ROW_QUANTITY.get(r.key, r.key)
        b = view.blanks.blank(quantity, None if quantity == "loss" else ident)
        out.append(r if b is None else Row(r.key, r.name, None, None, b, "verdict"))
    return out


def _update_texts(old: float, new: float, decimals: int) -> dict[str, str]:
    """old, new (with the places that make the step visible) and the signed step."""
    places = update_places(old, new, decimals)
    return {
        "old": fmt(old, decimals),
        "new": fmt_places(new, places),
        "delta": fmt_signed(new - old, decimals),
    }


def _update_badge(view: PassView, old: float, new: float, name: str) -> Badge:
    """After the update: "w: old → new" and "Δw = step" (on the projector: the step only)."""
    t = _update_texts(old, new, view.decimals)
    values = {"old": old, "new": new, "delta": new - old}
    step = Row("delta", f"Δ{name} =", new - old, t["delta"])
    arrow = f"{t['old']} → {t['new']}"
    if name == "b":  # one line on a neuron: its z and a are of the old pass
        first = Row("old_new", "b:", new, arrow)
        rows = [step] if view.projector else [first]
    else:
        rows = [step] if view.projector else [Row("old_new", "", new, arrow), step]
    lines = tuple(r.line for r in rows)
    tones: tuple[tuple[Tone, float | str | None], ...] = tuple(("plain", None) for _ in rows)
    return Badge(tuple(rows), values, t, "none", 0.0, lines, tones)


# ------------------------------------------------------------------ what each item shows
def neuron_badge(view: PassView, nid: str) -> Badge | None:
    """The value badge of neuron ``nid`` (None: nothing of it is revealed in this step).

    x on an input, a = 1 on a bias unit, z and a once the forward pass reached its layer,
    then ∂L/∂z once the backward pass did; after the update its bias step instead (the
    pass's values are the old parameters')."""
    r, c = view.result, view.result.compiled
    layer = c.layer_of.get(nid)
    if layer is None or not view.forward(layer):
        return None
    col, dec = view.column, view.decimals
    if nid in view._inputs:
        return _badge([_number("x", "x =", r.value("a", nid, col), dec)])
    if nid in view._bias_units:
        return _badge([Row("a", "a =", 1.0, "1")])
    if view.updated:
        if view.settled or nid not in c.bias_param:
            return None
        p = c.bias_param[nid]
        return _update_badge(view, float(r.trace.params[p]), float(r.updated_params[p]), "b")
    rows = [
        _number("z", "z =", r.value("z", nid, col), dec),
        _number("a", "a =", r.value("a", nid, col), dec),
    ]
    backward = view.backward(layer)
    d = r.value("dL_dz", nid, col) if backward else 0.0
    if backward:
        rows.append(_number("dL_dz", "∂L/∂z =", d, dec, "sign"))
    if view.blank("updated_bias", nid) is not None:
        rows.append(_number("updated_bias", "new b =", r.updated_bias(nid), dec))
    rows = _with_blanks(view, rows, nid)
    extra = {}
    if backward and not any(x.key == "dL_dz" and x.blank for x in rows):
        extra["dL_da"] = r.value("dL_da", nid, col)
    if any(x.blank is not None for x in rows):  # the border's sign colour would tell ∂L/∂z
        focused = any(x.blank is not None and x.blank.focused for x in rows)
        return _badge(rows, "focus" if focused else "none", **extra)
    return _badge(rows, "sign" if backward else "none", d, **extra)


def output_badge(view: PassView, oid: str) -> Badge | None:
    """ŷ and y beside output ``oid`` from the loss step on (gone after the update: those
    were the old pass's); ŷ is a, so it is left out while a is a blank."""
    if not view.loss or view.updated or oid not in view._outputs:
        return None
    r, col, dec = view.result, view.column, view.decimals
    rows = [_number("y", "y =", float(r.Y[col, view._outputs[oid]]), dec)]
    if not view.a_hidden(oid):
        rows.insert(0, _number("yhat", "ŷ =", r.value("a", oid, col), dec))
    return _badge(rows)


def loss_badge(view: PassView) -> Badge | None:
    """L of the focused sample (and of the batch, and the penalty when regularised)."""
    if not view.loss or view.updated:
        return None
    r, dec = view.result, view.decimals
    rows = [_number("loss", "L =", float(r.trace.sample_loss[view.column]), dec)]
    if len(r.samples) > 1 and view.blanks is None:
        rows.append(_number("batch_loss", "batch L =", float(r.trace.loss), dec))
    if r.regularised:  # L above is the data loss; the step descends L + penalty
        rows.append(_number("penalty", "penalty =", float(r.trace.penalty), dec))
    rows = _with_blanks(view, rows, None)
    focused = any(x.blank is not None and x.blank.focused for x in rows)
    return _badge(rows, "focus" if focused else "pulse")


def edge_badge(view: PassView, eid: str) -> Badge | None:
    """∂L/∂w of edge ``eid`` once the backward pass reached its layer; old → new and Δw
    after the update (until its animation settled)."""
    if not view.edge_shown(eid):
        return None
    r, c, dec = view.result, view.result.compiled, view.decimals
    p = int(c.edge_param[c.edge_index[eid]])
    if view.updated:
        if view.settled:
            return None
        return _update_badge(view, float(r.trace.params[p]), float(r.updated_params[p]), "w")
    g = float(r.shown.grads[p])
    rows = [_number("grad", "", g, dec, "sign")]
    if view.blank("updated", eid) is not None:
        rows.append(_number("updated", "new w =", float(r.updated_params[p]), dec))
    rows = _with_blanks(view, rows, eid)
    focused = any(x.blank is not None and x.blank.focused for x in rows)
    if view.grad_hidden(eid):
        return _badge(rows, "focus" if focused else "none")
    return _badge(rows, "focus" if focused else "sign", g)


def a_scale_values(view: PassView) -> Iterator[float]:
    """The activations the neuron tints are scaled by (a blank's is not among them)."""
    r, c, col = view.result, view.result.compiled, view.column
    for nid in c.neuron_ids:
        layer = c.layer_of[nid]
        if layer > 0 and view.forward(layer) and not view.a_hidden(nid):
            yield r.value("a", nid, col)


@dataclass(frozen=True)
class Revealed:
    """Everything a step shows, by id (what :func:`reveal` returns)."""

    neurons: dict[str, Badge]
    outputs: dict[str, Badge]
    edges: dict[str, Badge]
    loss: Badge | None


def reveal(view: PassView) -> Revealed:
    """The badges of every neuron, output, edge and the loss in ``view``'s step."""
    c = view.result.compiled
    neurons = {nid: b for nid in c.neuron_ids if (b := neuron_badge(view, nid)) is not None}
    outputs = {oid: b for oid in c.output_ids if (b := output_badge(view, oid)) is not None}
    edges = {eid: b for eid in c.edge_ids if (b := edge_badge(view, eid)) is not None}
    return Revealed(neurons, outputs, edges, loss_badge(view))


# ------------------------------------------------------------------ the other views
def hides_values(blanks: Blanks | None) -> bool:
    """An exercise is on whose blanks hide values (not a checked answers file, which shows
    the file's values): the views that show every value of the pass show none then."""
    return blanks is not None and blanks.hides_values


@dataclass(frozen=True)
class ExplainGates:
    """Which sections of an explanation the Explain dock may show for a layer."""

    forward: bool  # z = Σ w·a + b and a = f(z)
    backward: bool  # ∂L/∂a, ∂L/∂z, ∂L/∂b; an edge's local rule and chain-rule paths
    update: bool  # old → new


def shown_in_explain(state: StepState, layer: int, blanks: Blanks | None) -> ExplainGates:
    """The Explain dock never shows a number the canvas has not revealed (the class is asked
    to predict it): with no pass started (the lecturer exploring) everything; otherwise what
    ``state`` reveals of ``layer``. An exercise's blanks withhold every section that names
    or implies one (its working writes every factor out: ∂L/∂a is Σ w·∂L/∂z of the layer
    above, ∂L/∂z of an output follows from ŷ), so none can be read off the dock."""
    hidden = hides_values(blanks)
    if state.phase == IDLE and not hidden:
        return ExplainGates(True, True, True)
    kinds = blanks.hidden_kinds if blanks is not None and hidden else frozenset()
    fwd = forward_shown(state, layer) and not kinds & {"z", "a", "loss"}
    bwd = fwd and backward_shown(state, layer) and not kinds & {"dL_dz", "grad"}
    upd = bwd and state.phase == UPDATED and not kinds & {"updated", "updated_bias"}
    return ExplainGates(fwd, bwd, upd)


def matrix_shown(state: StepState, mode: str, layer: int, blanks: Blanks | None) -> bool:
    """Do the Matrices show ``layer``'s numbers of ``mode`` (forward: z and a; backward:
    δ, ∂L/∂W, ∂L/∂b, ∂L/∂a; update: new W and b)? The same rule as Explain's sections."""
    gates = shown_in_explain(state, layer, blanks)
    if mode == "backward":
        return gates.backward
    if mode == "update":
        return gates.update
    return gates.forward
