"""CSV data files through the command line (issue 9, items 12 and 16): decimal commas, rows
named by the line an editor shows, only regular files under the size cap, relative paths
from the network file's folder. The app's Import CSV uses the same reader
(tests/qt/test_csv_import_window.py)."""

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
from bpstudio.core import csvtable, data, files, limits

NET = {
    "format": "bpstudio-network",
    "version": 1,
    "name": "csv",
    "neurons": [
        {"id": "x1", "role": "input"},
        {"id": "x2", "role": "input"},
        {"id": "o1", "role": "output", "activation": "sigmoid"},
    ],
    "edges": [
        {"id": "w1", "source": "x1", "target": "o1", "weight": 0.1},
        {"id": "w2", "source": "x2", "target": "o1", "weight": 0.2},
    ],
    "training": {"loss": "half_squared_error", "optimizer": "sgd", "learning_rate": 0.1},
    "data": {"csv": "t.csv", "inputs": ["x1", "x2"], "targets": ["y"]},
}


def _net(folder: Path, csv_text: str | None, csv_name: str = "t.csv", **data) -> Path:
    doc = copy.deepcopy(NET)
    doc["data"]["csv"] = csv_name
    doc["data"].update(data)
    if csv_text is not None:
        (folder / csv_name).write_text(csv_text, encoding="utf-8")
    return write_doc(folder / "net.json", doc)


def _run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_decimal_comma_file_with_semicolons(tmp_path, capsys):
    net = _net(tmp_path, "x1;x2;y\n0,5;1,25;1\n-0,75;2;0\n")
    code, out, _ = _run(["trace", net, "--all"], capsys)
    assert code == 0
    neurons = json.loads(out)["neurons"]
    assert neurons["x1"]["a"] == [0.5, -0.75] and neurons["x2"]["a"] == [1.25, 2.0]


def test_one_column_decimal_comma_file(tmp_path):
    (tmp_path / "y.csv").write_text("y\n0,5\n1,5\n", encoding="utf-8")
    table = data.read_csv_file(tmp_path / "y.csv")
    assert data.csv_columns(table, ["y"]).tolist() == [[0.5], [1.5]]


def test_a_comma_separated_file_has_no_decimal_commas(tmp_path, capsys):
    net = _net(tmp_path, 'x1,x2,y\n1,2,0\n"0,5",2,1\n')
    code, _, err = _run(["check", net], capsys)
    assert code == 2 and "t.csv row 3, column 'x1': '0,5' is not a finite number" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x1,x2,y\n1,2,0\n3,4,1\n5,6\n", "t.csv row 4 has 2 fields, the header 3"),
        ("x1,x2,y\n1,2,0\n3,4,1,9\n", "t.csv row 3 has 4 fields, the header 3"),
        # blank lines and a quoted cell over two lines: the line an editor shows
        ('x1,x2,y\n\n1,2,0\n"3\n",4,1\n\n5\n', "t.csv row 7 has 1 field, the header 3"),
        ("x1;x2;y\n0,5;1;0\n0,5;1\n", "t.csv row 3 has 2 fields, the header 3"),
    ],
)
def test_short_and_long_rows_are_named_by_line(text, message, tmp_path, capsys):
    net = _net(tmp_path, text)
    for command in ("check", "trace", "train"):
        code, out, err = _run([command, net], capsys)
        assert code == 2 and out == ""
        assert f"error: {net}: data.csv: {message}" in err.splitlines()


def test_bad_rows_are_listed_up_to_a_limit(tmp_path):
    text = "a,b\n" + "1\n" * 30
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(data.DataError) as info:
        data.read_csv_file(path)
    errors = info.value.errors
    assert len(errors) == csvtable.MAX_ERRORS + 1 and "stopped after" in errors[-1]
    assert errors[0] == "t.csv row 2 has 1 field, the header 2"


def test_bom_crlf_tabs_and_old_mac_line_ends(tmp_path):
    for name, raw in {
        "bom.csv": "\ufeffa\tb\r\n1\t2\r\n\r\n3\t4\r\n".encode(),
        "mac.csv": b"a,b\r1,2\r3,4\r",
    }.items():
        (tmp_path / name).write_bytes(raw)
        table = data.read_csv_file(tmp_path / name)
        assert table.header == ["a", "b"]
        assert data.csv_columns(table, ["a", "b"]).tolist() == [[1, 2], [3, 4]]


def test_duplicate_column_names_are_refused_when_used(tmp_path):
    (tmp_path / "t.csv").write_text("a,a,y\n1,2,3\n", encoding="utf-8")
    table = data.read_csv_file(tmp_path / "t.csv")
    assert data.csv_columns(table, ["y"]).tolist() == [[3.0]]
    with pytest.raises(data.DataError, match="'a' appears 2 times in the header"):
        data.csv_columns(table, ["a"])


def test_not_utf8_names_the_line(tmp_path):
    (tmp_path / "t.csv").write_bytes(b"a,b\n1,2\n3,\xff\n")
    with pytest.raises(data.DataError, match="not UTF-8 text \\(invalid byte on line 3"):
        data.read_csv_file(tmp_path / "t.csv")


