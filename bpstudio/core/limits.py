"""Size limits: what bpstudio refuses at once rather than run out of time or memory.

Every limit is documented in docs/network-format.md ("Size limits"); each refusal names the
limit and, where there is one, the setting that gets under it. Sized so that any file under
the file size cap is checked, traced and trained (per epoch) in seconds and well under 1 GB.
"""

from __future__ import annotations

from .files import MAX_BYTES  # noqa: F401  (the file size cap, listed here with the others)

MAX_NEURONS = 100_000  # per-neuron Python work (ids, maps, output) bounds check and trace
MAX_EDGES = 500_000  # per edge: ~7 µs to load, ~4 µs to print in a trace, ~6 µs to save
MAX_CSV_ROWS = 1_000_000  # like generator.n
MAX_LAYERS = 20_000  # each layer is its own matrix product: per-layer overhead dominates
MAX_WEIGHT_ENTRIES = 5_000_000  # all W(l) together, absent edges inside a layer's range included
MAX_ACTIVATIONS = 5_000_000  # neurons x samples in one batch (each value is held ~10 times)
# `report` writes every number of the pass and every chain-rule factor of the paths it lists:
# a 1,000-layer chain took minutes and a 20,000-layer one hours (estimate: report.report_size)
MAX_REPORT_NUMBERS = 300_000


class TooLarge(ValueError):
    """A size limit was exceeded; the message says which and what to change."""


def check_batch(n_neurons: int, batch: int, what: str, remedy: str = "") -> None:
    """Refuse a batch whose activations (neurons x samples) exceed MAX_ACTIVATIONS."""
    cells = n_neurons * batch
    if cells > MAX_ACTIVATIONS:
        most = max(MAX_ACTIVATIONS // max(n_neurons, 1), 1)
        hint = f"; {remedy.format(most=f'{most:,}')}" if remedy else ""
        raise TooLarge(
            f"{what} of {batch:,} samples through {n_neurons:,} neurons needs {cells:,} "
            f"activation values, more than the limit of {MAX_ACTIVATIONS:,}{hint}"
        )
