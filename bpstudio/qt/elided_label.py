"""A one-line label that never asks for more width than it gets: long text ends in "…".

The status bar and the training counter say things whose length the app does not control
(a file name, an error, "epoch 12,345 / 100,000"); a plain QLabel grows the window to fit
them, past a 1024-wide projector. The whole text stays in the tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """shrink: first draw the text smaller (down to MIN_POINT_SIZE) before cutting it, for a big
    counter whose end matters ("/ 3,000")."""

    MIN_POINT_SIZE = 9.0

    def __init__(self, text: str = "", parent: QWidget | None = None, shrink: bool = False):
        super().__init__(text, parent)
        self.shrink = shrink
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setToolTip(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def painted(self) -> tuple[QFont, str]:
        """The font and text painted: smaller if shrink allows it, cut with "…" if still too long."""
        width = self.contentsRect().width()
        font = QFont(self.font())
        if self.shrink:
            size = font.pointSizeF()
            while (
                size > self.MIN_POINT_SIZE
                and QFontMetrics(font).horizontalAdvance(self.text()) > width
            ):
                size = max(self.MIN_POINT_SIZE, size * 0.92)
                font.setPointSizeF(size)
        text = QFontMetrics(font).elidedText(self.text(), Qt.TextElideMode.ElideRight, width)
        return font, text

    def elided_text(self) -> str:
        return self.painted()[1]

    def paintEvent(self, event) -> None:
        font, text = self.painted()
        p = QPainter(self)
        p.setFont(font)
        p.setPen(self.palette().color(self.foregroundRole()))
        align = self.alignment() or (Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        p.drawText(self.contentsRect(), int(align), text)
        p.end()
