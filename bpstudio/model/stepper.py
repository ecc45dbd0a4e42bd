"""Step one training pass by hand: forward layer by layer, the loss, backward, the update.

The whole pass is computed once, up front, by :func:`~bpstudio.model.trace.run_pass` (the
same numbers the CLI prints and the reports quote); stepping only *reveals* it. So the
canvas can never show a value the engine did not compute, and "Forward" pressed five times
costs nothing. States, in order::

    idle -> forward 1 .. forward L -> loss -> backward L .. backward 1 -> updated

"forward l" shows the inputs and layers 1..l (z and a); "backward l" additionally shows ∂L/∂z
of layers L..l and ∂L/∂w, ∂L/∂b of the weights into those layers. "updated" applies one
optimizer step to the graph (through ``apply``, which the app makes an undoable command) and
shows old -> new. :meth:`PassStepper.reset` goes back to before the pass, undoing the update.

Any other change to the graph (an edit, training, undo) makes the pass stale: the stepper
drops back to idle and recomputes on the next step. No Qt here: the app's controller listens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..core import limits
from ..core.data import Dataset
from .compile import Compiled, CompileError, compile_graph, take_graph_parameters
from .graph import Change, ChangeKind, Graph
from .overflow import find_overflow
from .session import dataset
from .trace import PassResult, run_pass

IDLE, FORWARD, LOSS, BACKWARD, UPDATED = "idle", "forward", "loss", "backward", "updated"
PHASE_ORDER = (IDLE, FORWARD, LOSS, BACKWARD, UPDATED)

# apply(new_weights, new_biases, old_weights, old_biases, text) -> None
ApplyFn = Callable[[dict, dict, dict, dict, str], None]
# revert() -> bool: undo what apply did (True if it could)
RevertFn = Callable[[], bool]


@dataclass(frozen=True)
class StepState:
    """Where the pass is. ``layer`` is the layer just revealed (forward/backward), else 0."""

    phase: str = IDLE
    layer: int = 0

    @property
    def label(self) -> str:
        if self.phase in (FORWARD, BACKWARD):
            return f"{self.phase} layer {self.layer}"
        return {IDLE: "ready", LOSS: "loss", UPDATED: "updated"}[self.phase]


def _direct_apply(graph: Graph) -> ApplyFn:
    def apply(new_w, new_b, _old_w, _old_b, _text):
        graph.set_parameters(new_w, new_b)

    return apply


class PassStepper:
    """The pass state machine over one graph. Listeners get the new :class:`StepState`."""

    def __init__(
        self,
        graph: Graph,
        apply: ApplyFn | None = None,
        revert: RevertFn | None = None,
    ):
        self.graph = graph
        self._apply = apply or _direct_apply(graph)
        self._revert = revert
        self._samples: list[int] | None = [0]  # None: the whole data set as one batch
        self.state = StepState()
        self.result: PassResult | None = None
        self.error: str | None = None
        self._overflowed = False  # the pass on these parameters overflowed (error says where)
        self._old: tuple[dict, dict] | None = None  # parameters before an applied update
        self._new: tuple[dict, dict] | None = None
        self._applying = False
        # the last compiled network and data set: when only the parameters changed (training
        # writes them ~30 times a second) the next pass reuses them with the new numbers
        self._compiled: Compiled | None = None
        self._dataset: Dataset | None = None
        self._listeners: list[Callable[[StepState], None]] = []
        graph.subscribe(self._on_graph_change)

    # ----------------------------------------------------------------- wiring
    def subscribe(self, listener: Callable[[StepState], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[StepState], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def close(self) -> None:
        self.graph.unsubscribe(self._on_graph_change)

    def _set(self, state: StepState) -> None:
        self.state = state
        for listener in list(self._listeners):
            listener(state)

    def _on_graph_change(self, change: Change) -> None:
        if self._applying:
            return
        if change.layout_only:
            return  # moving or renaming a neuron does not change a single number
        if change.kind != ChangeKind.WEIGHTS_CHANGED:
            self._compiled = self._dataset = None
        self.result = None
        self._old = self._new = None
        self.error = None
        self._overflowed = False
        if self.state.phase != IDLE:
            self._set(StepState())

    # ----------------------------------------------------------------- samples
    @property
    def samples(self) -> list[int] | None:
        """[k] for one sample, None for the whole data set as one batch."""
        return None if self._samples is None else list(self._samples)

    def set_samples(self, samples: list[int] | None) -> None:
        """Choose the sample(s); a running pass is dropped (its numbers were for other data)."""
        if samples == self._samples:
            return
        self._samples = None if samples is None else list(samples)
        self.result = None
        self._overflowed = False
        if self.state.phase == UPDATED:
            self._old = self._new = None  # the applied update stays; it is on the undo stack
        if self.state.phase != IDLE:
            self._set(StepState())

    def set_sample(self, k: int) -> None:
        self.set_samples([int(k)])

    def set_batch(self) -> None:
        self.set_samples(None)

    # ----------------------------------------------------------------- the pass
    def compute(self) -> PassResult | None:
        """The pass on the current parameters (cached until the graph changes)."""
        if self.result is not None:
            return self.result
        if self._overflowed:  # known to overflow until the graph or the samples change
            return None
        try:
            compiled = self._recompiled()
            if compiled is None:
                compiled = compile_graph(self.graph)
            ds = self._dataset if self._dataset is not None else dataset(self.graph)
            self._compiled, self._dataset = compiled, ds
        except CompileError as exc:
            self.error = "; ".join(exc.errors)
            return None
        except Exception as exc:  # a data error: the controls say why instead of crashing
            self.error = str(exc)
            return None
        n = len(ds)
        if n == 0:
            self.error = "the network has no samples to run"
            return None
        samples = (
            list(range(n)) if self._samples is None else [min(k, n - 1) for k in self._samples]
        )
        try:
            result = run_pass(compiled, ds, samples, self.graph.training)
        except limits.TooLarge as exc:  # a batch of a million samples: say so, do not raise
            self.error = str(exc)
            return None
        # a pass that overflows float64 is not shown (no inf/NaN badges, no inf weights
        # applied): the controls say where instead
        self.error = find_overflow(result)
        if self.error is not None:
            self._overflowed = True
            return None
        self.result = result
        return self.result

    def _recompiled(self) -> Compiled | None:
        """The last compiled network carrying the graph's current weights and biases (only
        they changed since), or None when it must be compiled afresh.

        The parameters are written in place. Earlier passes keep their own copies of every
        number (``trace.params``, ``updated_params``); only their ``compiled`` now shows the
        new weights, and an earlier pass is never shown again once the graph changed."""
        c = self._compiled
        return c if c is not None and take_graph_parameters(c, self.graph) else None

    @property
    def n_layers(self) -> int:
        r = self.compute()
        return r.compiled.n_layers if r is not None else 0

    def _begin(self) -> bool:
        if self.state.phase == UPDATED:  # the next pass starts from the updated weights
            self.result = None
            self._old = self._new = None
            self.state = StepState()
        return self.compute() is not None

    def forward_step(self) -> StepState:
        if not self._begin():
            return self.state
        s, L = self.state, self.n_layers
        if s.phase == IDLE:
            self._set(StepState(FORWARD, 1) if L >= 1 else StepState(LOSS))
        elif s.phase == FORWARD:
            self._set(StepState(FORWARD, s.layer + 1) if s.layer < L else StepState(LOSS))
        return self.state

    def forward_all(self) -> StepState:
        if not self._begin():
            return self.state
        if PHASE_ORDER.index(self.state.phase) < PHASE_ORDER.index(LOSS):
            self._set(StepState(LOSS))
        return self.state

    def backward_step(self) -> StepState:
        if not self._begin():
            return self.state
        s, L = self.state, self.n_layers
        if s.phase in (IDLE, FORWARD):
            self._set(StepState(LOSS))
        elif s.phase == LOSS:
            self._set(StepState(BACKWARD, L))
        elif s.phase == BACKWARD and s.layer > 1:
            self._set(StepState(BACKWARD, s.layer - 1))
        return self.state

    def backward_all(self) -> StepState:
        if not self._begin():
            return self.state
        if self.state.phase != BACKWARD or self.state.layer != 1:
            self._set(StepState(BACKWARD, 1))
        return self.state

    @property
    def backward_done(self) -> bool:
        return self.state.phase == BACKWARD and self.state.layer == 1

    def update(self) -> StepState:
        """One optimizer step from this pass's gradients (finishing the pass first)."""
        if self.state.phase == UPDATED:
            return self.state  # pressing Update twice must not apply the step twice
        if not self._begin():
            return self.state
        if not self.backward_done:
            self.state = StepState(BACKWARD, 1)
        r = self.result
        assert r is not None  # _begin() computed it
        old_w, old_b = r.parameters()
        new_w, new_b = r.parameters(updated=True)
        self._old, self._new = (old_w, old_b), (new_w, new_b)
        self._applying = True
        try:
            self._apply(new_w, new_b, old_w, old_b, "Update weights (one optimizer step)")
        finally:
            self._applying = False
        self._set(StepState(UPDATED))
        return self.state

    def full_step(self) -> StepState:
        """Forward, backward and update in one press (a new pass if one was just applied)."""
        if self.state.phase == UPDATED:
            self._begin()
        return self.update()

    def reset(self) -> StepState:
        """Back to before the pass: hide everything and take back an applied update."""
        if self.state.phase == UPDATED and self._old is not None:
            self._applying = True
            try:
                if not (self._revert and self._revert()):
                    self.graph.set_parameters(*self._old)
            finally:
                self._applying = False
            self.result = None  # recomputed from the restored parameters (identical numbers)
        self._old = self._new = None
        self._set(StepState())
        return self.state

    # ----------------------------------------------------------------- positions
    def position(self) -> int:
        """Index of the state in the pass: idle 0, forward l = l, loss L+1, backward l
        = 2L+2-l, updated 2L+2 (animations walk this sequence one step at a time)."""
        s, L = self.state, self.n_layers
        if s.phase == IDLE:
            return 0
        if s.phase == FORWARD:
            return s.layer
        if s.phase == LOSS:
            return L + 1
        if s.phase == BACKWARD:
            return 2 * L + 2 - s.layer
        return 2 * L + 2

    @property
    def last_position(self) -> int:
        return 2 * self.n_layers + 2

    def advance(self) -> StepState:
        """One step along the sequence (forward, loss, backward, then the update)."""
        p, L = self.position(), self.n_layers
        if p <= L:
            return self.forward_step()
        if p <= 2 * L:
            return self.backward_step()
        return self.update()

    def start_over(self) -> None:
        """After an applied update: a fresh pass on the new weights (state idle)."""
        if self.state.phase == UPDATED:
            self._begin()
            self._set(StepState())

    # ----------------------------------------------------------------- what is revealed
    # (the rules are the module functions below: model/reveal.py reads them from a state)
    def forward_shown(self, layer: int) -> bool:
        """Are z and a of ``layer`` on screen? (layer 0: the inputs x)"""
        return forward_shown(self.state, layer)

    @property
    def loss_shown(self) -> bool:
        return loss_shown(self.state)

    def backward_shown(self, layer: int) -> bool:
        """Are ∂L/∂z of ``layer`` and ∂L/∂w into it on screen?"""
        return backward_shown(self.state, layer)

    @property
    def updated(self) -> bool:
        return self.state.phase == UPDATED

    def old_new_weight(self, edge_id: str) -> tuple[float, float] | None:
        if self._old is None or self._new is None or edge_id not in self._old[0]:
            return None
        return self._old[0][edge_id], self._new[0][edge_id]

    def old_new_bias(self, neuron_id: str) -> tuple[float, float] | None:
        if self._old is None or self._new is None or neuron_id not in self._old[1]:
            return None
        return self._old[1][neuron_id], self._new[1][neuron_id]


# ----------------------------------------------------------------- what a state reveals
def forward_shown(state: StepState, layer: int) -> bool:
    """Are z and a of ``layer`` revealed in ``state``? (layer 0: the inputs x)"""
    if state.phase == IDLE:
        return False
    if state.phase == FORWARD:
        return layer <= state.layer
    return True


def loss_shown(state: StepState) -> bool:
    """Is the loss (ŷ, y, L) revealed in ``state``?"""
    return state.phase in (LOSS, BACKWARD, UPDATED)


def backward_shown(state: StepState, layer: int) -> bool:
    """Are ∂L/∂z of ``layer`` and ∂L/∂w into it revealed in ``state``?"""
    if state.phase == BACKWARD:
        return layer >= state.layer
    return state.phase == UPDATED and layer >= 1
