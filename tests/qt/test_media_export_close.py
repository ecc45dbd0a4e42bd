"""Closing the window while File → Export Slides… runs (random user, seed 649660)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QProcess, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from bpstudio.paths import example_files

pytest.importorskip("PIL.Image")


def close_and_delete(w) -> list[str]:
    """Close the window (nothing unsaved) and delete it: the Qt warnings that came."""
    warnings: list[str] = []

    def handler(mode, _context, message):
        if mode != QtMsgType.QtDebugMsg and "propagateSizeHints" not in message:
            warnings.append(message)

    previous = qInstallMessageHandler(handler)
    try:
        w.undo_stack.setClean()
        assert w.close()
        w.deleteLater()
        QApplication.processEvents()
    finally:
        qInstallMessageHandler(previous)
    return warnings


def test_closing_the_window_ends_a_running_export_without_leftovers(
    make_window, tmp_path, monkeypatch
):
    """The window went with the command still rendering: Qt warned "QProcess: Destroyed while
    process … is still running" and the export's temporary copy of the network stayed."""
    from bpstudio.qt import dialogs

    monkeypatch.setattr(dialogs, "ask_export_path", lambda *a: str(tmp_path / "deck.pdf"))
    w = make_window(path=next(p for p in example_files() if p.stem == "handwritten_221"))
    w.action_by_name["export slides"].trigger()  # File > Export Slides…
    export = w.media_export
    assert export.process.state() != QProcess.ProcessState.NotRunning
    assert close_and_delete(w) == []
    assert export.process.state() == QProcess.ProcessState.NotRunning
    assert export.done and not export.network.exists()
    assert not (tmp_path / "deck.pdf").exists()


def test_closing_the_window_ends_every_running_export(make_window, tmp_path, monkeypatch):
    """Two exports started one after the other (random-user soak, action 40,800): closing
    stopped only the last, and Qt warned that the first's QProcess was destroyed running."""
    from bpstudio.qt import dialogs

    targets = iter([tmp_path / "one.pdf", tmp_path / "two.gif"])
    monkeypatch.setattr(dialogs, "ask_export_path", lambda *a: str(next(targets)))
    w = make_window(path=next(p for p in example_files() if p.stem == "handwritten_221"))
    w.action_by_name["export slides"].trigger()
    first = w.media_export
    w.action_by_name["export animation"].trigger()
    second = w.media_export
    assert first is not second
    assert close_and_delete(w) == []
    for export in (first, second):
        assert export.process.state() == QProcess.ProcessState.NotRunning
    assert first.done and second.done
    assert not first.network.exists() and not second.network.exists()
