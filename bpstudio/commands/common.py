"""What every subcommand shares: the two failures and their exit codes, reading a network
file, its compiled form, data and samples (each problem a ``FILE: ...`` line), one checked
pass, and writing text to a file or stdout."""

from __future__ import annotations

import sys
from pathlib import Path


class UsageError(Exception):
    """Bad arguments or a bad file: exit 2 with these lines."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


class RunFailure(Exception):
    """A failure while running (exit 1)."""


def graph_of(path: str):
    from ..model import fileformat

    try:
        return fileformat.load(path)
    except fileformat.NetworkFileError as exc:
        raise UsageError([f"{path}: {e}" for e in exc.errors]) from None


def compiled_of(graph, path: str):
    from ..model.compile import CompileError, compile_graph

    try:
        return compile_graph(graph)
    except CompileError as exc:
        raise UsageError([f"{path}: {e}" for e in exc.errors]) from None


def dataset_of(graph, path: str):
    from ..core.data import DataError
    from ..model.session import dataset

    try:
        return dataset(graph)
    except DataError as exc:
        raise UsageError([f"{path}: {e}" for e in exc.errors]) from None


def samples_of(args, ds, path: str) -> list[int]:
    n = len(ds)
    if n == 0:
        raise UsageError([f"{path}: data: the network has no samples to run"])
    if getattr(args, "all", False):
        return list(range(n))
    k = args.sample if args.sample is not None else 0
    if not 0 <= k < n:
        raise UsageError(
            [f"{path}: --sample {k} is out of range: the data has {n} samples (0..{n - 1})"]
        )
    return [k]


def checked_pass(compiled, ds, samples: list[int], training: dict, path: str):
    """run_pass, refused (exit 1, the place named) if any value of it is not finite."""
    from ..model.overflow import find_overflow
    from ..model.trace import run_pass

    result = run_pass(compiled, ds, samples, training)
    msg = find_overflow(result)
    if msg is not None:
        raise RunFailure(f"{path}: {msg}")
    return result


def write_text(output: str | None, text: str) -> None:
    if not output or output == "-":
        sys.stdout.write(text)
        return
    from ..model.atomic_write import atomic_write_text

    try:
        atomic_write_text(Path(output), text)
    except OSError as exc:
        raise RunFailure(f"{output}: cannot write: {exc.strerror or exc}") from None
