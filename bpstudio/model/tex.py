"""LaTeX for the worked example and the slides: any text escaped to pure ASCII (pdflatex-safe),
ids in math mode, numbers by the display rule (model/numfmt.py) in math notation."""

from __future__ import annotations

import unicodedata

from .numfmt import fmt, fmt_places

_TEX_CHARS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "—": "---",
    "–": "--",
    "’": "'",
    "‘": "`",
    "“": "``",
    "”": "''",
    "·": r"\textperiodcentered{}",
    "×": r"\texttimes{}",
    "→": r"\textrightarrow{}",
    "½": r"\textonehalf{}",
    "…": r"\dots{}",
    "−": "-",
    "\u00a0": "~",
}
_SUBSCRIPTS = {chr(0x2080 + i): str(i) for i in range(10)}
_SUPERSCRIPTS = {"¹": "1", "²": "2", "³": "3", **{chr(0x2070 + i): str(i) for i in (0, 4, 5, 6)}}
_SUPERSCRIPTS.update({chr(0x2070 + i): str(i) for i in (7, 8, 9)})
_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "η": "eta",
    "θ": "theta",
    "λ": "lambda",
    "μ": "mu",
    "σ": "sigma",
    "Σ": "Sigma",
    "∂": "partial",
}
# symbols set in math mode ($…$): the worked example's text uses them between words
_TEX_MATH = {
    "ŷ": r"\hat{y}",
    "∏": r"\prod",
    "Π": r"\Pi",
    "∑": r"\sum",
    "≈": r"\approx",
    "≤": r"\leq",
    "≥": r"\geq",
    "≠": r"\neq",
    "∞": r"\infty",
    "∇": r"\nabla",
    "←": r"\leftarrow",
    "∈": r"\in",
    "∝": r"\propto",
    "√": r"\surd",
    "±": r"\pm",
    "′": "'",
    "″": "''",
    "ᵀ": r"^{\mathsf{T}}",
    "⊙": r"\odot",
}


def tex_escape(text: str) -> str:
    """Text-mode LaTeX for any string: specials escaped, output pure ASCII (pdflatex-safe).

    Symbols set in math mode that follow one another share one ``$…$`` (σ′ is ``$\\sigma'$``).
    """
    out: list[str] = []
    math: list[str] = []  # the math symbols of the current run

    def close_math() -> None:
        if math:
            out.append("$" + "".join(math) + "$")
            math.clear()

    for ch in str(text):
        if ch in _GREEK:
            math.append("\\" + _GREEK[ch] + ("" if ch == "∂" else " "))
            continue
        if ch in _TEX_MATH:
            math.append(_TEX_MATH[ch])
            continue
        close_math()
        if ch in _TEX_CHARS:
            out.append(_TEX_CHARS[ch])
        elif ch in _SUBSCRIPTS:
            out.append(r"\textsubscript{" + _SUBSCRIPTS[ch] + "}")
        elif ch in _SUPERSCRIPTS:
            out.append(r"\textsuperscript{" + _SUPERSCRIPTS[ch] + "}")
        elif ord(ch) < 128:
            out.append(ch if ch.isprintable() or ch in "\n\t" else "?")
        elif unicodedata.combining(ch):
            continue  # a combining accent: its letter (already written) stands alone
        else:
            # é -> e, ﬁ -> fi: the letters without their accents beat a "?" in a hand-out
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(tex_escape(plain) if plain else "?")
    close_math()
    return "".join(out)


def tex_id(ident: str) -> str:
    """An id for use inside math mode: ``\\text{h\\_1}`` (needs amsmath)."""
    return r"\text{" + tex_escape(ident) + "}"


def tex_num(x: float, decimals: int = 4, places: int | None = None) -> str:
    """:func:`fmt` (or :func:`fmt_places`) in LaTeX math: ``-`` and ``\\times 10^{e}``."""
    text = fmt(x, decimals) if places is None else fmt_places(x, places)
    text = text.replace("−", "-").replace("∞", r"\infty")
    if "e" in text and text != "nan":
        mant, exp = text.split("e")
        text = f"{mant}\\times 10^{{{int(exp)}}}"
    return text
