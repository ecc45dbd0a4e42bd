"""Bad input: every broken file or argument gives exit 2 and readable `error:` lines that name
the key or id, never a traceback, never a hang. Most cases run in-process through
bpstudio.cli.main (fast); a sample runs as subprocesses to prove no traceback leaks.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import write_doc

from bpstudio import cli
from bpstudio.model import fileformat

BASE = {
    "format": "bpstudio-network",
    "version": 1,
    "name": "base",
    "neurons": [
        {"id": "x1", "role": "input"},
        {"id": "x2", "role": "input"},
        {"id": "b0", "role": "bias"},
        {"id": "h1", "role": "hidden", "activation": "sigmoid", "bias": 0.1},
        {"id": "h2", "role": "hidden", "activation": "tanh"},
        {"id": "o1", "role": "output", "activation": "sigmoid"},
    ],
    "edges": [
        {"id": "w1", "source": "x1", "target": "h1", "weight": 0.1},
        {"id": "w2", "source": "x2", "target": "h2", "weight": 0.2},
        {"id": "w3", "source": "h1", "target": "h2", "weight": 0.3},
        {"id": "w4", "source": "h2", "target": "o1", "weight": 0.4},
        {"id": "w5", "source": "b0", "target": "o1", "weight": 0.5},
    ],
    "training": {"loss": "half_squared_error", "optimizer": "sgd", "learning_rate": 0.1},
    "data": {"samples": [{"x": [0.1, 0.2], "y": [1.0]}, {"x": [0.3, 0.4], "y": [0.0]}]},
}


def test_base_document_is_valid(tmp_path, capsys):
    path = write_doc(tmp_path / "ok.json", BASE)
    assert cli.main(["check", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok: 6 neurons, 5 edges, 3 layers")


def _mutate(fn):
    def make():
        doc = copy.deepcopy(BASE)
        fn(doc)
        return json.dumps(doc, indent=1)

    return make


def _set(path: str, value):
    """A mutation that sets doc[a][b]... (keys or list indices separated by '/')."""

    def fn(doc):
        *head, last = path.split("/")
        obj = doc
        for k in head:
            obj = obj[int(k)] if isinstance(obj, list) else obj[k]
        if isinstance(obj, list):
            obj[int(last)] = value
        else:
            obj[last] = value

    return _mutate(fn)


def _add_edge(**edge):
    return _mutate(lambda d: d["edges"].append(edge))


def _text(t):
    return lambda: t


def _replace(old, new):
    def make():
        text = json.dumps(BASE, indent=1)
        assert old in text
        return text.replace(old, new, 1)

    return make


def _edit(fn):
    return _mutate(fn)


GOOD_TEXT = json.dumps(BASE, indent=1)

# (case id, file text maker (str or bytes), substrings every one of which must be in stderr)
CASES = [
    ("not-json", _text("this is not json"), ["not valid JSON"]),
    ("truncated", _text(GOOD_TEXT[: len(GOOD_TEXT) // 2]), ["truncated"]),
    ("truncated-after-comma", _text(GOOD_TEXT[: GOOD_TEXT.index("edges") - 2]), ["truncated"]),
    ("trailing-garbage", _text(GOOD_TEXT + "}"), ["not valid JSON", "line"]),
    ("syntax-error", _replace('"name": "base"', '"name" "base"'), ["not valid JSON", "line 4"]),
    ("empty", _text(""), ["empty"]),
    ("whitespace-only", _text("  \n\t\n"), ["empty"]),
    ("invalid-utf8", lambda: b'{"format": "bpstudio-network", "name": "\xff\xfe"}', ["UTF-8"]),
    ("top-level-list", _text("[1, 2, 3]"), ["top level", "object"]),
    ("wrong-format", _set("format", "other"), ["format"]),
    ("version-string", _set("version", "1"), ["version"]),
    ("higher-version", _set("version", 2), ["version 2", "update"]),
    ("neurons-not-list", _set("neurons", {"x1": "input"}), ["neurons must be a list"]),
    ("neuron-not-object", _set("neurons/1", "x2"), ["neurons[1]"]),
    ("neuron-bad-role", _set("neurons/3/role", "middle"), ["neurons[3]", "'h1'", "role"]),
    ("neuron-missing-id", _set("neurons/3/id", ""), ["neurons[3].id"]),
    ("bias-string", _set("neurons/3/bias", "0.1"), ["'h1'", "bias"]),
    ("bias-null", _set("neurons/3/bias", None), ["'h1'", "bias", "null"]),
    ("position-string", _set("neurons/3/x", "left"), ["'h1'", ".x"]),
    ("label-number", _set("neurons/3/label", 3), ["'h1'", "label"]),
    ("trainable-string", _set("neurons/3/trainable", "no"), ["'h1'", "trainable"]),
    ("weight-string", _set("edges/2/weight", "0.3"), ["edges[2]", "'w3'", "weight"]),
    ("weight-null", _set("edges/2/weight", None), ["'w3'", "weight", "null"]),
    ("weight-bool", _set("edges/2/weight", True), ["'w3'", "weight"]),
    ("edge-source-number", _set("edges/0/source", 1), ["'w1'", "source"]),
    ("edges-not-list", _set("edges", "w1"), ["edges must be a list"]),
    ("nan-literal", _replace('"weight": 0.3', '"weight": NaN'), ["edges[2].weight", "NaN"]),
    ("infinity", _replace('"weight": 0.3', '"weight": Infinity'), ["edges[2].weight"]),
    ("-infinity", _replace('"bias": 0.1', '"bias": -Infinity'), ["neurons[3].bias"]),
    ("1e400", _replace('"weight": 0.3', '"weight": 1e400'), ["edges[2].weight", "1e400"]),
    ("huge-int", _replace('"weight": 0.3', '"weight": 1' + "0" * 400), ["edges[2].weight"]),
    (
        "lr-1e400",
        _replace('"learning_rate": 0.1', '"learning_rate": 1e400'),
        ["training.learning_rate"],
    ),
    ("sample-nan", _replace('"x": [\n     0.1', '"x": [\n     NaN'), ["data.samples[0].x[0]"]),
    ("duplicate-json-key", _replace('"name": "base"', '"name": "a", "name": "b"'), ["'name'"]),
    ("unknown-target", _set("edges/1/target", "h9"), ["'w2'", "'h9'", "not a neuron id"]),
    ("unknown-source", _set("edges/1/source", "zz"), ["'w2'", "'zz'"]),
    (
        "duplicate-neuron-id",
        _edit(lambda d: d["neurons"].append({"id": "h1", "role": "hidden", "activation": "tanh"})),
        ["duplicate", "'h1'"],
    ),
    ("duplicate-edge-id", _add_edge(id="w1", source="x2", target="h1"), ["duplicate", "'w1'"]),
    ("edge-id-is-neuron-id", _add_edge(id="h2", source="x2", target="h1"), ["duplicate", "'h2'"]),
    (
        "duplicate-pair",
        _add_edge(id="w9", source="x1", target="h1", weight=1.0),
        ["'w9'", "'x1'", "'h1'", "duplicate"],
    ),
    ("self-loop", _add_edge(id="w9", source="h1", target="h1"), ["'w9'", "self-loop", "'h1'"]),
    ("into-input", _add_edge(id="w9", source="h1", target="x2"), ["'w9'", "input", "'x2'"]),
    ("into-bias", _add_edge(id="w9", source="x1", target="b0"), ["'w9'", "bias", "'b0'"]),
    ("out-of-output", _add_edge(id="w9", source="o1", target="h1"), ["'w9'", "output", "'o1'"]),
    (
        "cycle",
        _edit(
            lambda d: (
                d["edges"].extend(
                    [
                        {"id": "c1", "source": "h2", "target": "h3"},
                        {"id": "c2", "source": "h3", "target": "h1"},
                    ]
                )
                or d["neurons"].append({"id": "h3", "role": "hidden", "activation": "relu"})
            )
        ),
        ["cycle", "h1", "h2", "h3"],
    ),
    ("softmax-hidden", _set("neurons/3/activation", "softmax"), ["'h1'", "softmax"]),
    ("activation-on-input", _set("neurons/0/activation", "relu"), ["'x1'", "activation"]),
    ("bias-on-bias-unit", _set("neurons/2/bias", 1.0), ["'b0'", "bias"]),
    ("missing-activation", _edit(lambda d: d["neurons"][4].pop("activation")), ["'h2'"]),
    ("unknown-activation", _set("neurons/4/activation", "swish"), ["'h2'", "'swish'"]),
    ("unknown-loss", _set("training/loss", "hinge"), ["training.loss", "'hinge'"]),
    ("unknown-optimizer", _set("training/optimizer", "lbfgs"), ["training.optimizer", "'lbfgs'"]),
    ("unknown-init", _set("training/init", "orthogonal"), ["training.init", "'orthogonal'"]),
    ("learning-rate-0", _set("training/learning_rate", 0), ["training.learning_rate"]),
    ("learning-rate-negative", _set("training/learning_rate", -0.1), ["training.learning_rate"]),
    ("learning-rate-string", _set("training/learning_rate", "fast"), ["training.learning_rate"]),
    ("momentum-1", _set("training/momentum", 1), ["training.momentum"]),
    ("momentum-negative", _set("training/momentum", -0.1), ["training.momentum"]),
    ("beta1-1", _set("training/beta1", 1.0), ["training.beta1"]),
    ("beta2-1.5", _set("training/beta2", 1.5), ["training.beta2"]),
    ("eps-0", _set("training/eps", 0), ["training.eps"]),
    ("batch-size-0", _set("training/batch_size", 0), ["training.batch_size"]),
    ("batch-size-float", _set("training/batch_size", 2.5), ["training.batch_size"]),
    ("epochs-negative", _set("training/epochs", -1), ["training.epochs"]),
    ("seed-negative", _set("training/seed", -3), ["training.seed"]),
    ("shuffle-string", _set("training/shuffle", "yes"), ["training.shuffle"]),
    ("validation-split-0.95", _set("training/validation_split", 0.95), ["validation_split"]),
    ("training-not-object", _set("training", []), ["training must be an object"]),
    ("data-not-object", _set("data", []), ["data must be an object"]),
    ("sample-x-too-long", _set("data/samples/0/x", [1, 2, 3]), ["data.samples[0].x", "3", "2"]),
    ("sample-y-too-short", _set("data/samples/1/y", []), ["data.samples[1].y"]),
    ("sample-x-string", _set("data/samples/0/x", "1,2"), ["data.samples[0].x"]),
    ("sample-not-object", _set("data/samples/1", [1, 2]), ["data.samples[1]"]),
    (
        "two-data-sources",
        _set("data/generator", {"name": "xor", "n": 10}),
        ["data", "exactly one", "samples", "generator"],
    ),
    (
        "samples-and-csv",
        _edit(lambda d: d["data"].update(csv="t.csv", inputs=["a", "b"], targets=["y"])),
        ["data", "samples", "csv"],
    ),
    (
        "unknown-generator",
        _set("data", {"generator": {"name": "mandelbrot", "n": 10}}),
        ["data.generator.name", "'mandelbrot'"],
    ),
    (
        "generator-n-0",
        _set("data", {"generator": {"name": "xor", "n": 0}}),
        ["data.generator.n"],
    ),
    (
        "generator-wrong-width",
        _edit(
            lambda d: d.update(
                neurons=d["neurons"][:1] + d["neurons"][2:],
                edges=[e for e in d["edges"] if e["source"] != "x2"],
                data={"generator": {"name": "moons", "n": 10}},
            )
        ),
        ["data.generator", "'moons'", "inputs"],
    ),
    (
        "missing-csv",
        _set("data", {"csv": "no_such_file.csv", "inputs": ["a", "b"], "targets": ["y"]}),
        ["data.csv", "no_such_file.csv", "not found"],
    ),
    (
        "csv-columns-count",
        _set("data", {"csv": "t.csv", "inputs": ["a"], "targets": ["y"]}),
        ["data.inputs"],
    ),
    ("deeply-nested", _text("[" * 100000 + "]" * 100000), ["nested too deeply"]),
    ("deeply-nested-objects", _text('{"a":' * 50000 + "1" + "}" * 50000), ["nested"]),
    (
        "no-outputs",
        _edit(
            lambda d: d.update(
                neurons=d["neurons"][:5],
                edges=[e for e in d["edges"] if e["target"] != "o1"],
                data={"samples": []},
            )
        ),
        ["no output"],
    ),
    (
        "no-outputs-with-a-sample",
        _edit(
            lambda d: d.update(
                neurons=d["neurons"][:5],
                edges=[e for e in d["edges"] if e["target"] != "o1"],
                data={"samples": [{"x": [1, 2], "y": []}]},
            )
        ),
        ["no output"],
    ),
    (
        "no-inputs",
        _edit(
            lambda d: d.update(
                neurons=d["neurons"][2:],
                edges=[e for e in d["edges"] if e["source"] not in ("x1", "x2")],
                data={"samples": [{"x": [], "y": [1]}]},
            )
        ),
        ["no input"],
    ),
]


def _write_case(tmp_path: Path, maker) -> Path:
    content = maker()
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _assert_bad(code, out, err, needles, file_name: str | None = "bad.json"):
    assert code == 2, (code, err)
    assert "Traceback" not in err and "Traceback" not in out
    lines = [l for l in err.splitlines() if l.strip()]
    assert lines, "no error message"
    if lines[0].startswith("usage:"):  # argparse's usage block may precede the error lines
        lines = lines[next(i for i, l in enumerate(lines) if l.startswith("error:")) :]
    for line in lines:
        assert line.startswith("error:"), line
    errors = "\n".join(l for l in lines if l.startswith("error:"))
    if file_name:
        assert file_name in errors
    for needle in needles:
        assert needle in errors, (needle, errors)


@pytest.mark.parametrize("command", ["check", "trace", "train"])
@pytest.mark.parametrize(("maker", "needles"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_file_in_process(command, maker, needles, tmp_path, capsys):
    path = _write_case(tmp_path, maker)
    argv = [command, str(path)]
    if command == "train":
        argv += ["--out", str(tmp_path / "out.json"), "--quiet"]
    code = cli.main(argv)
    out, err = capsys.readouterr()
    _assert_bad(code, out, err, needles)
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize(
    "case",
    ["not-json", "invalid-utf8", "nan-literal", "cycle", "deeply-nested", "higher-version"],
)
def test_bad_file_subprocess(case, tmp_path):
    maker, needles = {c[0]: c[1:] for c in CASES}[case]
    path = _write_case(tmp_path, maker)
    proc = subprocess.run(
        [sys.executable, "-m", "bpstudio", "trace", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    _assert_bad(proc.returncode, proc.stdout, proc.stderr, needles)


def test_loader_raises_only_network_file_error(tmp_path):
    for case_id, maker, _needles in CASES:
        path = _write_case(tmp_path, maker)
        try:
            graph = fileformat.load(path)
        except fileformat.NetworkFileError as exc:
            assert exc.errors and all(isinstance(e, str) for e in exc.errors), case_id
            continue
        # what the loader accepts, compiling refuses (e.g. no outputs)
        assert case_id.startswith("no-"), f"{case_id}: loaded without error"
        assert graph is not None


# --------------------------------------------------------------------------- paths
def test_directory(tmp_path, capsys):
    code = cli.main(["check", str(tmp_path)])
    out, err = capsys.readouterr()
    _assert_bad(code, out, err, ["directory"], file_name=tmp_path.name)


def test_missing_path(tmp_path, capsys):
    missing = tmp_path / "nope.json"
    code = cli.main(["trace", str(missing)])
    out, err = capsys.readouterr()
    _assert_bad(code, out, err, ["no such file"], file_name="nope.json")


def test_missing_path_and_directory_subprocess(tmp_path):
    for arg, needle in [(tmp_path / "nope.json", "no such file"), (tmp_path, "directory")]:
        proc = subprocess.run(
            [sys.executable, "-m", "bpstudio", "check", str(arg)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        _assert_bad(proc.returncode, proc.stdout, proc.stderr, [needle], file_name=None)


# --------------------------------------------------------------------------- arguments
@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["trace", "{f}", "--sample", "5"], ["--sample 5", "2 samples"]),
        (["trace", "{f}", "--sample", "-1"], ["--sample -1"]),
        (["trace", "{f}", "--sample", "x"], ["--sample"]),
        (["trace", "{f}", "--format", "xml"], ["--format"]),
        (["trace", "{f}", "--all", "--sample", "0"], ["--all"]),
        (["train", "{f}", "--epochs", "-1"], ["--epochs"]),
        (["train", "{f}", "--epochs", "many"], ["--epochs"]),
        (["check"], ["file"]),
        (["check", "{f}", "extra"], ["extra"]),
        (["frobnicate", "{f}"], ["frobnicate"]),
    ],
)
def test_bad_arguments(argv, needles, tmp_path, capsys):
    path = write_doc(tmp_path / "ok.json", BASE)
    code = cli.main([a.replace("{f}", str(path)) for a in argv])
    out, err = capsys.readouterr()
    _assert_bad(code, out, err, needles, file_name=None)


def test_no_samples_to_trace_or_train(tmp_path, capsys):
    doc = copy.deepcopy(BASE)
    doc["data"] = {"samples": []}
    path = write_doc(tmp_path / "bad.json", doc)
    assert cli.main(["check", str(path)]) == 0
    capsys.readouterr()
    for argv in (["trace", str(path)], ["train", str(path), "--quiet"]):
        code = cli.main(argv)
        out, err = capsys.readouterr()
        _assert_bad(code, out, err, ["samples"])


# --------------------------------------------------------------------------- saving
def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    graph = fileformat.loads(json.dumps(BASE))
    target = tmp_path / "net.json"
    target.write_bytes(b"the old contents\n")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        fileformat.save(graph, target)
    assert target.read_bytes() == b"the old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    graph = fileformat.loads(json.dumps(BASE))
    target = tmp_path / "net.json"
    target.write_bytes(b"the old contents\n")
    real_fsync = os.fsync

    def fail(fd):
        real_fsync(fd)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError):
        fileformat.save(graph, target)
    assert target.read_bytes() == b"the old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


def test_save_of_a_nan_weight_is_refused_before_touching_the_disk(tmp_path):
    graph = fileformat.loads(json.dumps(BASE))
    target = tmp_path / "net.json"
    target.write_bytes(b"the old contents\n")
    graph.edges["w1"].weight = float("nan")
    with pytest.raises(ValueError):
        fileformat.save(graph, target)
    assert target.read_bytes() == b"the old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


def test_train_out_failure_is_exit_1_and_keeps_the_old_file(tmp_path, monkeypatch, capsys):
    src = write_doc(tmp_path / "ok.json", {**BASE, "training": {**BASE["training"], "epochs": 2}})
    out = tmp_path / "out.json"
    out.write_bytes(b"old\n")

    def fail(src, dst):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", fail)
    code = cli.main(["train", str(src), "--out", str(out), "--quiet"])
    _, err = capsys.readouterr()
    assert code == 1 and err.startswith("error:") and "out.json" in err
    assert "Traceback" not in err
    assert out.read_bytes() == b"old\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_non_numeric_cell_through_the_cli(delimiter, tmp_path, capsys):
    rows = [["a", "b", "y"], ["1", "2", "0"], ["3", "4", "1"], ["5", "six", "0"]]
    (tmp_path / "t.csv").write_text("\n".join(delimiter.join(r) for r in rows) + "\n")
    doc = copy.deepcopy(BASE)
    doc["data"] = {"csv": "t.csv", "inputs": ["a", "b"], "targets": ["y"]}
    path = write_doc(tmp_path / "bad.json", doc)
    code = cli.main(["check", str(path)])
    out, err = capsys.readouterr()
    _assert_bad(code, out, err, ["data.csv", "row 4", "'b'", "'six'"])
    rows[3][1] = "6"
    (tmp_path / "t.csv").write_text("\n".join(delimiter.join(r) for r in rows) + "\n")
    assert cli.main(["trace", str(path), "--all"]) == 0
    assert json.loads(capsys.readouterr().out)["neurons"]["x2"]["a"] == [2.0, 4.0, 6.0]
