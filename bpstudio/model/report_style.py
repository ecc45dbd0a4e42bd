"""How the worked example spells its math in Markdown (unicode) and in LaTeX (amsmath).

A style is handed to everything that writes a formula, including the activation and loss
registries (core/activations.py, core/losses.py: ``substitute``), so one piece of code writes
both formats.
"""

from __future__ import annotations

from . import explain as ex
from .tex import tex_id, tex_num


class Style:
    """How math pieces are spelled in one output format."""

    times = " × "
    plus = " + "
    minus = " − "
    dot = "·"

    def __init__(self, decimals: int):
        self.decimals = decimals

    # numbers
    def num(self, x: float) -> str:
        return ex.fmt(x, self.decimals)

    def num_places(self, x: float, places: int) -> str:
        return ex.fmt_places(x, places)

    def par(self, x: float, places: int | None = None) -> str:
        """A number as a factor: parenthesised when negative."""
        text = self.num(x) if places is None else self.num_places(x, places)
        return f"({text})" if x < 0 else text

    # symbols
    def id(self, ident: str) -> str:
        return ident

    def sub(self, base: str, ident: str) -> str:
        return f"{base}_{ident}"

    def d(self, what: str, ident: str | None = None) -> str:
        """∂L/∂what_ident."""
        return f"∂L/∂{what}" + (f"_{ident}" if ident else "")

    def pick(self, unicode: str, tex: str) -> str:
        return unicode

    def dsym(self, sym: str) -> str:
        """∂L/∂(an already rendered symbol)."""
        return f"∂L/∂{sym}"

    def sq(self, x: str) -> str:
        return f"{x}²"

    def exp(self, x: str) -> str:
        return f"e^({x})"

    def frac(self, a: str, b: str) -> str:
        wrap = lambda t: f"({t})" if " " in t else t  # noqa: E731
        return f"{wrap(a)}/{wrap(b)}"

    def log(self, x: str) -> str:
        return f"log({x})"

    def yhat(self, ident: str | None = None) -> str:
        return "ŷ" + (f"_{ident}" if ident else "")

    def y(self, ident: str | None = None) -> str:
        return "y" + (f"_{ident}" if ident else "")

    def eta(self) -> str:
        return "η"

    def sigma(self) -> str:
        return "Σ"

    def blank(self, n: int) -> str:
        """A numbered blank of an exercise sheet."""
        return f"______ ({n})"


class MdStyle(Style):
    pass


class TexStyle(Style):
    times = r" \times "
    minus = " - "
    dot = r" \cdot "

    def num(self, x: float) -> str:
        return tex_num(x, self.decimals)

    def num_places(self, x: float, places: int) -> str:
        return tex_num(x, places=places)

    def par(self, x: float, places: int | None = None) -> str:
        text = self.num(x) if places is None else self.num_places(x, places)
        return rf"\left({text}\right)" if x < 0 or "times" in text else text

    def id(self, ident: str) -> str:
        return tex_id(ident)

    def sub(self, base: str, ident: str) -> str:
        return f"{base}_{{{tex_id(ident)}}}"

    def d(self, what: str, ident: str | None = None) -> str:
        w = {"ŷ": r"\hat{y}"}.get(what, what)
        low = f"{w}_{{{tex_id(ident)}}}" if ident else w
        return rf"\frac{{\partial L}}{{\partial {low}}}"

    def pick(self, unicode: str, tex: str) -> str:
        return tex

    def dsym(self, sym: str) -> str:
        return rf"\frac{{\partial L}}{{\partial {sym}}}"

    def sq(self, x: str) -> str:
        return f"{x}^2"

    def exp(self, x: str) -> str:
        return f"e^{{{x}}}"

    def frac(self, a: str, b: str) -> str:
        return rf"\frac{{{a}}}{{{b}}}"

    def log(self, x: str) -> str:
        return rf"\log\left({x}\right)"

    def yhat(self, ident: str | None = None) -> str:
        return r"\hat{y}" + (f"_{{{tex_id(ident)}}}" if ident else "")

    def y(self, ident: str | None = None) -> str:
        return "y" + (f"_{{{tex_id(ident)}}}" if ident else "")

    def eta(self) -> str:
        return r"\eta"

    def sigma(self) -> str:
        return r"\sum "

    def blank(self, n: int) -> str:
        return rf"\underline{{\hspace{{4em}}}}\;\text{{({n})}}"
