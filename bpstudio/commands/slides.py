"""``bpstudio slides FILE -o OUT``: one slide per step of the pass, as PDF or a Beamer deck."""

from __future__ import annotations

from pathlib import Path

from .common import UsageError
from .media import media_setup, media_write, progress_lines


def cmd_slides(args) -> int:
    from ..qt.slides import build_slides, check_target, write_beamer, write_pdf

    graph, samples, kind = media_setup(args, lambda: check_target(args.output))
    target = Path(args.output)
    if not target.parent.is_dir():
        raise UsageError(
            [f"-o {args.output}: cannot write: the folder {target.parent} does not exist"]
        )

    def write() -> None:
        slides = build_slides(graph, samples[0], progress=progress_lines(None))
        (write_pdf if kind == "pdf" else write_beamer)(slides, target, graph.name)

    return media_write(args, write)
