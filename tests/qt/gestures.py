"""Small gestures the tests share: what a person does with one widget."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


def choose(combo, text: str) -> None:
    """Pick ``text`` in a combo box as a person does with the keyboard: open the list, walk to
    the item with the arrow keys, Enter (the combo then emits ``activated``, as for a click)."""
    target = combo.findText(text)
    assert target >= 0, (
        f"{text!r} is not offered: {[combo.itemText(i) for i in range(combo.count())]}"
    )
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Space)  # opens the list
    popup = combo.view()
    for _ in range(combo.count()):
        if popup.currentIndex().row() == target:
            break
        key = Qt.Key.Key_Down if popup.currentIndex().row() < target else Qt.Key.Key_Up
        QTest.keyClick(popup, key)
    QTest.keyClick(popup, Qt.Key.Key_Return)
