"""How numbers are written for a reader: the one place display rules live.

* :func:`fmt`: every number a student reads (canvas overlays, explain panel, matrices, tips,
  ``bpstudio report``): fixed decimals (default 4), significant digits for small values so
  ∂L/∂w1 = 0.000668 never shows as 0.0007 or 0.0000, scientific notation below 1e-6, and the
  typographic minus; :func:`fmt_places` and :func:`update_places` for an update old → new.
* :func:`general`: ``%g`` with a number of significant digits, for counts of a run and
  summaries (the CLI's text trace, the data table, plot captions, edge weight labels).
* :func:`exact`: the shortest text that reads back as the same float (fields a user edits).

``model/explain.py`` re-exports :func:`fmt`; the Qt views and the report call these functions.
Floating-point noise (a sum that cancels to −2.8e-17) is set to 0 before it gets here, by
``model/noise.py``: this module cannot tell noise from a genuinely tiny value. No Qt.
"""

from __future__ import annotations

import math

MINUS = "−"
MAX_DECADE = 308  # the largest power of ten float64 holds (log axes and colour scales stop there)


def fmt(x: float, decimals: int = 4, minus: str = MINUS) -> str:
    """The display rule for every number a student reads (canvas, explain, matrices, reports).

    * ``|x| >= 10**(1 - decimals)``: fixed point with ``decimals`` places (0.7414);
    * ``10**-6 <= |x| < 10**(1 - decimals)``: ``decimals`` significant digits, fixed point
      (0.0006684, so tiny gradients never print as 0.0007 or 0.0000);
    * ``0 < |x| < 10**-6``: ``decimals`` significant digits, scientific (1.234e-09);
    * ``|x| >= 1e15``: ``decimals`` significant digits, scientific (1.798e308, not 309 digits);
    * trailing zeros are dropped only when the short form is the exact value (0.4, 1, 0.15):
      a shown zero always means a rounded digit. Negative numbers use the minus sign ``−``
      (``minus`` swaps it, e.g. ASCII for file names).
    """
    text = _rule(float(x), decimals)
    return text if minus == MINUS else text.replace(MINUS, minus)


def _rule(x: float, decimals: int) -> str:
    decimals = max(int(decimals), 1)
    if x != x:
        return "nan"
    if math.isinf(x):
        return "∞" if x > 0 else MINUS + "∞"
    if x == 0:
        return "0"
    ax = abs(x)
    if ax >= 1e15:  # fixed point would print every digit (1.8e308: 309 of them)
        mant, exp = f"{ax:.{decimals - 1}e}".split("e")
        if float(f"{mant}e{exp}") == ax and "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        return (MINUS if x < 0 else "") + f"{mant}e{int(exp)}"
    if ax >= 10.0 ** (1 - decimals):
        places = decimals
    elif ax >= 1e-6:
        places = decimals - 1 - math.floor(math.log10(ax))
        # rounding can carry into the next digit (0.00099996 -> 0.001000): recount then
        if float(f"{ax:.{places}f}") >= 10.0 ** (math.floor(math.log10(ax)) + 1):
            places -= 1
    else:
        text = f"{ax:.{decimals - 1}e}"
        if float(text) == ax:
            mant, exp = text.split("e")
            mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
            text = f"{mant}e{exp}"
        return (MINUS if x < 0 else "") + text
    return _fixed(x, places)


def fmt_places(x: float, places: int) -> str:
    """Fixed point with ``places`` decimals (exact short forms shortened, like :func:`fmt`)."""
    return _fixed(x, max(int(places), 0))


def _fixed(x: float, places: int) -> str:
    text = f"{abs(x):.{places}f}"
    if "." in text:
        short = text.rstrip("0").rstrip(".")
        if float(short) == abs(x):
            text = short
    if float(text) == 0:
        return "0"
    return (MINUS if x < 0 else "") + text


def update_places(old: float, new: float, decimals: int = 4) -> int:
    """Decimal places that make a step old → new visible with ``decimals`` significant digits.

    A step of 8.2e-6 on a weight of 0.4 needs 9 places (0.399991783); at 4 places both would
    print as 0.4000 and the update would be invisible.
    """
    step = abs(new - old)
    if step == 0 or not math.isfinite(step):
        return decimals
    return max(decimals, decimals - 1 - math.floor(math.log10(step)))


def fmt_signed(value: float, decimals: int = 4, minus: str = MINUS) -> str:
    """Like :func:`fmt` with an explicit + on positive values (for Δw)."""
    text = fmt(value, decimals, minus)
    return text if text.startswith(minus) or text in ("0", "nan") else "+" + text


def displayed(value: float, decimals: int = 4) -> float:
    """The number a reader gets back from ``fmt(value)`` (tests compare at this precision)."""
    return float(fmt(value, decimals).replace(MINUS, "-").replace("∞", "inf"))


def general(value: float, digits: int = 6) -> str:
    """``%g`` with ``digits`` significant digits and the ASCII minus: 0.593270, 1e-07."""
    return f"{float(value):.{int(digits)}g}"


def exact(value: float | None) -> str:
    """The shortest text that reads back as exactly this float ("" for None): a field
    shows what the file holds, so editing nothing changes nothing."""
    return "" if value is None else repr(float(value))
