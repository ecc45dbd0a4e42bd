"""``bpstudio render FILE -o OUT``: the canvas as PNG or SVG, headless (imports Qt)."""

from __future__ import annotations

from pathlib import Path

from .common import (
    RunFailure,
    UsageError,
    checked_pass,
    compiled_of,
    dataset_of,
    graph_of,
    samples_of,
)


def cmd_render(args) -> int:
    graph = graph_of(args.file)
    compiled_of(graph, args.file)
    out = Path(args.output)
    if out.suffix.lower() not in (".png", ".svg"):
        raise UsageError([f"-o {args.output}: the image must end in .png or .svg"])
    if args.overlay != "none":
        ds = dataset_of(graph, args.file)
        samples = samples_of(args, ds, args.file)
        # the overlay draws this pass: refuse it before drawing NaN badges
        checked_pass(compiled_of(graph, args.file), ds, samples, graph.training, args.file)
    from ..qt.render import render_to_file

    try:
        render_to_file(graph, out, overlay=args.overlay, sample=args.sample or 0)
    except OSError as exc:
        raise RunFailure(f"{args.output}: cannot write: {exc.strerror or exc}") from None
    return 0
