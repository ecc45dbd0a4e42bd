"""What the pass overlay draws in place of a hidden value (exercise mode, checked answers).

The overlay knows nothing of grading: it asks a :class:`BlankSource` (qt/passes/exercise.py)
whether a value of its badges is a blank and, if so, draws the :class:`Blank`'s text in the
row instead of the number. The badges keep their places, sizes and fonts, so the lecture
layout's large numbers hold for the blanks too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PySide6.QtGui import QColor

from ...model.numfmt import fmt

# the verdict colours: dark enough for the badges' white fill on a washed-out projector; each
# comes with its symbol (✓ → ✗), so no verdict is told by colour alone
RIGHT = QColor(0, 125, 50)
FOLLOWS = QColor(170, 100, 0)
WRONG = QColor(200, 25, 25)
FOCUS = QColor(255, 140, 0)  # the badge's border around the blank being typed into
NEUTRAL = QColor(150, 150, 160)  # a hidden gradient's stroke: no sign, no size given away

# badge row key -> the grading quantity it shows
ROW_QUANTITY = {"z": "z", "a": "a", "dL_dz": "dL_dz", "grad": "grad", "loss": "loss"}
# the name a blank's row gets (rows of the normal badges that have no name get one)
ROW_NAME = {
    "z": "z =",
    "a": "a =",
    "dL_dz": "∂L/∂z =",
    "grad": "∂L/∂w =",
    "loss": "L =",
    "updated": "new w =",
    "updated_bias": "new b =",
}


@dataclass(frozen=True)
class Blank:
    text: str  # what the row shows after its name: "_____", "▸ 0.13_", "0.0822 ✓"
    colour: QColor | None = None
    focused: bool = False
    notes: tuple[str, ...] = ()  # lines under it: the verdict in words, the exact value
    notes_colour: QColor | None = None


class BlankSource(Protocol):
    version: int  # bumped whenever any blank changes (the overlay redraws then)

    @property
    def hides_values(self) -> bool:
        """The values are hidden (an exercise: hover tips say nothing); checked answers: not."""

    def blank(self, quantity: str, ident: str | None) -> Blank | None: ...


def badge_lines(
    source: BlankSource,
    rows: list[tuple[str, str, float]],
    ident: str | None,
    decimals: int,
    colours: list[QColor | None],
) -> tuple[list[str], dict[str, float], dict[str, str], list[QColor | None], bool, bool]:
    """A badge's rows with the hidden values as blanks: (lines, values, texts, colours,
    any blank, a blank focused). A hidden value is left out of ``values`` and ``texts``
    (hover tips and tests read those: they must not show it)."""
    lines: list[str] = []
    values: dict[str, float] = {}
    texts: dict[str, str] = {}
    out_colours: list[QColor | None] = []
    any_blank = focused = False
    for (key, prefix, value), colour in zip(rows, colours, strict=True):
        quantity = ROW_QUANTITY.get(key, key)
        b = source.blank(quantity, None if quantity == "loss" else ident)
        if b is None:
            texts[key] = fmt(value, decimals)
            values[key] = float(value)
            lines.append(f"{prefix} {texts[key]}".strip())
            out_colours.append(colour)
            continue
        any_blank = True
        focused = focused or b.focused
        lines.append(f"{ROW_NAME.get(quantity, prefix)} {b.text}".strip())
        out_colours.append(b.colour)
        for note in b.notes:
            lines.append(note)
            out_colours.append(b.notes_colour or b.colour)
    return lines, values, texts, out_colours, any_blank, focused
