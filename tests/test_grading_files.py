"""Answers files (JSON and CSV) and `bpstudio grade`: bad files name the row, exit codes,
the text and JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from helpers import FIXTURES, REFERENCE

from bpstudio import cli
from bpstudio.model import fileformat
from bpstudio.model.grading.answers import AnswersError, half_unit, load_answers, parse_answers

NET = REFERENCE / "handwritten_221.json"
GOOD_CSV = "quantity,id,value\nz,h1,0.3775\na,h1,0.5933\nloss,,0.2748\n"


def _graph():
    return fileformat.load(NET)


def _run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# --------------------------------------------------------------------------- reading
def test_values_are_kept_as_written():
    text = (
        '{"format": "bpstudio-answers", "version": 1, "sample": 0, "values": ['
        '{"quantity": "z", "id": "h1", "value": "0.50"},'
        '{"quantity": "a", "id": "h1", "value": 5e-3, "note": "from the slide"},'
        '{"quantity": "loss", "value": 0.2748}]}'
    )
    sheet = parse_answers(text, "a.json")
    assert [a.value for a in sheet.answers] == ["0.50", "5e-3", "0.2748"]
    assert sheet.answers[1].extra == {"note": "from the slide"}
    assert [a.row for a in sheet.answers] == [1, 2, 3]
    assert half_unit("0.50") == pytest.approx(0.005)
    assert half_unit("5e-3") == pytest.approx(0.0005)
    assert half_unit("12") == pytest.approx(0.5)
    assert half_unit(".00150") == pytest.approx(0.000005)
    assert half_unit("−0.065") == pytest.approx(0.0005)  # a typographic minus


def test_csv_comments_rows_and_extra_columns():
    text = "# my working\nquantity,id,value,note\n\nz,h1,0.3775,first\n# skip\nloss,,0.2748,\n"
    sheet = parse_answers(text, "a.csv", _graph())
    assert [(a.quantity, a.id, a.row) for a in sheet.answers] == [("z", "h1", 4), ("loss", None, 6)]
    assert sheet.network is None and sheet.sample is None


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("zz,h1,0.1", "a.csv row 3: unknown quantity 'zz'"),
        ("z,h9,0.1", "a.csv row 3: unknown id 'h9'"),
        ("grad,h1,0.1", "a.csv row 3: grad is of an edge, and 'h1' is a neuron"),
        ("z,x1,0.1", "a.csv row 3: 'x1' is an input unit: it has no z"),
        ("z,h1,abc", "a.csv row 3: value 'abc' is not a number"),
        ("z,h1,nan", "a.csv row 3: value 'nan' is not a number"),
        ("z,h1,", "a.csv row 3: no value"),
        ("z,h1,0.3775", "a.csv row 3: z of h1 is given twice (also row 2)"),
        ("loss,h1,0.1", "a.csv row 3: loss is of the whole network"),
        ("da_dz,,0.1", "a.csv row 3: da_dz needs the id of a neuron or edge"),
    ],
)
def test_bad_csv_rows_are_named(rows, message):
    text = "quantity,id,value\nz,h1,0.3775\n" + rows + "\n"
    with pytest.raises(AnswersError) as info:
        parse_answers(text, "a.csv", _graph())
    assert any(line.startswith(message) for line in info.value.errors), info.value.errors


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"quantity": "path", "id": "w1", "via": ["h2", "o1"], "value": "0.1"},
         "a.json row 2: via h2 o1 is not a path of the network: no edge h1 -> h2"),
        ({"quantity": "path", "id": "w1", "via": [], "value": "0.1"},
         "a.json row 2: via (none) is not a path to the loss: it ends at 'h1'"),
        ({"quantity": "path", "id": "w1", "via": ["q7"], "value": "0.1"},
         "a.json row 2: via names 'q7'"),
        ({"quantity": "path", "id": "w1", "value": "0.1"}, "a.json row 2: a path needs via"),
        ({"quantity": "dyhat_dz", "id": "o1", "by": "o1", "value": "0.1"},
         "a.json row 2: dyhat_dz is of a softmax output, and 'o1' is not one"),
        ({"quantity": "grad", "id": "w9", "value": "0.1"}, "a.json row 2: unknown id 'w9'"),
        ({"quantity": "grad", "id": "w5", "value": [1]}, "a.json row 2: no value"),
        ({"quantity": "z", "id": 3, "value": "0.1"}, "a.json row 2: id must be text"),
        ("z", "a.json row 2: a row is an object"),
    ],
)  # fmt: skip
def test_bad_json_rows_are_named(row, message):
    doc = {"values": [{"quantity": "z", "id": "h1", "value": "0.3775"}, row]}
    with pytest.raises(AnswersError) as info:
        parse_answers(json.dumps(doc), "a.json", _graph())
    assert any(line.startswith(message) for line in info.value.errors), info.value.errors


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "a.json: not valid JSON"),
        ('{"format": "bpstudio-network", "values": []}', "a.json: format is 'bpstudio-network'"),
        ('{"sample": "first", "values": []}', "a.json: sample must be a sample index"),
        ('{"values": 3}', "a.json: values must be a list"),
        ("[1, 2]", "a.json: an answers file is a JSON object"),
    ],
)
def test_bad_documents(text, message):
    with pytest.raises(AnswersError) as info:
        parse_answers(text, "a.json")
    assert str(info.value).startswith(message) or message.split(": ", 1)[1] in str(info.value)


def test_csv_without_header_columns():
    with pytest.raises(AnswersError, match="a.csv row 1: the header must name"):
        parse_answers("id,value\nh1,0.3\n", "a.csv")


def test_unreadable_file(tmp_path):
    with pytest.raises(AnswersError, match="cannot read"):
        load_answers(tmp_path / "missing.csv")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"quantity,id,value\nz,h\xe9,0.1\n")
    with pytest.raises(AnswersError, match="not UTF-8"):
        load_answers(bad)


# --------------------------------------------------------------------------- the command
def _csv(tmp_path, text, name="a.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_grade_all_right_exits_0(tmp_path, capsys):
    code, out, err = _run(["grade", NET, _csv(tmp_path, GOOD_CSV)], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "✓ z of h1 = 0.3775"
    assert lines[-1] == "3 values: 3 right, 0 follow from an earlier slip, 0 wrong"


def test_grade_text_marks(tmp_path, capsys):
    text = "quantity,id,value\ndL_da,o1,0.3707\ndL_dz,o1,0.0693\ngrad,w5,0.0822\n"
    code, out, _ = _run(["grade", NET, _csv(tmp_path, text)], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("✗ dL_da of o1 = 0.3707  (exact 0.7413650696")
    assert "half_factor: " in lines[0]
    assert lines[1].startswith("→ dL_dz of o1 = 0.0693  (follows correctly from your ∂L/∂a of o1")
    assert lines[2] == "✓ grad of w5 = 0.0822"
    assert lines[3] == (
        "3 values: 1 right, 1 follows from an earlier slip, 1 wrong (first: dL_da of o1, half_factor)"
    )


def test_grade_json(tmp_path, capsys):
    text = "quantity,id,value\nupdated,w5,0.4000082\n"
    code, out, _ = _run(["grade", NET, _csv(tmp_path, text), "--format", "json"], capsys)
    assert code == 1
    doc = json.loads(out)
    assert doc["summary"] == {
        "right": 0, "follows": 0, "wrong": 1,
        "first_wrong": {"quantity": "updated", "id": "w5"},
    }  # fmt: skip
    (v,) = doc["values"]
    assert v["mistake"] == "ascent" and v["also"] == ["sign"] and v["from"] is None
    assert v["given"] == "0.4000082"
    assert v["exact"] == pytest.approx(0.3999917833)


def test_the_update_tolerance_is_relative_to_the_step(tmp_path, capsys):
    """A step of 8.2e-6 on 0.4: 0.39999 is 1.8e-6 off the right value, within half a unit
    of its last digit (5e-6) but that is all the tolerance it gets; 0.3999 is wrong."""
    assert _run(["grade", NET, _csv(tmp_path, "quantity,id,value\nupdated,w5,0.39999\n")],
                capsys)[0] == 0  # fmt: skip
    code, out, _ = _run(["grade", NET, _csv(tmp_path, "quantity,id,value\nupdated,w5,0.3999\n")],
                        capsys)  # fmt: skip
    assert code == 1 and "✗ updated of w5" in out


def test_grade_network_from_the_answers_file(capsys):
    code, out, _ = _run(["grade", FIXTURES / "grading" / "ecs171_321_notes.json"], capsys)
    assert code == 1 and "ascent" in out


def test_grade_says_when_the_answers_name_another_network(tmp_path, capsys):
    """NETWORK on the command line wins (spec grading.md); a file naming another network is
    noted on stderr, and a file naming this one (or none) is not."""
    doc = {"format": "bpstudio-answers", "version": 1, "network": "other.json",
           "values": [{"quantity": "z", "id": "h1", "value": "0.3775"}]}  # fmt: skip
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(doc))
    code, out, err = _run(["grade", NET, answers], capsys)
    assert code == 0 and out.startswith("✓ z of h1 = 0.3775")
    assert err == f"note: {answers} is for other.json; graded against {NET} as given\n"
    doc["network"] = str(NET)  # the same network: nothing to say
    answers.write_text(json.dumps(doc))
    assert _run(["grade", NET, answers], capsys)[2] == ""


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("zz,h1,0.1\n", "row 2: unknown quantity 'zz'"),
        ("z,h9,0.1\n", "row 2: unknown id 'h9'"),
        ("z,h1,x\n", "row 2: value 'x' is not a number"),
        ("z,h1,0.3\nz,h1,0.3\n", "row 3: z of h1 is given twice (also row 2)"),
    ],
)
def test_grade_bad_answers_exit_2(tmp_path, capsys, rows, message):
    path = _csv(tmp_path, "quantity,id,value\n" + rows)
    code, out, err = _run(["grade", NET, path], capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {path} {message}")


def test_grade_bad_arguments_exit_2(tmp_path, capsys):
    answers = _csv(tmp_path, GOOD_CSV)
    code, _, err = _run(["grade", NET, answers, "--sample", "3"], capsys)
    assert code == 2 and "--sample 3 is out of range" in err
    code, _, err = _run(["grade", answers], capsys)
    assert code == 2 and "no network" in err
    code, _, err = _run(["grade", tmp_path / "nope.json", answers], capsys)
    assert code == 2 and err.startswith("error: ")
    code, _, err = _run(["grade", NET, _csv(tmp_path, "quantity,id,value\n", "e.csv")], capsys)
    assert code == 2 and "no values to grade" in err
    code, _, err = _run(["grade", NET, answers, "--rtol", "-1"], capsys)
    assert code == 2 and "--rtol" in err


def test_grade_sample_all(tmp_path, capsys):
    doc = json.loads(NET.read_text())
    doc["data"]["samples"].append({"x": [0.05, 0.10], "y": [0.01]})  # the same sample twice
    net = tmp_path / "net.json"
    net.write_text(json.dumps(doc))
    code, out, _ = _run(["grade", net, _csv(tmp_path, GOOD_CSV), "--all"], capsys)
    assert code == 0, out


def test_grade_never_imports_qt(tmp_path):
    answers = _csv(tmp_path, GOOD_CSV)
    code = f"""
        import sys
        import bpstudio.cli as c
        code = c.main(["grade", {str(NET)!r}, {str(answers)!r}])
        qt = [m for m in sys.modules if m.startswith(("PySide6", "pyqtgraph", "shiboken6"))]
        print(code, qt)
    """
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert proc.stdout.strip().splitlines()[-1] == "0 []", proc.stderr
