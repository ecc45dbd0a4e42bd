"""Internal errors (issue 9, item 18): one line that says how to see why; the traceback with
--debug or BPSTUDIO_DEBUG=1, for the commands and for the app's entry point alike."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bpstudio import cli
from bpstudio.paths import example_files

EXAMPLE = str(next(p for p in example_files() if p.name == "handwritten_221.json"))


def _bug(*_args, **_kwargs):
    raise ZeroDivisionError("a bug deep inside")


@pytest.fixture
def broken_check(monkeypatch):
    monkeypatch.setenv("BPSTUDIO_DEBUG", "0")  # restored afterwards, whatever main sets
    monkeypatch.setitem(cli.COMMANDS, "check", _bug)


def test_an_internal_error_is_one_line_that_says_how_to_see_the_traceback(broken_check, capsys):
    assert cli.main(["check", EXAMPLE]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err == (
        "error: internal error (ZeroDivisionError: a bug deep inside); please report it; "
        "to see the traceback, run again with --debug or set BPSTUDIO_DEBUG=1\n"
    )


@pytest.mark.parametrize("argv", [["--debug", "check", EXAMPLE], ["check", EXAMPLE, "--debug"]])
def test_debug_flag_prints_the_traceback(argv, broken_check, capsys):
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "in _bug" in err and "ZeroDivisionError: a bug deep inside" in err
    assert err.splitlines()[-1] == (
        "error: internal error (ZeroDivisionError: a bug deep inside); please report it with "
        "the traceback above"
    )
    assert os.environ["BPSTUDIO_DEBUG"] == "0"  # a command's --debug does not leak


@pytest.mark.parametrize(
    ("value", "shown"), [("1", True), ("yes", True), ("0", False), ("", False)]
)
def test_debug_environment_variable(value, shown, broken_check, monkeypatch, capsys):
    monkeypatch.setenv("BPSTUDIO_DEBUG", value)
    assert cli.main(["check", EXAMPLE]) == 1
    assert ("Traceback" in capsys.readouterr().err) is shown


def test_debug_is_not_a_file_name_for_the_app(monkeypatch, capsys):
    """`bpstudio --debug FILE` opens FILE in the app, with debugging on for the app too."""
    import bpstudio.qt.app as app

    monkeypatch.setenv("BPSTUDIO_DEBUG", "0")  # restored afterwards, whatever main sets
    opened = []
    monkeypatch.setattr(app, "run", lambda path=None: opened.append(path) or 0)
    assert cli.main(["--debug", EXAMPLE]) == 0
    assert opened == [EXAMPLE] and os.environ["BPSTUDIO_DEBUG"] == "1"


def test_an_internal_error_starting_the_app_is_one_line_or_a_traceback(monkeypatch, capsys):
    import bpstudio.qt.app as app

    monkeypatch.setenv("BPSTUDIO_DEBUG", "0")  # restored afterwards, whatever main sets
    monkeypatch.setattr(app, "run", _bug)
    assert cli.main([EXAMPLE]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "run again with --debug" in err
    assert cli.main([EXAMPLE, "--debug"]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_a_bad_file_is_never_an_internal_error_even_with_debug(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert cli.main(["--debug", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith(f"error: {bad}: not valid JSON")


def test_in_a_subprocess(tmp_path):
    """The console entry point, as a user runs it (a bug injected before main runs)."""
    code = (
        "import sys, bpstudio.cli as c\n"
        "def boom(args): raise KeyError('lost')\n"
        "c.COMMANDS['check'] = boom\n"
        "sys.exit(c.main())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "BPSTUDIO_DEBUG"}
    plain = subprocess.run([sys.executable, "-c", code, "check", EXAMPLE], env=env,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    assert "internal error (KeyError: 'lost')" in plain.stderr and "--debug" in plain.stderr
    env["BPSTUDIO_DEBUG"] = "1"
    debug = subprocess.run([sys.executable, "-c", code, "check", EXAMPLE], env=env,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert debug.returncode == 1 and "Traceback (most recent call last)" in debug.stderr
    assert "in boom" in debug.stderr
