"""The formula pieces of the worked example: activations, their derivatives, the loss, the
penalty's symbols, and what float64 does where e^(±z) overflows (saturation notes)."""

from __future__ import annotations

import math
import sys

from ..core import activations as act
from ..core import losses
from . import explain as ex
from .report_doc import Math
from .report_style import Style
from .tex import tex_id


def act_symbolic(s: Style, name: str, nid: str) -> str:
    z = s.sub("z", nid)
    if name == act.SOFTMAX:
        return s.pick(f"softmax(z)_{nid}", rf"\mathrm{{softmax}}(z)_{{{tex_id(nid)}}}")
    if name == act.IDENTITY:
        return z
    a = act.entry(name)
    return s.pick(f"{a.symbol}({z})", f"{a.tex}({z})")


def act_substituted(s: Style, name: str, z: float) -> str | None:
    return act.entry(name).substitute(s, z)


# e^x overflows float64 above this (its largest number is about 1.8e308); e^−x underflows
LOG_MAX = math.log(sys.float_info.max)  # 709.78
_ULP1 = "1.1e-16"  # the spacing of float64 numbers just below 1 (2^−53), as text


def exp_value(s: Style, x: float) -> str:
    """e^x as a number also where float64 cannot hold it (e^800 = 2.726e347), from
    log10(e^x) = x / ln 10 (the mantissa to the report's digits; e^x itself for exponents
    so large that their rounding leaves no digit of it)."""
    l10 = x / math.log(10.0)
    if abs(l10) > 1e12:
        return s.exp(s.num(x))
    n = math.floor(l10)
    m = 10.0 ** (l10 - n)
    digits = f"{m:.{s.decimals - 1}f}"
    if float(digits) >= 10.0:  # 9.99995 rounds up: one more in the exponent
        n, digits = n + 1, f"{m / 10.0:.{s.decimals - 1}f}"
    return s.pick(f"{digits}e{n}", rf"{digits} \times 10^{{{n}}}")


def saturation(s: Style, name: str, z: float, a: float) -> list | None:
    """Paragraph pieces saying what float64 does with f(z) where the e^(±z) of the formula
    above overflows or underflows (|z| > 709.78): "1/(1 + e^800) = 0" reads as a slip
    without them. The values are the true ones (checked against mpmath in the tests)."""
    if not abs(z) > LOG_MAX or name not in ("sigmoid", "softplus", "elu", "tanh"):
        return None
    M = Math
    approx = s.pick(" ≈ ", r" \approx ")
    beyond = " is beyond float64 (its largest number is about 1.8e308)"
    below = " is below the smallest float64 (about 4.9e-324)"
    big = M(s.exp(s.num(abs(z))) + " = " + exp_value(s, abs(z)))
    small = M(s.exp(s.num(-abs(z))) + " = " + exp_value(s, -abs(z)))
    a_is = M("a = " + s.num(a))
    near_one = f" in float64 (its numbers near 1 are {_ULP1} apart)."

    def rounded() -> list:
        if a == 0:
            return [", which", below, ", so ", a_is, " in float64."]
        return [", which float64 holds as ", a_is, " (a subnormal number: fewer digits)."]

    if name == "sigmoid" and z < 0:
        form = s.pick("σ(z) = e^z/(1 + e^z)", r"\sigma(z) = e^z/(1 + e^z)")
        return [
            "Saturated: ",
            big,
            beyond,
            "; ",
            M(form + approx + "e^z = " + exp_value(s, z)),
            *rounded(),
        ]
    if name == "sigmoid":
        form = s.pick("σ(z) = 1/(1 + e^−z) = 1 − ", r"\sigma(z) = 1/(1 + e^{-z}) = 1 - ")
        return [
            "Saturated: ",
            small,
            below,
            ", so ",
            M(form + exp_value(s, -z)),
            " to the digits shown, which is ",
            a_is,
            near_one,
        ]
    if name == "softplus" and z > 0:
        form = s.pick(
            "softplus(z) = z + log(1 + e^−z) = ",
            r"\mathrm{softplus}(z) = z + "
            r"\log(1 + e^{-z}) = ",
        )
        return [
            "Saturated: ",
            big,
            beyond,
            "; ",
            M(form + s.num(z) + s.plus + exp_value(s, -z)),
            ", which float64 holds as ",
            a_is,
            ".",
        ]
    if name == "softplus":
        form = s.pick("softplus(z) = log(1 + e^z)", r"\mathrm{softplus}(z) = \log(1 + e^z)")
        return ["Saturated: ", M(form + approx + "e^z = " + exp_value(s, z)), *rounded()]
    if name == "elu" and z < 0:
        form = s.pick("elu(z) = e^z − 1", r"\mathrm{elu}(z) = e^z - 1")
        return ["Saturated: ", small, below, ", so ", M(form), " is ", a_is, " in float64."]
    if name == "tanh":
        gap = s.frac("2", s.exp(s.num(2 * abs(z))) + s.plus + "1")
        gap_value = exp_value(s, math.log(2.0) - 2 * abs(z))
        return [
            "Saturated: |tanh(z)| is 1 minus ",
            M(gap + approx + gap_value),
            f", far below the spacing of float64 numbers near 1 ({_ULP1}), so ",
            a_is,
            ".",
        ]
    return None


