"""``bpstudio trace FILE``: one forward/backward pass and update, every value (JSON or text)."""

from __future__ import annotations

import sys

from ..model.numfmt import general
from .common import checked_pass, compiled_of, dataset_of, graph_of, samples_of


def cmd_trace(args) -> int:
    from ..model.trace import json_chunks, to_json

    graph = graph_of(args.file)
    compiled = compiled_of(graph, args.file)
    ds = dataset_of(graph, args.file)
    samples = samples_of(args, ds, args.file)
    result = checked_pass(compiled, ds, samples, graph.training, args.file)
    if args.format == "json":
        # written in pieces from the arrays (model/trace.json_chunks); never NaN/Infinity
        # tokens: the check above refuses a pass with a value that is not finite
        sys.stdout.writelines(json_chunks(result, as_lists=args.all))
        sys.stdout.write("\n")
    else:
        print(trace_text(to_json(result, as_lists=args.all), graph))
    return 0


def _values(v) -> str:
    """One number or a list of them (``trace --all``), 6 significant digits."""
    if isinstance(v, list):
        return "[" + ", ".join(general(x) for x in v) + "]"
    return general(v)


def trace_text(doc: dict, graph) -> str:
    loss = graph.settings.loss
    lines = [f"loss ({loss}, samples {doc['samples']}): {general(doc['loss'], 10)}", "", "neurons:"]
    for nid, v in doc["neurons"].items():
        parts = "  ".join(f"{k}={_values(x)}" for k, x in v.items())
        lines.append(f"  {nid:<10} {parts}")
    lines += ["", "edges:"]
    for eid, v in doc["edges"].items():
        e = graph.edges[eid]
        lines.append(
            f"  {eid:<10} {e.source}->{e.target}  weight={general(v['weight'])}  "
            f"grad={general(v['grad'])}  updated={general(v['updated'], 10)}"
        )
    return "\n".join(lines)
