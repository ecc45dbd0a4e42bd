"""File → Export Animation… and Export Slides…: ``bpstudio animate`` / ``slides`` from the app.

The command runs as a separate process on a copy of the open network (saved or not): the window
stays responsive while it renders, a progress dialog follows its "progress K N" lines, and
Cancel stops it. The command writes its output under a temporary name and renames it when
done, so a cancelled export leaves nothing behind (the app removes the temporary file too).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QProgressDialog

from ..model import fileformat
from . import dialogs, places

if TYPE_CHECKING:
    from .main_window import MainWindow

ANIMATION_FILTERS = "Animated GIF (*.gif);;Animated PNG (*.png)"
SLIDES_FILTERS = "PDF slides (*.pdf);;Beamer slides (*.tex)"


class MediaExport(QObject):
    """One running export: the process, its progress dialog, and the clean-up."""

    def __init__(self, window: MainWindow, command: str, target: Path, extra: list[str]):
        super().__init__(window)
        self.window, self.command, self.target = window, command, target
        folder = Path(tempfile.mkdtemp(prefix="bpstudio-export-"))
        self.network = folder / "network.json"
        # relative CSV paths are rebased onto the copy's folder, as for the autosave
        fileformat.atomic_write_text(self.network, fileformat.dumps(window.graph, folder))
        self.process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("BPSTUDIO_PROGRESS", "1")
        env.insert("QT_QPA_PLATFORM", "offscreen")  # it draws, it shows nothing
        self.process.setProcessEnvironment(env)
        self.process.readyReadStandardError.connect(self._read)
        self.process.finished.connect(self._finished)
        self.process.started.connect(self._started)
        self.started_at = time.time()
        self.errors: list[str] = []
        self.cancelled = False
        self.done = False
        what = "animation" if command == "animate" else "slides"
        self.dialog = QProgressDialog(f"Rendering the {what}…", "Cancel", 0, 0, window)
        self.dialog.setWindowTitle(f"Export {what}")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.canceled.connect(self.cancel)
        self.process.start(
            sys.executable,
            ["-m", "bpstudio", command, str(self.network), "-o", str(target), *extra],
        )
        self.dialog.show()

    def _started(self) -> None:
        if self.cancelled:  # Cancel came while it was starting
            self.process.kill()

    def _read(self) -> None:
        text = bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace")
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == "progress":
                k, n = int(parts[1]), int(parts[2])
                self.dialog.setMaximum(max(n, 1))
                self.dialog.setValue(min(k, n))
            elif line.strip():
                self.errors.append(line.removeprefix("error: "))

    def cancel(self) -> None:
        if self.done:
            return
        self.cancelled = True
        if self.process.state() == QProcess.ProcessState.Running:
            self.process.kill()
        # still starting: started() kills it (kill() before that reaches no process)

    def stop(self) -> None:
        """The window is closing: end the command now. A QProcess destroyed while its
        process runs warns, and the export's temporary copy of the network stayed behind."""
        if self.done:
            return
        self.cancelled = True
        state = self.process.state()
        if state == QProcess.ProcessState.Starting:
            self.process.waitForStarted(2000)
        if self.process.state() == QProcess.ProcessState.Running:
            self.process.kill()
            self.process.waitForFinished(5000)  # _finished cleans up

    def _finished(self, code: int, _status) -> None:
        self._read()
        self.done = True
        self.dialog.reset()
        self.dialog.hide()
        for part in self.target.parent.glob(f".{self.target.name}.*.part"):
            part.unlink(missing_ok=True)  # a killed command could not remove its own
        if (
            self.cancelled
            and self.target.exists()
            and self.target.stat().st_mtime >= self.started_at
        ):
            self.target.unlink()  # it finished just as Cancel was pressed: Cancel wins
        self.network.unlink(missing_ok=True)
        self.network.parent.rmdir()
        what = "animation" if self.command == "animate" else "slides"
        if self.cancelled:
            self.window.status(f"Export of the {what} cancelled: nothing was written")
        elif code == 0:
            places.remember(self.target)
            self.window.status(f"Exported the {what} to {self.target}")
        else:
            dialogs.show_errors(
                self.window,
                f"Export {what}",
                f"Cannot write {self.target}:",
                self.errors or [f"the command exited with {code}"],
            )


def export_media(window: MainWindow, command: str) -> MediaExport | None:
    from .exports import _suggestion, current_sample

    animate = command == "animate"
    target = dialogs.ask_export_path(
        window,
        "Export animation" if animate else "Export slides",
        _suggestion(window, ".gif" if animate else "_slides.pdf"),
        ANIMATION_FILTERS if animate else SLIDES_FILTERS,
    )
    if not target:
        return None
    export = MediaExport(window, command, Path(target), ["--sample", str(current_sample(window))])
    window.media_export = export  # kept alive while it runs (and for tests)
    return export


def install_media_actions(window: MainWindow) -> None:
    menu = window.menus["File"]
    before = window.action_by_name.get("quit")
    for key, text, tip, command in (
        (
            "export animation",
            "Export &Animation…",
            "The stepped pass, pulses included, as an animated GIF or PNG",
            "animate",
        ),
        (
            "export slides",
            "Export S&lides…",
            "One slide per step of the pass, as PDF or a Beamer deck",
            "slides",
        ),
    ):
        action = QAction(text, window)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _=False, c=command: export_media(window, c))
        if before is not None:
            menu.insertAction(before, action)
        else:
            menu.addAction(action)
        window.action_by_name[key] = action
