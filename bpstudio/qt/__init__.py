"""Qt views of bpstudio: the only package that imports PySide6 or pyqtgraph.

PySide6-Essentials is pinned below 6.12 in pyproject.toml: the 6.12.0 wheels corrupt the
reference count of None on CPython 3.11 and abort the interpreter after ~10,000 Qt calls
(tests/qt/test_pyside_refcount.py guards against such a release coming back).
"""
