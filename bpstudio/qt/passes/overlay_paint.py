"""Paint what a step reveals onto a badge: model/reveal.py's rows, in the theme's colours.

The overlay (overlay.py) asks model/reveal.py what each badge shows and hands the answer
here; nothing in this module decides what is shown, only how it looks: a ∂L/∂z or ∂L/∂w row
and the badge's border in the value's sign colour, a graded blank in its verdict's colour,
the focused blank's border orange, the loss's border in the pulse colour.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

from ...model.reveal import Badge
from .badge import ValueBadge
from .blanks import FOCUS, verdict_colour
from .colormap import Theme


def line_colours(badge: Badge, theme: Theme) -> list[QColor | None]:
    """One colour per line of ``badge`` (None: the badge's text colour)."""
    out: list[QColor | None] = []
    for tone, what in badge.tones:
        if tone == "sign" and isinstance(what, float):
            out.append(theme.sign_colour(what).darker(140))
        elif tone == "verdict":
            out.append(verdict_colour(what if isinstance(what, str) else None))
        else:
            out.append(None)
    return out


def accent_colour(badge: Badge, theme: Theme) -> QColor | None:
    """The badge's border: the sign of its value, the focused blank, the loss's pulse."""
    if badge.accent == "sign":
        return theme.sign_colour(badge.accent_value)
    if badge.accent == "focus":
        return FOCUS
    if badge.accent == "pulse":
        return theme.pulse
    return None


def paint(item: ValueBadge, badge: Badge, theme: Theme) -> None:
    """Show ``badge`` on ``item`` (only a real change relayouts it: see ValueBadge)."""
    item.set_text_lines(
        list(badge.lines), dict(badge.values), dict(badge.texts), line_colours(badge, theme)
    )
    item.accent = accent_colour(badge, theme)
