"""Help → Keyboard Shortcuts (F1), Getting Started, and File → Browse Examples."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from bpstudio.paths import example_files
from bpstudio.qt.help_pages import ExampleGallery, TextDialog


def _open_dialogs(kind):
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def test_f1_lists_every_shortcut_the_window_has(make_window, qtbot):
    w = make_window()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    qtbot.keyClick(w.view, Qt.Key.Key_F1)
    (sheet,) = _open_dialogs(TextDialog)
    text = sheet.browser.toPlainText()
    for name, keys in (("Forward", "F6"), ("Backward pass", "Shift+F7"), ("Update", "F8"),
                       ("Lecture Layout", "F5"), ("Play / Pause", "Ctrl+Space"),
                       ("Undo", "Ctrl+Z"), ("Keyboard Shortcuts", "F1")):  # fmt: skip
        assert f"{name}\t{keys}" in text or f"{name}\n{keys}" in text, (name, keys)
    # every menu action with a shortcut is on the sheet (read from the actions themselves)
    for act in w.menuBar().actions():
        for sub in act.menu().actions():
            if sub.shortcut().toString() and sub.menu() is None:
                assert sub.shortcut().toString() in text, sub.text()
    sheet.close()


def test_getting_started_opens_from_the_help_menu(make_window, qtbot):
    w = make_window()
    w.action_by_name["getting_started"].trigger()
    (page,) = _open_dialogs(TextDialog)
    assert "F6" in page.browser.toPlainText() and "F5" in page.browser.toPlainText()
    page.close()


def test_the_gallery_shows_every_example_and_opens_the_one_picked(make_window, qtbot):
    w = make_window()
    w.action_by_name["gallery"].trigger()  # File > Browse Examples…
    (gallery,) = _open_dialogs(ExampleGallery)
    names = [gallery.list.item(i).text() for i in range(gallery.list.count())]
    assert names == [p.stem.replace("_", " ") for p in example_files()]
    row = names.index("ecs171 321")
    item = gallery.list.item(row)
    assert not item.icon().isNull()  # a thumbnail of the network
    rect = gallery.list.visualItemRect(item)
    QTest.mouseClick(gallery.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert "w_AZ goes from 0.9 to 0.899353" in gallery.description.text()
    assert "7 neurons" in gallery.description.text()
    QTest.mouseClick(gallery.open_button, Qt.MouseButton.LeftButton)
    assert gallery.result() == QDialog.DialogCode.Accepted
    assert w.document.example == "ecs171_321" and w.document.path is None
    assert len(w.graph.neurons) == 7


def test_the_ready_hint_names_the_forward_key(make_window):
    w = make_window()
    assert "Forward (F6)" in w.pass_tools.controller.describe(w.pass_tools.stepper.state)
