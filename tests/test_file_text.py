"""Strings in network files (issue 9, item 15): a lone surrogate ("\\ud800", valid JSON) used to
pass `check` and then crash `trace --format text`, `report` and `train --out`. It is refused
at load, with the key named, in every string the format reads; real non-BMP text works."""

from __future__ import annotations

import copy
import json

import pytest
from helpers import write_doc

from bpstudio import cli
from bpstudio.model import fileformat

BASE = {
    "format": "bpstudio-network",
    "version": 1,
    "name": "text",
    "description": "plain",
    "neurons": [
        {"id": "x1", "role": "input", "label": "x₁"},
        {"id": "h1", "role": "hidden", "activation": "sigmoid", "bias": 0.1},
        {"id": "o1", "role": "output", "activation": "sigmoid"},
    ],
    "edges": [
        {"id": "w1", "source": "x1", "target": "h1", "weight": 0.3},
        {"id": "w2", "source": "h1", "target": "o1", "weight": -0.2},
    ],
    "training": {"loss": "half_squared_error", "optimizer": "sgd", "learning_rate": 0.5},
    "data": {"samples": [{"x": [0.5], "y": [1.0]}]},
}

LONE = "\ud800"


def _set(doc: dict, path: str, value) -> None:
    *head, last = path.split("/")
    obj = doc
    for k in head:
        obj = obj[int(k)] if isinstance(obj, list) else obj[k]
    obj[int(last) if isinstance(obj, list) else last] = value


CASES = [
    ("neurons/0/label", f"x{LONE}", "neurons[0].label"),
    ("neurons/0/id", LONE, "neurons[0].id"),
    ("edges/1/id", f"w{LONE}2", "edges[1].id"),
    ("edges/0/source", LONE, "edges[0].source"),
    ("name", LONE, "name"),
    ("description", f"a long description {'x' * 50}{LONE}", "description"),
    ("neurons/1/activation", f"sigmoid{LONE}", "neurons[1].activation"),
    ("training/loss", LONE, "training.loss"),
    ("neurons/2/note", {"deep": [1, f"{LONE}"]}, "neurons[2].note.deep[1]"),  # unknown key
    ("edges/0/extra", "\udfff", "edges[0].extra"),
    ("lecture", {"slides": ["ok", "\udbff"]}, "lecture.slides[1]"),
]


@pytest.mark.parametrize(("path", "value", "where"), CASES)
@pytest.mark.parametrize("command", ["check", "trace", "report", "train"])
def test_a_lone_surrogate_is_refused_at_load(path, value, where, command, tmp_path, capsys):
    doc = copy.deepcopy(BASE)
    _set(doc, path, value)
    file = write_doc(tmp_path / "bad.json", doc)  # json.dumps writes it as a \\udXXX escape
    argv = [command, str(file)]
    if command == "train":
        argv += ["--out", str(tmp_path / "out.json"), "--quiet"]
    if command == "trace":
        argv += ["--format", "text"]
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"error: {file}: {where}: " in err and "lone surrogate" in err
    assert not (tmp_path / "out.json").exists()
    err.encode("utf-8")  # the message itself is printable text


def test_a_lone_surrogate_in_a_key_is_refused(tmp_path, capsys):
    doc = copy.deepcopy(BASE)
    doc["neurons"][0][f"k{LONE}"] = 1
    doc[f"top{LONE}"] = {"inner": 2}
    code = cli.main(["check", str(write_doc(tmp_path / "bad.json", doc))])
    err = capsys.readouterr().err
    assert code == 2
    assert "neurons[0]: the key 'k\\ud800' holds a lone surrogate" in err
    assert "the top level: the key 'top\\ud800' holds a lone surrogate" in err


def test_a_raw_surrogate_in_text_not_from_a_file_is_refused():
    text = json.dumps(BASE, ensure_ascii=False).replace('"x₁"', f'"x{LONE}"')
    with pytest.raises(fileformat.NetworkFileError, match="neurons\\[0\\].label"):
        fileformat.loads(text)


def test_surrogate_pairs_and_other_unicode_work_everywhere(tmp_path, capsys):
    doc = copy.deepcopy(BASE)
    doc["name"] = "emoji \ud83d\ude00 net"
    doc["neurons"][1]["label"] = "h\U0001d7cf 😀"
    doc["neurons"][1]["id"] = "h😀"
    for e in doc["edges"]:
        e["source" if e["source"] == "h1" else "target"] = "h😀"
    doc["lecture"] = {"note": "\u2028 line separator, \x00 nul, \ufeff bom"}
    file = tmp_path / "ok.json"
    file.write_text(json.dumps(doc), encoding="utf-8")  # ASCII escapes, pairs included
    for argv in (
        ["check", file],
        ["trace", file, "--format", "text"],
        ["trace", file],
        ["report", file],
        ["report", file, "--format", "tex"],
        ["train", file, "--epochs", "2", "--quiet", "--out", tmp_path / "out.json"],
    ):
        assert cli.main([str(a) for a in argv]) == 0, argv
        capsys.readouterr()
    saved = fileformat.load(tmp_path / "out.json")
    assert saved.name == "emoji 😀 net" and "h😀" in saved.neurons
    assert saved.extra["lecture"]["note"].startswith("\u2028")
