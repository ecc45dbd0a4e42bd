"""The colours of a blank (exercise mode, checked answers) and of a hidden value's stroke.

What is a blank, and what its row says, is model/reveal.py's (:class:`Blank`, the
:class:`Blanks` an exercise offers, the rows of each badge); the overlay paints it with
these colours. The badges keep their places, sizes and fonts, so the lecture layout's large
numbers hold for the blanks too.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

from ...model.reveal import Blank, Blanks

__all__ = ["FOCUS", "FOLLOWS", "NEUTRAL", "RIGHT", "WRONG", "Blank", "Blanks", "verdict_colour"]

# the verdict colours: dark enough for the badges' white fill on a washed-out projector; each
# comes with its symbol (✓ → ✗), so no verdict is told by colour alone
RIGHT = QColor(0, 125, 50)
FOLLOWS = QColor(170, 100, 0)
WRONG = QColor(200, 25, 25)
FOCUS = QColor(255, 140, 0)  # the badge's border around the blank being typed into
NEUTRAL = QColor(150, 150, 160)  # a hidden gradient's stroke: no sign, no size given away
VERDICT_COLOUR = {"right": RIGHT, "follows": FOLLOWS, "wrong": WRONG}


def verdict_colour(verdict: str | None) -> QColor | None:
    """A blank's colour (None: not graded yet, the badge's text colour)."""
    return None if verdict is None else VERDICT_COLOUR.get(verdict)
