"""What ``animate`` and ``slides`` share: Qt offscreen, the checked pass, progress lines for
the app's export dialog, and one exit code for every failure to write."""

from __future__ import annotations

import os
import sys

from .common import UsageError, checked_pass, compiled_of, dataset_of, graph_of, samples_of


def progress_lines(total: int | None):
    """With BPSTUDIO_PROGRESS=1 (the app's export runs the command so), "progress K N" lines on
    stderr for its progress bar; else nothing."""
    if os.environ.get("BPSTUDIO_PROGRESS") != "1":
        return lambda k, n=None: None

    def say(k: int, n: int | None = None) -> None:
        sys.stderr.write(f"progress {k} {n or total or 0}\n")
        sys.stderr.flush()

    return say


def media_setup(args, check_options) -> tuple:
    """What animate and slides share: Qt offscreen, the file read and compiled, the options
    checked (``check_options()`` raises FilmError), the pass run once (an overflow: exit 1)."""
    from ..qt.render import _ensure_app

    _ensure_app()  # offscreen without a display
    from ..qt.pass_frames import FilmError

    graph = graph_of(args.file)
    compiled = compiled_of(graph, args.file)
    ds = dataset_of(graph, args.file)
    samples = samples_of(args, ds, args.file)
    try:
        checked = check_options()
    except FilmError as exc:
        raise UsageError([str(exc)]) from None
    checked_pass(compiled, ds, samples, graph.training, args.file)
    return graph, samples, checked


def media_write(args, write) -> int:
    """Run ``write()``: a bad option found late is exit 2, so is an output that cannot be
    written (the writers leave nothing behind)."""
    from ..qt.pass_frames import FilmError

    try:
        write()
    except FilmError as exc:
        raise UsageError([f"{args.file}: {exc}"]) from None
    except OSError as exc:
        raise UsageError([f"-o {args.output}: cannot write: {exc.strerror or exc}"]) from None
    return 0
