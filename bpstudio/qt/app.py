"""QApplication setup and the ``bpstudio [FILE]`` entry point."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QRect, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ..model.fileformat import NetworkFileError
from . import dialogs, platform_check
from .icon import app_icon


def application() -> QApplication:
    """The one QApplication (created on first use, with names QSettings needs)."""
    existing = QApplication.instance()
    # a QCoreApplication made elsewhere has no windows: that would be a programming error
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setOrganizationName("bpstudio")
    app.setApplicationName("Backprop Studio")
    app.setApplicationDisplayName("Backprop Studio")
    app.setDesktopFileName("bpstudio")
    app.setWindowIcon(app_icon())
    return app


def create_window(path: str | os.PathLike | None = None):
    """Build the main window on FILE (or the built-in 2-2-1 example)."""
    from .main_window import MainWindow

    application()
    window = MainWindow()
    if path is not None:
        try:
            window.document.open(path)
        except NetworkFileError as exc:
            dialogs.show_errors(
                window,
                "Cannot open network",
                f"{Path(path).name} is not a valid network file:",
                exc.errors,
            )
        except OSError as exc:
            dialogs.show_errors(window, "Cannot open network", str(path), [str(exc)])
    return window


def fit_to_screen(window: QWidget, available: QRect | None = None) -> None:
    """Shrink the window to the screen it opens on (``available``: that screen's free
    area, by default the window's own screen). The window's default 1280x800 is taller than
    a 1280x720 projector, and the docks can grow it further when it is first shown: the
    status bar and the plots' bottom edge were off the screen."""
    if available is None:
        screen = window.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        available = screen.availableGeometry()
    frame = window.frameGeometry().size() - window.size()  # the window manager's title bar
    w = min(window.width(), available.width() - frame.width())
    h = min(window.height(), available.height() - frame.height())
    if (w, h) != (window.width(), window.height()):
        window.resize(max(w, 1), max(h, 1))
    if window.isVisible():
        window.move(
            max(available.left(), min(window.x(), available.right() - window.width())),
            max(available.top(), min(window.y(), available.bottom() - window.height())),
        )


def run(path: str | os.PathLike | None = None) -> int:
    """Open the desktop app; returns the exit status for ``sys.exit``.

    FILE is always the network this window shows; an autosave left by a crash is offered
    once the window is up (a recovered network opens in a window of its own beside FILE).
    """
    problem = platform_check.missing_library_message()
    if problem is not None:  # Qt would abort the process with a page of hints
        print(problem, file=sys.stderr)
        return 2
    app = application()
    window = create_window(path)
    fit_to_screen(window)
    window.show()
    fit_to_screen(window)  # showing can grow it (the docks' first layout)

    def settled() -> None:  # the first layout has landed: fit once more, then the network
        fit_to_screen(window)
        window.view.fit_all()

    QTimer.singleShot(0, window, settled)
    window.view.fit_all()
    window.offer_recovery()
    return app.exec()
