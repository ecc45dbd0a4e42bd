"""File → Export worked example… and File → Export image…: the CLI's report and render, from the app.

Both produce exactly what ``bpstudio report`` and ``bpstudio render`` write for the same file,
so a lecturer's handout and slide match what the class saw on the canvas.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from ..core.data import DataError, Dataset
from ..model.atomic_write import atomic_write_text
from ..model.compile import Compiled, CompileError, compile_graph
from ..model.report import ReportError, figure_name, render_report
from ..model.session import dataset
from ..model.stepper import BACKWARD, FORWARD, LOSS
from . import dialogs, places

if TYPE_CHECKING:
    from .main_window import MainWindow

REPORT_FILTERS = "Markdown (*.md);;LaTeX (*.tex)"
IMAGE_FILTERS = "PNG image (*.png);;SVG drawing (*.svg)"


def install_export_actions(window: MainWindow) -> None:
    """Add the two export actions to the File menu, above Quit."""
    menu = window.menus["File"]
    before = window.action_by_name.get("quit")
    report = QAction("Export &Worked Example…", window)
    report.setShortcut(QKeySequence("Ctrl+Shift+W"))
    report.setStatusTip(
        "Write this sample's forward pass, loss, backward pass and update as a document"
    )
    report.triggered.connect(lambda: export_worked_example(window))
    image = QAction("Export &Image…", window)
    image.setShortcut(QKeySequence("Ctrl+Shift+I"))
    image.setStatusTip("Save the canvas (with the pass overlay shown) as PNG or SVG")
    image.triggered.connect(lambda: export_image(window))
    for action in (report, image):
        if before is not None:
            menu.insertAction(before, action)
        else:
            menu.addAction(action)
        window.action_by_name[action.text().replace("&", "").rstrip("…").lower()] = action
    if before is not None:
        menu.insertSeparator(before)


def current_sample(window: MainWindow) -> int:
    """The sample the pass controls are on (the focused one in whole-batch mode)."""
    tools = window.pass_tools
    samples = tools.stepper.samples
    if samples:
        return samples[0]
    return int(tools.controls.sample.value())


def current_overlay(window: MainWindow) -> str:
    """The overlay matching the pass on screen: forward values, gradients, or none."""
    phase = window.pass_tools.stepper.state.phase
    return {FORWARD: "forward", LOSS: "forward", BACKWARD: "backward"}.get(phase, "none")


def _suggestion(window: MainWindow, suffix: str) -> str:
    """The network's file name with suffix, in the folder dialogs start in (never the package)."""
    stem = Path(window.document.suggested_file_name()).stem
    return places.suggest(f"{stem}{suffix}")


def report_inputs(window: MainWindow) -> tuple[Compiled, Dataset, int]:
    """The compiled network, its data and the sample to write out (the one on screen, 0 if
    that is past the data): what the worked example and the exercise sheet are both made
    from, so both refuse a network without data alike. Raises CompileError, DataError or
    ReportError (the callers show them)."""
    graph = window.graph
    sample = current_sample(window)
    compiled = compile_graph(graph)
    ds = dataset(graph)
    if len(ds) == 0:
        raise ReportError("the network has no data: add samples in the Data panel first")
    if not 0 <= sample < len(ds):
        sample = 0
    return compiled, ds, sample


def export_worked_example(window: MainWindow) -> Path | None:
    graph = window.graph
    try:
        compiled, ds, sample = report_inputs(window)
        target = dialogs.ask_export_path(
            window,
            "Export worked example",
            _suggestion(window, "_worked_example.md"),
            REPORT_FILTERS,
        )
        if not target:
            return None
        fmt = "tex" if target.lower().endswith(".tex") else "md"
        figure = figure_name(target)  # the network's picture, written beside the document
        text = render_report(graph, compiled, ds, sample=sample, fmt=fmt, figure=figure)
    except (CompileError, DataError) as exc:
        dialogs.show_errors(
            window, "Export worked example", "The network cannot be run:", exc.errors
        )
        return None
    except ReportError as exc:
        dialogs.show_errors(
            window, "Export worked example", "No worked example to write:", [str(exc)]
        )
        return None
    from .render import render_to_file

    def write(p: Path) -> None:
        render_to_file(graph, p.parent / figure)
        atomic_write_text(p, text)

    return _write(window, Path(target), write, "worked example")


def export_image(window: MainWindow) -> Path | None:
    from .render import render_to_file

    target = dialogs.ask_export_path(
        window, "Export image", _suggestion(window, ".png"), IMAGE_FILTERS
    )
    if not target:
        return None
    path = Path(target)
    if path.suffix.lower() not in (".png", ".svg"):
        dialogs.show_errors(window, "Export image", "Choose a .png or .svg file name.", [str(path)])
        return None
    overlay, sample = current_overlay(window), current_sample(window)
    return _write(window, path, lambda p: render_to_file(window.graph, p, overlay, sample), "image")


def _write(window: MainWindow, path: Path, write, what: str) -> Path | None:
    try:
        write(path)
    except OSError as exc:
        dialogs.show_errors(window, f"Export {what}", f"Cannot write {path}:", [str(exc)])
        return None
    places.remember(path)
    window.status(f"Exported the {what} to {path}")
    return path
