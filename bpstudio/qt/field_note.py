"""A line under a form field: why a typed value was refused, or a warning about the value."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

STYLE = {"error": "color: #b00020; font-weight: bold;", "warning": "color: #8a5a00;"}


class FieldNote(QLabel):
    """Hidden while empty; wraps, and asks for the height its wrapped text needs."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.hide()

    def say(self, text: str, level: str = "error") -> None:
        self.setStyleSheet(STYLE.get(level, "") + " font-size: 10pt;")
        self.setText(text)
        self.setVisible(bool(text))
        self._fit_height()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        # a wrapped label in a QFormLayout row gets the height of fewer lines than it needs
        # (the rows below then cover it): ask for the wrapped height at the actual width
        h = self.heightForWidth(max(self.width(), 1)) if self.text() else 0
        if h > 0 and h != self.minimumHeight():
            self.setMinimumHeight(h)
