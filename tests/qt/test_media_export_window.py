"""File → Export Animation… / Export Slides… in the window: a progress bar, Cancel, no leftovers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QProcess, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from bpstudio.paths import example_files

pytest.importorskip("PIL.Image")


def _window(make_window, monkeypatch, target):
    from bpstudio.qt import dialogs

    monkeypatch.setattr(dialogs, "ask_export_path", lambda *a: str(target))
    return make_window(path=next(p for p in example_files() if p.stem == "handwritten_221"))


def test_export_animation_writes_the_gif_while_the_window_answers(make_window, qtbot, tmp_path,
                                                                  monkeypatch):  # fmt: skip
    from PIL import Image

    target = tmp_path / "pass.gif"
    w = _window(make_window, monkeypatch, target)
    w.graph.set_network(name="edited, not saved")  # the open network, not the file, is drawn
    w.action_by_name["export animation"].trigger()  # File > Export Animation…
    export = w.media_export
    assert export.dialog.isVisible()
    ticks = []
    while export.process.state() != QProcess.ProcessState.NotRunning or not export.done:
        qtbot.wait(50)  # the event loop runs: the window answers while it renders
        ticks.append(export.dialog.value())
        assert len(ticks) < 2400, "the export did not finish in 2 minutes"
    assert max(ticks) > 0  # the progress bar moved
    assert Image.open(target).n_frames > 7
    assert "Exported the animation" in w._hint.text()
    assert [p.name for p in tmp_path.iterdir()] == ["pass.gif"]


def test_cancel_leaves_nothing_behind(make_window, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "deck.pdf"
    w = _window(make_window, monkeypatch, target)
    w.action_by_name["export slides"].trigger()  # File > Export Slides…
    export = w.media_export
    (cancel,) = [b for b in export.dialog.findChildren(QPushButton) if b.text() == "Cancel"]
    QTest.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: export.done, timeout=30000)
    assert list(tmp_path.iterdir()) == []
    assert "cancelled" in w._hint.text()
    assert not export.network.exists()
