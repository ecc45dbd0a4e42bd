"""The worked example where e^(±z) leaves float64 (|z| > 709.78), read as a student reads it.

"a = σ(z) = 1/(1 + e^(−(−800))) = 9.860e-305", then "log(9.860e-305) ... = 800" and a 309-digit
∂L/∂ŷ times 0 equal to −1: the engine clamped σ's exponent at 700 and the report said nothing
about float64. Now each saturated line is followed by a sentence giving the true values
(e^800 = 2.726e347, σ(−800) ≈ e^−800 = 3.668e-348, checked here against mpmath at 50 digits),
what float64 makes of them, and how the engine still gets L and ∂L/∂z exactly.
"""

from __future__ import annotations

import json

import mpmath
import pytest
from helpers import network_doc

from bpstudio.cli import main
from bpstudio.core import activations as act

mpmath.mp.dps = 50


def _sci(x: mpmath.mpf, digits: int = 4) -> str:
    """mpmath's value as the report writes it: 4 significant digits, e and the exponent."""
    text = mpmath.nstr(x, digits, min_fixed=1, max_fixed=0, strip_zeros=False)
    mant, exp = text.split("e")
    return f"{mant}e{int(exp)}"


def _report(tmp_path, capsys, activation: str, z: float, loss: str, y: float, fmt="md") -> str:
    neurons = [
        {"id": "x", "role": "input", "x": 0, "y": 0},
        {"id": "o", "role": "output", "activation": activation, "bias": 0.0, "x": 200, "y": 0},
    ]
    edges = [{"id": "w", "source": "x", "target": "o", "weight": z}]
    doc = network_doc(neurons, edges, {"loss": loss, "optimizer": "sgd", "learning_rate": 0.1},
                      [{"x": [1.0], "y": [y]}])  # fmt: skip
    f = tmp_path / "net.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    capsys.readouterr()
    assert main(["report", str(f), "--format", fmt]) == 0
    return capsys.readouterr().out


def test_sigmoid_at_minus_800_says_it_is_0_in_float64(tmp_path, capsys):
    text = _report(tmp_path, capsys, "sigmoid", -800.0, "binary_cross_entropy", 1.0)
    e800, sig = mpmath.e**800, 1 / (1 + mpmath.e**800)
    assert _sci(e800) == "2.726e347" and _sci(sig) == "3.668e-348"  # the numbers below
    assert "- `a_o = σ(z_o) = 1/(1 + e^(−(−800))) = 0`" in text  # float64's σ(−800), not 9.9e-305
    assert (
        f"Saturated: `e^(800) = {_sci(e800)}` is beyond float64 (its largest number is about "
        f"1.8e308); `σ(z) = e^z/(1 + e^z) ≈ e^z = {_sci(sig)}`, which is below the smallest "
        "float64 (about 4.9e-324), so `a = 0` in float64." in text
    )
    # the loss: log(0) on the line, the log-space value said to be how L = 800 is found
    assert "log(0)" in text and "which is how `L = 800` is exact" in text
    assert float(-mpmath.log(sig)) == 800.0
    # ∂L/∂ŷ: the largest float in 4 digits (not 309 of them), and why the product is not ∂L/∂z
    assert "= −1.798e308`" in text and "179769313486" not in text
    assert "the engine computes it from z in log space, `∂L/∂z_o = −1`, exactly." in text


def test_sigmoid_at_800_is_1_below_the_float_spacing(tmp_path, capsys):
    text = _report(tmp_path, capsys, "sigmoid", 800.0, "binary_cross_entropy", 0.0)
    gap = mpmath.e**-800 / (1 + mpmath.e**-800)  # 1 − σ(800), without the cancellation
    assert (
        f"`σ(z) = 1/(1 + e^−z) = 1 − {_sci(gap)}` to the digits shown, which is `a = 1` in "
        "float64 (its numbers near 1 are 1.1e-16 apart)." in text
    )


def test_a_subnormal_sigmoid_is_held_as_it_is(tmp_path, capsys):
    """σ(−720) = 2.03e-313 is a subnormal float64: shown, not 9.9e-305 (σ(−700))."""
    sig = 1 / (1 + mpmath.e**720)
    a = act.apply("sigmoid", __import__("numpy").array([-720.0]))[0]
    assert a == float(sig)  # the engine's forward, correctly rounded
    text = _report(tmp_path, capsys, "sigmoid", -720.0, "cross_entropy", 1.0)
    assert f"= {_sci(sig)}`" in text
    assert f"≈ e^z = {_sci(mpmath.e**-720)}`, which float64 holds as `a = {_sci(sig)}`" in text
    assert "`∂L/∂ŷ` overflows float64" in text


@pytest.mark.parametrize(
    ("activation", "z", "sentence"),
    [
        ("softplus", 800.0, "`softplus(z) = z + log(1 + e^−z) = 800 + {e_m}`, which float64 "
                            "holds as `a = 800`."),
        ("softplus", -800.0, "`softplus(z) = log(1 + e^z) ≈ e^z = {e_m}`, which is below the "
                             "smallest float64 (about 4.9e-324), so `a = 0` in float64."),
        ("elu", -800.0, "`e^(−800) = {e_m}` is below the smallest float64 (about 4.9e-324), so "
                        "`elu(z) = e^z − 1` is `a = −1` in float64."),
        ("tanh", -800.0, "|tanh(z)| is 1 minus `2/(e^(1600) + 1) ≈ {gap}`, far below the "
                         "spacing of float64 numbers near 1 (1.1e-16), so `a = −1`."),
    ],
)  # fmt: skip
def test_the_other_exponentials(tmp_path, capsys, activation, z, sentence):
    text = _report(tmp_path, capsys, activation, z, "half_squared_error", 0.0)
    want = sentence.format(e_m=_sci(mpmath.e**-800), gap=_sci(2 / (mpmath.e**1600 + 1)))
    assert want in text, text


def test_a_softmax_of_huge_z_says_it_is_taken_relative_to_the_max(tmp_path, capsys):
    neurons = [{"id": "x", "role": "input", "x": 0, "y": 0}] + [
        {"id": f"o{k}", "role": "output", "activation": "softmax", "bias": 0.0, "x": 200,
         "y": 80 * k} for k in range(2)
    ]  # fmt: skip
    edges = [{"id": f"w{k}", "source": "x", "target": f"o{k}", "weight": w}
             for k, w in enumerate((800.0, -800.0))]  # fmt: skip
    doc = network_doc(neurons, edges, {"loss": "cross_entropy"}, [{"x": [1.0], "y": [1.0, 0.0]}])
    f = tmp_path / "sm.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    capsys.readouterr()
    assert main(["report", str(f)]) == 0
    text = capsys.readouterr().out
    assert f"Saturated: `e^(800) = {_sci(mpmath.e**800)}` is beyond float64" in text
    assert "as `e^(z − max)` over their sum" in text


def test_the_tex_report_keeps_the_notes_in_math_mode(tmp_path, capsys):
    tex = _report(tmp_path, capsys, "sigmoid", -800.0, "binary_cross_entropy", 1.0, fmt="tex")
    assert r"$e^{800} = 2.726 \times 10^{347}$ is beyond float64" in tex
    assert r"$\sigma(z) = e^z/(1 + e^z) \approx e^z = 3.668 \times 10^{-348}$" in tex
    notes = [line for line in tex.splitlines() if "aturated" in line]
    assert len(notes) == 3 and not any("?" in n for n in notes)  # no character lost
