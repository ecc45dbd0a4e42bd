"""One number formatter: model/numfmt.py holds every display rule; nothing else defines one.

The expected strings are the display as it was before the rule moved here (explain.fmt,
numfmt.fmt, inspector.fmt, data_panel._fmt, cli._fmt): moving it changed no text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bpstudio.model import explain, numfmt

PACKAGE = Path(__file__).resolve().parent.parent / "bpstudio"


@pytest.mark.parametrize(
    "x, decimals, text",
    [
        (0.08216704056423077, 4, "0.0822"),
        (0.0006683960211443731, 4, "0.0006684"),
        (0.00099996, 4, "0.001000"),  # rounding carried into the next digit
        (-3.1e-9, 4, "−3.1e-09"),
        (1.23456789e-9, 4, "1.235e-09"),
        (0.4, 4, "0.4"),
        (0.40000001, 4, "0.4000"),
        (0.0, 4, "0"),
        (-0.0, 4, "0"),
        (12345.678, 2, "12345.68"),
        (float("inf"), 4, "∞"),
        (float("-inf"), 4, "−∞"),
        (float("nan"), 4, "nan"),
        (0.5932699921071872, 2, "0.59"),
    ],
)
def test_the_display_rule(x, decimals, text):
    assert numfmt.fmt(x, decimals) == text
    assert numfmt.fmt(x, decimals, minus="-") == text.replace("−", "-")


def test_explain_and_the_views_use_numfmts_functions():
    assert explain.fmt is numfmt.fmt
    assert explain.fmt_places is numfmt.fmt_places
    assert explain.update_places is numfmt.update_places
    assert numfmt.fmt_places(0.399991783, 9) == "0.399991783"
    assert numfmt.update_places(0.4, 0.4 - 8.2e-6) == 9


def test_general_and_exact_keep_the_old_texts():
    for v in (0.5932699921071872, -1e-7, 123456789.0, 2.0, 0.1 + 0.2):
        assert numfmt.general(v) == f"{v:.6g}"  # data table, CLI text trace
        assert numfmt.general(v, 3) == f"{v:.3g}"  # the %g rule (data table, CLI)
        assert numfmt.exact(v) == repr(v)  # editable fields: reads back the same float
        assert float(numfmt.exact(v)) == v
    assert numfmt.exact(None) == ""


def test_no_other_module_defines_a_number_formatter():
    """A second fmt/_fmt drifted from the rule before (four of them, different rules)."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "numfmt.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") in (
                "fmt",
                "format_number",
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert found == []
