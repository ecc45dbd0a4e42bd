"""File → Export worked example / Export image write what the CLI writes."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtGui import QImage

from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.report import render_report
from bpstudio.model.session import dataset
from bpstudio.qt import dialogs

REFERENCE = Path(__file__).resolve().parent.parent / "fixtures" / "reference"


def _open(make_window, tmp_path, name="handwritten_221.json"):
    path = tmp_path / name
    shutil.copy(REFERENCE / name, path)
    return make_window(path=path), path


def _choose(monkeypatch, target: Path):
    asked = []

    def ask(parent, title, suggestion, filters):
        asked.append((title, suggestion, filters))
        return str(target)

    monkeypatch.setattr(dialogs, "ask_export_path", ask)
    return asked


def test_worked_example_md_and_tex_match_the_report(make_window, tmp_path, monkeypatch):
    window, path = _open(make_window, tmp_path)
    graph = fileformat.load(path)
    compiled, ds = compile_graph(graph), dataset(graph)
    for suffix, fmt in ((".md", "md"), (".tex", "tex")):
        out = tmp_path / f"example{suffix}"
        asked = _choose(monkeypatch, out)
        window.action_by_name["export worked example"].trigger()
        assert asked and asked[0][1].endswith("_worked_example.md")
        text = out.read_text(encoding="utf-8")
        figure = "example-network.png"
        assert text == render_report(graph, compiled, ds, sample=0, fmt=fmt, figure=figure)
        assert not QImage(str(tmp_path / figure)).isNull()  # the network, beside the document
    assert "![The network](example-network.png)" in (tmp_path / "example.md").read_text()
    assert (
        r"\includegraphics[width=0.8\linewidth]{example-network.png}"
        in (tmp_path / "example.tex").read_text()
    )
    assert "0.7414 × 0.1868 × 0.5933 = 0.0822" in (tmp_path / "example.md").read_text()


def test_worked_example_uses_the_pass_sample(make_window, tmp_path, monkeypatch):
    window, _ = _open(make_window, tmp_path, "ecs171_321.json")
    # give the network a second sample and choose it in the pass controls
    data = dict(window.graph.data)
    data["samples"] = data["samples"] + [{"x": [0.9, 0.1, 0.3], "y": [0.2]}]
    window.graph.set_network(data=data)
    window.pass_tools.stepper.set_sample(1)
    out = tmp_path / "s1.md"
    _choose(monkeypatch, out)
    window.action_by_name["export worked example"].trigger()
    assert "Data sample 1" in out.read_text(encoding="utf-8")


def test_export_image_png_and_svg(make_window, tmp_path, monkeypatch):
    window, _ = _open(make_window, tmp_path)
    png = tmp_path / "net.png"
    _choose(monkeypatch, png)
    window.action_by_name["export image"].trigger()
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 300 and image.height() > 200
    svg = tmp_path / "net.svg"
    _choose(monkeypatch, svg)
    window.action_by_name["export image"].trigger()
    assert "<svg" in svg.read_text(encoding="utf-8")


def test_export_image_follows_the_pass_overlay(make_window, tmp_path, monkeypatch):
    from bpstudio.qt import exports

    window, _ = _open(make_window, tmp_path)
    assert exports.current_overlay(window) == "none"
    window.pass_tools.stepper.forward_all()
    assert exports.current_overlay(window) == "forward"
    window.pass_tools.stepper.backward_all()
    assert exports.current_overlay(window) == "backward"


def test_no_data_shows_an_error_and_writes_nothing(make_window, tmp_path, monkeypatch):
    window, _ = _open(make_window, tmp_path)
    window.graph.set_network(data={"samples": []})
    out = tmp_path / "none.md"
    _choose(monkeypatch, out)
    shown = []
    monkeypatch.setattr(dialogs, "show_errors", lambda *a: shown.append(a))
    window.action_by_name["export worked example"].trigger()
    assert shown and "no data" in " ".join(shown[0][3])
    assert not out.exists()


def test_cancelled_dialog_writes_nothing(make_window, tmp_path, monkeypatch):
    window, _ = _open(make_window, tmp_path)
    monkeypatch.setattr(dialogs, "ask_export_path", lambda *a: None)
    window.action_by_name["export image"].trigger()
    window.action_by_name["export worked example"].trigger()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handwritten_221.json"]


def test_plot_export_to_a_folder_that_cannot_be_written(make_window, tmp_path, monkeypatch, qtbot):
    """The loss plot's PNG and CSV buttons, clicked with the mouse, with a target whose folder
    is gone (a USB stick pulled) or read-only: a message box names the file and the reason, no
    exception leaves the slot, nothing (not even a temp file) is left behind; then a writable
    target works."""
    import os

    from PySide6.QtCore import Qt

    from bpstudio.qt.training import dialogs as tdialogs

    window, _ = _open(make_window, tmp_path)
    plot = window.training_tools.loss_plot
    dock = window.training_tools.docks["loss"]
    dock.show()
    dock.raise_()
    qtbot.waitUntil(lambda: not plot.png_button.visibleRegion().isEmpty())
    targets = [tmp_path / "gone" / "loss.png", tmp_path / "gone" / "loss.csv"]
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if not os.access(locked, os.W_OK):  # root writes anywhere: only the missing folder then
        targets += [locked / "loss.png", locked / "loss.csv"]
    shown = []
    monkeypatch.setattr(dialogs, "show_errors", lambda *a: shown.append(a))
    for target in targets:
        monkeypatch.setattr(tdialogs, "ask_export_path", lambda *a, t=target: str(t))
        button = plot.png_button if target.suffix == ".png" else plot.csv_button
        shown.clear()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert len(shown) == 1, target
        _, title, text, reasons = shown[0]
        assert title == f"Export loss {target.suffix[1:].upper()}"
        assert text == f"Cannot write {target}:"
        reason = "No such file or directory" if "gone" in str(target) else "Permission denied"
        assert reasons == [reason]
    locked.chmod(0o755)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handwritten_221.json", "locked"]
    assert list(locked.iterdir()) == []
    good = tmp_path / "loss.csv"
    monkeypatch.setattr(tdialogs, "ask_export_path", lambda *a: str(good))
    shown.clear()
    qtbot.mouseClick(plot.csv_button, Qt.MouseButton.LeftButton)
    assert not shown and good.read_text().startswith("epoch,train_loss")
