"""The few math-writing operations a registry entry needs to spell its formulas with numbers.

An activation or loss writes its own substituted formula (``1/(1 + e^(−0.3775))``) on its
registry entry (core/activations.py, core/losses.py), for Markdown and LaTeX alike. The report's
styles (``model/report_style.py``) implement this Protocol; core only names it, so the entries stay
numpy-only and know nothing of documents.
"""

from __future__ import annotations

from typing import Protocol


class Notation(Protocol):
    times: str  # " × " or r" \times "
    plus: str
    minus: str

    def num(self, x: float) -> str:
        """A number by the display rule (model/numfmt.py)."""
        ...

    def par(self, x: float, places: int | None = None) -> str:
        """A number as a factor: parenthesised when negative."""
        ...

    def pick(self, unicode: str, tex: str) -> str:
        """The Unicode or the TeX spelling, whichever this notation writes."""
        ...

    def sq(self, x: str) -> str: ...

    def exp(self, x: str) -> str: ...

    def frac(self, a: str, b: str) -> str: ...

    def log(self, x: str) -> str: ...

    def yhat(self, ident: str | None = None) -> str: ...

    def y(self, ident: str | None = None) -> str: ...