def test_dev_zero_is_refused_at_once(tmp_path, capsys):
    net = _net(tmp_path, None, csv_name="/dev/zero")
    code, _, err = _run(["check", net], capsys)
    assert code == 2 and "'/dev/zero' is a device, not a regular file" in err


def test_a_directory_is_refused(tmp_path, capsys):
    (tmp_path / "d.csv").mkdir()
    code, _, err = _run(["check", _net(tmp_path, None, csv_name="d.csv")], capsys)
    assert code == 2 and "d.csv' is a directory" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("which", ["csv", "network"])
def test_a_named_pipe_never_blocks(which, tmp_path):
    """No writer ever opens the pipe: reading it would block forever. The timeout is only a
    hang detector for this test, not a speed requirement."""
    os.mkfifo(tmp_path / "pipe")
    target = _net(tmp_path, None, csv_name="pipe") if which == "csv" else tmp_path / "pipe"
    proc = subprocess.run(
        [sys.executable, "-m", "bpstudio", "check", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "is a named pipe (FIFO), not a regular file" in proc.stderr


def test_a_csv_over_the_size_cap_is_refused_before_reading(tmp_path, capsys):
    big = tmp_path / "t.csv"
    with open(big, "wb") as fh:  # sparse: no disk space used, st_size says it all
        fh.truncate(files.MAX_BYTES + 1)
    code, _, err = _run(["check", _net(tmp_path, None)], capsys)
    assert code == 2
    limit = files.MAX_BYTES // 2**20
    assert (
        f"t.csv' is {files.MAX_BYTES + 1:,} bytes, larger than the {limit} MB limit for data files"
        in err
    )


def test_a_network_file_over_the_size_cap_is_refused(tmp_path, capsys):
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(files.MAX_BYTES + 1)
    code, _, err = _run(["check", big], capsys)
    assert code == 2 and f"larger than the {files.MAX_BYTES // 2**20} MB limit" in err


def test_reading_stops_at_the_cap_when_the_size_is_not_known(monkeypatch, tmp_path):
    """Files like those under /proc report size 0: the read itself stops at the cap."""
    path = tmp_path / "grows.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 1000)
    real_fstat = os.fstat

    class NoSize:
        def __init__(self, st):
            self.st_mode, self.st_size = st.st_mode, 0

    monkeypatch.setattr(os, "fstat", lambda fd: NoSize(real_fstat(fd)))
    with pytest.raises(files.UnreadableFile, match="larger than the 100 bytes limit"):
        files.read_capped(path, max_bytes=100)
    assert files.read_capped(path, max_bytes=10_000).startswith(b"a,b\n")


def test_too_many_rows_are_refused(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(csvtable, "MAX_ROWS", 5)
    net = _net(tmp_path, "x1,x2,y\n" + "1,2,0\n" * 6)
    code, _, err = _run(["check", net], capsys)
    assert code == 2 and "t.csv has more than 5 data rows (the limit for data files)" in err
    (tmp_path / "t.csv").write_text("x1,x2,y\n" + "1,2,0\n" * 5, encoding="utf-8")
    assert _run(["check", net], capsys)[0] == 0
    assert limits.MAX_CSV_ROWS == 1_000_000  # the documented value


def test_relative_csv_path_starts_at_the_network_file_not_the_working_directory(
    tmp_path, monkeypatch, capsys
):
    folder = tmp_path / "lecture"
    folder.mkdir()
    (folder / "data").mkdir()
    net = _net(folder, None, csv_name="data/t.csv")
    (folder / "data" / "t.csv").write_text("x1,x2,y\n1,2,0\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "data").mkdir()
    (elsewhere / "data" / "t.csv").write_text("x1,x2,y\n9,9,9\n", encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    code, out, _ = _run(["trace", net], capsys)
    assert code == 0 and json.loads(out)["neurons"]["x1"]["a"] == 1.0


def test_train_out_into_another_folder_keeps_finding_the_csv(tmp_path, capsys):
    net = _net(tmp_path, "x1,x2,y\n1,2,0\n3,4,1\n")
    (tmp_path / "results" / "run1").mkdir(parents=True)
    out = tmp_path / "results" / "run1" / "trained.json"
    code, _, _ = _run(["train", net, "--epochs", "2", "--quiet", "--out", out], capsys)
    assert code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["data"]["csv"] == "../../t.csv"
    assert _run(["check", out], capsys)[0] == 0
    same = tmp_path / "again.json"  # same folder: the path is left as written
    assert _run(["train", net, "--epochs", "1", "--quiet", "--out", same], capsys)[0] == 0
    assert json.loads(same.read_text(encoding="utf-8"))["data"]["csv"] == "t.csv"


def test_a_subprocess_shows_the_row_message_and_no_traceback(tmp_path):
    net = _net(tmp_path, "x1,x2,y\n1,2,0\n1,2\n")
    proc = subprocess.run(
        [sys.executable, "-m", "bpstudio", "check", str(net)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"error: {net}: data.csv: t.csv row 3 has 2 fields, the header 3\n"