def saturated_loss(s: Style, le: ex.LossExplanation) -> list | None:
    """A log loss of an output whose ŷ rounds to 0 or 1: log(0) above is not how L is found."""
    if le.name not in ("binary_cross_entropy", "cross_entropy"):
        return None
    if not any(a in (0.0, 1.0) for a in le.yhat):
        return None
    M = Math
    return [
        "An output is saturated: its activation rounds to 0 or 1 in float64, so a log above "
        "reads as log(0). The engine takes the logs from z in log space instead (for a sigmoid ",
        M(s.pick("log σ(z) = −softplus(−z)", r"\log\sigma(z) = -\mathrm{softplus}(-z)")),
        ", for a softmax the log-softmax), which is how ",
        M("L = " + s.num(le.value)),
        " is exact.",
    ]


def deriv_symbolic(s: Style, name: str, nid: str) -> str:
    letter, tex = act.entry(name).prime_symbol
    return s.pick(f"{letter}′(z_{nid})", f"{tex}'(z_{{{tex_id(nid)}}})")


def deriv_substituted(s: Style, name: str, z: float, a: float) -> list[str]:
    """Stages for f′(z): the formula with numbers (empty when f′ is a constant rule)."""
    return act.entry(name).substitute_derivative(s, z, a)


def loss_lines(s: Style, le: ex.LossExplanation, multi: bool) -> tuple[str, str]:
    """(symbolic formula, substituted expression) for one sample's loss."""
    loss = losses.LOSSES[le.name]
    pairs = list(zip(le.yhat, le.y, strict=True))
    return s.pick(le.formula, loss.tex), loss.substituted(s, pairs)


def loss_derivative(s: Style, loss: str, a: float, y: float, k: int) -> str:
    """∂L/∂ŷ_k with its numbers."""
    return losses.LOSSES[loss].derivative_substituted(s, a, y, k)


def loss_derivative_symbolic(s: Style, loss: str, k: int) -> str:
    return losses.LOSSES[loss].derivative_symbolic(s, k)


def lam(s: Style, k: int) -> str:
    return s.pick("λ₂" if k == 2 else "λ₁", rf"\lambda_{k}")


def data_dsym(s: Style, sym: str) -> str:
    """∂L_data/∂(sym): the data loss's part of a regularised gradient."""
    return s.pick(f"∂L_data/∂{sym}", rf"\frac{{\partial L_{{\text{{data}}}}}}{{\partial {sym}}}")
