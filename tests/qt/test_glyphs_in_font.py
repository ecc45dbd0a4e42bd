"""Every button and menu text is drawn with glyphs the window's own font has.

The Pause button said "⏸ Pause": DejaVu, the font of many Linux desktops, has no ⏸, so a
lecturer saw a box. Icons come from the style; text uses only what the font can draw.
"""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QMenu


def _missing(widget, text: str) -> list[str]:
    fm = QFontMetrics(widget.font())
    return [c for c in text if not c.isspace() and not fm.inFontUcs4(ord(c))]


def test_buttons_and_menus_use_glyphs_the_font_has(make_window, qtbot):
    w = make_window()
    tools = w.training_tools
    tools.controller.toggle()  # running: the button says Pause
    qtbot.waitUntil(lambda: tools.training_panel.play_button.text() == "Pause")
    problems = []
    for b in w.findChildren(QAbstractButton):
        if gone := _missing(b, b.text()):
            problems.append((b.text(), gone))
    for menu in w.findChildren(QMenu):
        for act in menu.actions():
            if gone := _missing(menu, act.text()):
                problems.append((act.text(), gone))
    tools.controller.toggle()
    assert problems == []
    assert not tools.training_panel.play_button.icon().isNull()
