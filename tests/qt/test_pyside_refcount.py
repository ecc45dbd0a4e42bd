"""Guard against the PySide6 release whose void calls leak decrefs of None on CPython 3.11.

PySide6-Essentials 6.12.0 aborted the interpreter ("Fatal Python error: none_dealloc") after
about 10,000 calls such as QGraphicsItem.setPos: one drag or one large file. pyproject.toml pins
below it; this test fails if a future install brings such a release back.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_void_qt_calls_do_not_leak_references_to_none():
    code = textwrap.dedent(
        """
        import os, sys
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication, QGraphicsEllipseItem, QGraphicsScene
        app = QApplication([])
        scene = QGraphicsScene()
        item = QGraphicsEllipseItem(0, 0, 10, 10)
        scene.addItem(item)
        before = sys.getrefcount(None)
        for i in range(2000):
            item.setPos(i, i)
        print(sys.getrefcount(None) - before)
        """
    )
    # a subprocess: a broken binding would otherwise corrupt this test session
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert abs(int(out.stdout.strip().splitlines()[-1])) < 100
