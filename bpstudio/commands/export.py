"""``bpstudio export FILE --to torch``: a standalone PyTorch module of the network."""

from __future__ import annotations

from .common import compiled_of, graph_of, write_text


def cmd_export(args) -> int:
    from ..model.export_torch import torch_source

    graph = graph_of(args.file)
    compiled = compiled_of(graph, args.file)
    write_text(args.output, torch_source(graph, compiled))
    return 0
