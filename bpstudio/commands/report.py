"""``bpstudio report FILE``: the worked example (or an exercise sheet and its key) as a document."""

from __future__ import annotations

from pathlib import Path

from .common import (
    RunFailure,
    UsageError,
    compiled_of,
    dataset_of,
    graph_of,
    samples_of,
    write_text,
)


def cmd_report(args) -> int:
    from ..model.report import (
        DEFAULT_HIDE,
        ReportError,
        ReportOverflow,
        figure_name,
        hidden_quantities,
        key_name,
        render_exercise,
        render_report,
    )

    to_file = bool(args.output) and args.output != "-"
    if args.exercise and not to_file:
        raise UsageError(["report --exercise writes two files, the sheet and its key: give -o OUT"])
    if args.hide is not None and not args.exercise:
        raise UsageError(["--hide is for report --exercise"])
    graph = graph_of(args.file)
    compiled = compiled_of(graph, args.file)
    ds = dataset_of(graph, args.file)
    sample = samples_of(args, ds, args.file)[0]
    figure = figure_name(args.output) if to_file else None  # a picture of the network beside it
    key_text = None
    network = (graph, compiled, ds)
    how = {"sample": sample, "fmt": args.format, "decimals": args.decimals, "figure": figure}
    try:
        if args.exercise:
            parts = [p.strip() for p in (args.hide or ",".join(DEFAULT_HIDE)).split(",")]
            hide = hidden_quantities([p for p in parts if p])
            text, key_text = render_exercise(*network, **how, hide=hide)
        else:
            text = render_report(*network, **how, mistakes=args.mistakes)
    except ReportOverflow as exc:  # a failure while running, as for trace (docs/cli.md)
        raise RunFailure(f"{args.file}: {exc}") from None
    except ReportError as exc:
        raise UsageError([f"{args.file}: {exc}"]) from None
    if figure is not None:
        from ..qt.render import render_to_file

        target = Path(args.output).parent / figure
        try:
            render_to_file(graph, target)
        except OSError as exc:
            raise RunFailure(f"{target}: cannot write: {exc.strerror or exc}") from None
    write_text(args.output, text)
    if key_text is not None:
        write_text(str(Path(args.output).parent / key_name(args.output)), key_text)
    return 0
