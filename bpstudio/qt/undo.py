"""The document's undo stack: a QUndoStack that says *before* it changes the model.

Live training writes weights into the graph outside the undo stack and records the stretch
as one "Train N epochs" entry when it stops. An edit, Undo or Redo arriving mid-stretch must
find that entry already on the stack, or undoing past the edit cannot give the weights back
(the edit's own "old" values would be trained ones). ``about_to_change`` lets the training
controller pause first: it is emitted with the command about to be pushed, or with None
before an undo, a redo or a jump to another index.

The Edit menu's actions come from :meth:`createUndoAction` / :meth:`createRedoAction` as
usual; they are rewired here to call the Python methods (Qt's would call the C++ slots and
skip the signal).

Ownership (PySide6 6.11, checked in tests/qt/test_undo_ownership.py): a pushed command's
Python half is kept by the stack (no other reference is needed, and a garbage collection
does not take it); a command Qt deletes (merged into the one below, the redo tail dropped
by a push after an undo, clear()) becomes an invalid wrapper that raises RuntimeError when
used, never a dangling pointer. One leak is PySide's: the binding parents the pushed
command to the stack *after* Qt's push returns, so a command Qt merged and deleted inside
push stays a child of the stack for the stack's lifetime, with everything it holds (the
old and new values of every merged keystroke). ``push`` empties such a command.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QUndoCommand, QUndoStack


class UndoStack(QUndoStack):
    about_to_change = Signal(object)  # the QUndoCommand to be pushed, or None (undo/redo)

    def push(self, cmd: QUndoCommand) -> None:
        self.about_to_change.emit(cmd)
        super().push(cmd)
        if not shiboken6.isValid(cmd):  # merged into the command below (Qt deleted it)
            cmd.__dict__.clear()  # what PySide keeps alive with it: see the module notes

    def undo(self) -> None:
        if self.canUndo():
            self.about_to_change.emit(None)
        super().undo()

    def redo(self) -> None:
        if self.canRedo():
            self.about_to_change.emit(None)
        super().redo()

    def setIndex(self, idx: int) -> None:
        if idx != self.index():
            self.about_to_change.emit(None)
        super().setIndex(idx)

    def createUndoAction(self, parent: QObject, prefix: str = "") -> QAction:
        action = super().createUndoAction(parent, prefix)
        action.triggered.disconnect()  # Qt's connection to the C++ slot
        action.triggered.connect(self.undo)
        return action

    def createRedoAction(self, parent: QObject, prefix: str = "") -> QAction:
        action = super().createRedoAction(parent, prefix)
        action.triggered.disconnect()
        action.triggered.connect(self.redo)
        return action
