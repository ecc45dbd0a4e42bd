"""Every file bpstudio writes: atomic, the mode a plain write would give, symlinks kept.

Also the data-fit rule at the file level: data whose width does not fit opens in the app
(``allow_misfit``) but the command line refuses it with the messages it always gave.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from bpstudio import cli
from bpstudio.model import datafit, fileformat, templates


@pytest.fixture
def umask():
    """Set the process umask for one test (restored after)."""
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_users_umask(tmp_path, umask, mask, expected):
    umask(mask)
    target = tmp_path / "net.json"
    fileformat.save(templates.lecture_221(), target)
    assert mode(target) == expected
    assert fileformat.load(target).name == templates.lecture_221().name


@pytest.mark.parametrize("existing", [0o644, 0o640, 0o600, 0o664, 0o755])
def test_saving_over_a_file_keeps_its_mode(tmp_path, umask, existing):
    umask(0o077)  # a strict umask must not narrow a file that already exists
    target = tmp_path / "net.json"
    target.write_text("old\n")
    os.chmod(target, existing)
    fileformat.save(templates.lecture_221(), target)
    assert mode(target) == existing
    assert fileformat.load(target).name == templates.lecture_221().name


def test_saving_through_a_symlink_replaces_the_file_it_points_to(tmp_path, umask):
    umask(0o022)
    real = tmp_path / "store" / "net.json"
    real.parent.mkdir()
    real.write_text("old\n")
    os.chmod(real, 0o640)
    link = tmp_path / "net.json"
    link.symlink_to(real)
    fileformat.save(templates.lecture_221(), link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert mode(real) == 0o640 and fileformat.load(real).name == templates.lecture_221().name
    assert sorted(p.name for p in real.parent.iterdir()) == ["net.json"]


# --------------------------------------------------------------------------- the CLI's writers
def _net(tmp_path: Path) -> Path:
    g = templates.xor_241()
    g.training["epochs"] = 3
    path = tmp_path / "xor.json"
    fileformat.save(g, path)
    return path


OUTPUTS = {
    "train --out": lambda src, out: ["train", src, "--out", out, "--quiet"],
    "train --history": lambda src, out: ["train", src, "--history", out, "--quiet"],
    "report -o": lambda src, out: ["report", src, "-o", out],
    "export -o": lambda src, out: ["export", src, "--to", "torch", "-o", out],
    "render -o": lambda src, out: ["render", src, "-o", out],
}
SUFFIX = {"train --out": ".json", "train --history": ".csv", "report -o": ".md",
          "export -o": ".py", "render -o": ".png"}  # fmt: skip


@pytest.mark.parametrize("how", list(OUTPUTS))
def test_every_cli_output_is_written_atomically_with_the_right_mode(
    how, tmp_path, umask, monkeypatch, capsys
):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    src = str(_net(tmp_path))
    umask(0o027)
    new = tmp_path / f"new{SUFFIX[how]}"
    assert cli.main(OUTPUTS[how](src, str(new))) == 0, capsys.readouterr().err
    assert mode(new) == 0o640 and new.stat().st_size > 0
    old = tmp_path / f"old{SUFFIX[how]}"
    old.write_bytes(b"previous\n")
    os.chmod(old, 0o664)
    assert cli.main(OUTPUTS[how](src, str(old))) == 0
    assert mode(old) == 0o664 and old.read_bytes() != b"previous\n"

    def fail(a, b):
        raise OSError(28, "No space left on device")

    old.write_bytes(b"previous\n")
    monkeypatch.setattr(os, "replace", fail)
    code = cli.main(OUTPUTS[how](src, str(old)))
    err = capsys.readouterr().err
    assert code == 1 and "No space left on device" in err and "Traceback" not in err
    assert old.read_bytes() == b"previous\n"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# --------------------------------------------------------------------------- data that does not fit
def _three_inputs_two_columns() -> dict:
    g = templates.lecture_221()
    doc = fileformat.to_document(g)
    doc["neurons"].insert(2, {"id": "x3", "role": "input", "x": 0, "y": 170})
    return doc


def test_misfit_data_opens_in_the_app_and_the_cli_refuses_it(tmp_path, capsys):
    path = tmp_path / "three.json"
    path.write_text(json.dumps(_three_inputs_two_columns()), encoding="utf-8")
    g = fileformat.load(path, allow_misfit=True)
    assert len(g.inputs()) == 3 and g.data["samples"][0]["x"] == [0.05, 0.1]
    with pytest.raises(fileformat.NetworkFileError) as exc:
        fileformat.load(path)
    assert exc.value.errors == ["data.samples[0].x has 2 values but the network has 3 inputs"]
    for argv in (["check", str(path)], ["trace", str(path)], ["train", str(path), "--quiet"]):
        assert cli.main(argv) == 2
        out, err = capsys.readouterr()
        assert out == "" and err == (
            f"error: {path}: data.samples[0].x has 2 values but the network has 3 inputs\n"
        )


@pytest.mark.parametrize(
    "data",
    [
        {"samples": [{"x": [1, 2], "y": [0]}, {"x": [1, 2, 3], "y": [0]}]},  # ragged rows
        {"samples": [{"x": [1, "a"], "y": [0]}]},  # not a number
        {"generator": {"name": "nope"}},
        {"generator": {"name": "xor", "n": 0}},
        {"csv": "missing.csv", "inputs": ["a", "b"], "targets": ["y"]},
    ],
)
def test_broken_data_is_refused_even_by_the_app(tmp_path, data):
    doc = _three_inputs_two_columns()
    doc["data"] = data
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(fileformat.NetworkFileError) as strict:
        fileformat.load(path)
    with pytest.raises(fileformat.NetworkFileError) as lenient:
        fileformat.load(path, allow_misfit=True)
    assert lenient.value.errors == strict.value.errors


def test_fixes_for_samples():
    spec = {"samples": [{"x": [1.0, 2.0], "y": [0.5]}, {"x": [3.0, 4.0], "y": [1.0]}]}
    m = datafit.misfit(spec, 3, 2)
    assert m.widths == (2, 1) and m.problems == [
        "The data has 2 input columns but the network has 3 inputs.",
        "The data has 1 target column but the network has 2 outputs.",
    ]
    add_x, add_y = m.fixes
    assert add_x.data()["samples"][1] == {"x": [3.0, 4.0, 0.0], "y": [1.0]}
    assert add_y.data()["samples"][0] == {"x": [1.0, 2.0], "y": [0.5, 0.0]}
    assert spec["samples"][0] == {"x": [1.0, 2.0], "y": [0.5]}  # the fix is a new dict
    drop = datafit.misfit(spec, 1, 1).fixes[0]
    assert [label for label, _ in drop.options] == ["column 2", "column 1"]
    assert drop.data(1)["samples"] == [{"x": [2.0], "y": [0.5]}, {"x": [4.0], "y": [1.0]}]
    assert datafit.misfit(spec, 2, 1) is None and datafit.misfit({"samples": []}, 5, 5) is None
    assert "the data has 2 input columns but the network has 3 inputs" in m.message()


@pytest.mark.parametrize(
    ("gen", "n_in", "n_out", "expected"),
    [
        ({"name": "xor", "classes": 2}, 2, 3, {"name": "gaussians", "classes": 3}),
        ({"name": "spirals", "classes": 2}, 2, 3, {"name": "spirals", "classes": 3}),
        ({"name": "gaussians", "classes": 3}, 2, 1, {"name": "gaussians", "classes": 2}),
        ({"name": "circles", "classes": 2}, 3, 1, {"name": "linear"}),
        ({"name": "sine"}, 3, 1, {"name": "linear"}),
        ({"name": "sine"}, 2, 4, {"name": "gaussians", "classes": 4}),
        ({"name": "linear"}, 2, 2, {"name": "gaussians", "classes": 2}),
        ({"name": "xor", "classes": 2}, 3, 2, None),
    ],
)
def test_regenerated_generators_fit(gen, n_in, n_out, expected):
    from bpstudio.core.data import dataset_from_spec

    spec = {"generator": {**gen, "n": 40, "noise": 0.1, "seed": 7}}
    m = datafit.misfit(spec, n_in, n_out)
    assert m is not None
    texts = [f.text for f in m.fixes]
    assert texts[-1].startswith("Edit as a table")
    if expected is None:
        assert len(m.fixes) == 1
        return
    new = m.fixes[0].data()
    assert {k: v for k, v in new["generator"].items() if k in ("name", "classes")} == expected
    assert new["generator"]["seed"] == 7 and new["generator"]["n"] == 40
    ds = dataset_from_spec(new, n_in, n_out)  # it fits: no DataError
    assert ds.X.shape == (40, n_in) and ds.Y.shape == (40, n_out)
    assert datafit.misfit(new, n_in, n_out) is None


def test_csv_misfit_drops_a_named_column(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,c,y\n0,1,2,1\n3,4,5,0\n", encoding="utf-8")
    spec = {"csv": "t.csv", "inputs": ["a", "b", "c"], "targets": ["y"]}
    m = datafit.misfit(spec, 2, 1, tmp_path)
    assert m.problems == ["The data uses 3 input columns of t.csv but the network has 2 inputs."]
    drop, table = m.fixes
    assert [label for label, _ in drop.options] == ["c", "b", "a"]
    assert drop.data(1)["inputs"] == ["a", "c"]
    assert table.data() == {"samples": [{"x": [0.0, 1.0, 2.0], "y": [1.0]},
                                        {"x": [3.0, 4.0, 5.0], "y": [0.0]}]}  # fmt: skip
