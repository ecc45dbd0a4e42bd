"""``bpstudio check FILE``: validate a network file (and its data); warnings on stderr."""

from __future__ import annotations

import sys

from .common import compiled_of, dataset_of, graph_of

MAX_WARNINGS = 20  # check prints this many neuron warnings, then a count


def cmd_check(args) -> int:
    from ..model.compile import graph_warnings

    graph = graph_of(args.file)
    compiled = compiled_of(graph, args.file)
    dataset_of(graph, args.file)
    warnings = list(graph_warnings(graph).values())
    for why in warnings[:MAX_WARNINGS]:
        print(f"warning: {args.file}: {why}", file=sys.stderr)
    if len(warnings) > MAX_WARNINGS:
        print(
            f"warning: {args.file}: ... and {len(warnings) - MAX_WARNINGS:,} more neurons "
            "like these (the app marks each one)",
            file=sys.stderr,
        )
    print(f"ok: {len(graph.neurons)} neurons, {len(graph.edges)} edges, {compiled.n_layers} layers")
    return 0
