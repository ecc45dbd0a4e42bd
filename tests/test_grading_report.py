"""Exercise sheets (`report --exercise`: blanks and a separate answer key) and the
common-mistake notes of reports, computed by the grading catalogue."""

from __future__ import annotations

import re

import pytest
from helpers import REFERENCE

from bpstudio import cli
from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.report import hidden_quantities, render_exercise, render_report
from bpstudio.model.session import dataset
from bpstudio.model.trace import run_pass, to_json
from bpstudio.paths import examples_dir

EXAMPLES = examples_dir()
SOFTMAX = EXAMPLES / "softmax_3class.json"


def _load(path):
    g = fileformat.load(path)
    return g, compile_graph(g), dataset(g)


def _trace(g, c, ds):
    return to_json(run_pass(c, ds, [0], g.training))


def _section(text: str, start: str, stop: str) -> str:
    return text[text.index(start) : text.index(stop)]


def test_exercise_sheet_blanks_and_key():
    g, c, ds = _load(REFERENCE / "handwritten_221.json")
    sheet, key = render_exercise(g, c, ds, hide=hidden_quantities(["backward", "updates"]))
    assert sheet.startswith("# Exercise: ")
    backward = _section(sheet, "## Backward pass", "## Gradients")
    # no number is left in the hidden equations: each ends in a numbered blank
    assert re.findall(r"\d\.\d", backward) == []
    assert "`∂L/∂z_o1 = ∂L/∂ŷ·σ′(z_o1) = ______ (3)`" in backward
    # the forward pass and the gradients are not hidden: their numbers are there
    assert "0.3775" in sheet and "0.0822" in _section(sheet, "## Gradients", "## Update")
    update = sheet[sheet.index("## Update") :]
    assert "0.39999178" not in update and "______" in update
    # the key: every blank, with the value the worked example shows
    rows = dict(re.findall(r"\| \((\d+)\) \| [^|]+ \| `([^`]+)` \|", key))
    assert len(rows) == sheet.count("______")
    assert rows["3"] == "0.1385"
    full = render_report(g, c, ds)
    for value in rows.values():
        assert value.replace("−", "-").lstrip("-")[:4] in full.replace("−", "-")
    # the key notes the update's direction
    assert "Climbing the gradient" in key


def test_exercise_key_notes_the_softmax_and_the_paths():
    g, c, ds = _load(SOFTMAX)
    t = _trace(g, c, ds)
    _, key = render_exercise(g, c, ds)
    # ∂L/∂a_h1 without the path through o2: w7·∂L/∂z_o1 + w13·∂L/∂z_o3 (trace values)
    dz = {o: t["neurons"][o]["dL_dz"] for o in ("o1", "o2", "o3")}
    w = {e: t["edges"][e]["weight"] for e in ("w7", "w10", "w13")}
    without_o2 = w["w7"] * dz["o1"] + w["w13"] * dz["o3"]
    exact = t["neurons"]["h1"]["dL_da"]
    line = f"Leaving out the path through o2 gives `{without_o2:.4f}` instead of `{exact:.4f}`."
    assert line.replace("-", "−") in key
    assert "Leaving out the softmax cross terms" in key


def test_report_notes_are_off_by_default_and_on_with_the_flag():
    g, c, ds = _load(SOFTMAX)
    plain = render_report(g, c, ds)
    assert "Common mistake" not in plain
    noted = render_report(g, c, ds, mistakes=True)
    assert "Common mistakes: Leaving out the path through o3 gives" in noted
    assert noted.count("Climbing the gradient") == 1  # the first update only
    tex = render_report(g, c, ds, fmt="tex", mistakes=True)
    assert "Common mistake" in tex
    # without the notes, the document is the report as it was
    assert noted.replace("\n\n", "\n").count("\n") > plain.replace("\n\n", "\n").count("\n")


def test_cli_exercise(tmp_path, capsys):
    out = tmp_path / "sheet.md"
    code = cli.main(["report", str(SOFTMAX), "--exercise", "-o", str(out), "--hide", "gradients"])
    assert code == 0, capsys.readouterr().err
    key = tmp_path / "sheet-key.md"
    assert key.exists() and (tmp_path / "sheet-network.png").exists()
    assert "______ (1)" in out.read_text() and "| (1) |" in key.read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--exercise"], "give -o OUT"),
        (["--hide", "backward", "-o", "x.md"], "--hide is for report --exercise"),
        (["--exercise", "--hide", "nope", "-o", "{out}"], "--hide: unknown part 'nope'"),
    ],
)
def test_cli_exercise_bad_arguments(tmp_path, capsys, argv, message):
    argv = [a.replace("{out}", str(tmp_path / "s.md")) for a in argv]
    assert cli.main(["report", str(SOFTMAX), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "s.md").exists()
