"""Pass → Exercise → Export Exercise Sheet…: ``bpstudio report --exercise`` from the app.

The sheet (Markdown or LaTeX) is the worked example with numbered blanks, its answer key is
written beside it (sheet.md → sheet-key.md) with the common-mistake notes, and the network's
picture beside both: the same files the command line writes for this network and sample.
What is hidden follows the exercise on screen (one layer: the whole backward pass, the
sheet has no per-layer choice), or the command line's default with no exercise on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ...core.data import DataError
from ...model.atomic_write import atomic_write_text
from ...model.compile import CompileError
from ...model.report import (
    DEFAULT_HIDE,
    ReportError,
    figure_name,
    hidden_quantities,
    key_name,
    render_exercise,
)
from .. import dialogs, places
from ..exports import REPORT_FILTERS, _suggestion, report_inputs

if TYPE_CHECKING:
    from ..main_window import MainWindow

# the exercise's choice -> the report's --hide parts
HIDE_PARTS: dict[str | None, tuple[str, ...]] = {
    None: DEFAULT_HIDE,
    "backward": ("backward", "gradients"),
    "layer": ("backward", "gradients"),
    "updates": ("updates",),
    "everything": ("forward", "loss", "backward", "gradients", "updates"),
}


def export_exercise_sheet(window: MainWindow, hide: str | None = None) -> Path | None:
    """Ask where, then write the sheet, its key and the network picture (None: not written)."""
    graph = window.graph
    title = "Export exercise sheet"
    try:
        compiled, ds, sample = report_inputs(window)
        target = dialogs.ask_export_path(
            window, title, _suggestion(window, "_exercise.md"), REPORT_FILTERS
        )
        if not target:
            return None
        fmt = "tex" if target.lower().endswith(".tex") else "md"
        figure = figure_name(target)
        sheet, key = render_exercise(
            graph,
            compiled,
            ds,
            sample=sample,
            fmt=fmt,
            figure=figure,
            hide=hidden_quantities(list(HIDE_PARTS[hide])),
        )
    except (CompileError, DataError) as exc:
        dialogs.show_errors(window, title, "The network cannot be run:", exc.errors)
        return None
    except ReportError as exc:
        dialogs.show_errors(window, title, "No exercise sheet to write:", [str(exc)])
        return None
    from ..render import render_to_file

    path = Path(target)
    key_path = path.parent / key_name(str(path))
    try:
        render_to_file(graph, path.parent / figure)
        atomic_write_text(path, sheet)
        atomic_write_text(key_path, key)
    except OSError as exc:
        dialogs.show_errors(window, title, f"Cannot write {path}:", [str(exc)])
        return None
    places.remember(path)
    window.status(f"Exercise sheet written to {path}, its answer key to {key_path.name}")
    return path
