"""The app icon (bpstudio/resources/bpstudio.svg) is on the application and the window (issue 9,
item 20: it was packaged but never set, so the title bar and the taskbar showed Qt's default)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QIcon, QImage
from PySide6.QtWidgets import QApplication

from bpstudio.paths import resources_dir
from bpstudio.qt.icon import icon_path

SVG = Path(resources_dir()) / "bpstudio.svg"


def _image(icon: QIcon, px: int = 64) -> QImage:
    return icon.pixmap(px, px).toImage().convertToFormat(QImage.Format.Format_ARGB32)


def test_the_window_icon_is_the_packaged_svg(make_window):
    assert SVG.is_file() and icon_path() == SVG
    window = make_window()
    icon = window.windowIcon()
    assert not icon.isNull()
    got, want = _image(icon), _image(QIcon(str(SVG)))
    assert not want.isNull() and got == want  # the same picture, pixel for pixel
    # and it is that drawing, not a blank or Qt's default: the dark tile, the yellow output
    assert QColor(got.pixel(32, 6)).name() == "#1d2b3a"
    assert QColor(got.pixel(50, 32)).name() == "#ffd166"


def test_application_sets_it_for_every_window(qapp):
    from bpstudio.qt.app import application

    app = application()
    assert app is QApplication.instance()
    assert _image(app.windowIcon()) == _image(QIcon(str(SVG)))
    assert app.desktopFileName() == "bpstudio"
