"""`bpstudio animate`: the stepped pass as a GIF, an animated PNG or a folder of frames."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bpstudio.cli import main
from bpstudio.model import explain as ex
from bpstudio.model import fileformat
from bpstudio.paths import example_files
from bpstudio.qt.pass_frames import PAUSE_S, PassFilm

PIL = pytest.importorskip("PIL.Image")

H221 = next(p for p in example_files() if p.stem == "handwritten_221")


def gif_frames(path: Path) -> list[int]:
    """The duration (ms) of each stored frame (Pillow merges identical neighbours)."""
    from PIL import Image

    im = Image.open(path)
    out = []
    for i in range(im.n_frames):
        im.seek(i)
        out.append(im.info["duration"])
    return out


def test_the_film_walks_the_pass_in_order_with_a_pause_on_each_step(qapp):
    film = PassFilm(fileformat.load(H221))
    held = [f.step for f in film.frames() if f.hold > 1]
    # the architecture, 2 forward layers, the loss, 2 backward layers, the update
    assert held == ["architecture", "forward", "forward", "loss", "backward", "backward", "update"]
    images = [f.image for f in film.frames() if f.hold > 1]
    assert all(a != b for a, b in zip(images, images[1:], strict=False))  # each step differs


def test_the_last_forward_frame_shows_the_numbers_of_trace(qapp, capsys):
    assert main(["trace", str(H221)]) == 0
    trace = json.loads(capsys.readouterr().out)
    film = PassFilm(fileformat.load(H221))
    frames = [f for f in film.frames(("forward", "loss")) if f.hold > 1]
    last_forward = [f for f in frames if f.step == "forward"][-1]
    for nid in ("h1", "h2", "o1"):
        text = last_forward.texts[f"neuron {nid} forward"]
        assert f"z = {ex.fmt(trace['neurons'][nid]['z'], 4)}" in text, (nid, text)
        assert f"a = {ex.fmt(trace['neurons'][nid]['a'], 4)}" in text, (nid, text)
    assert "loss" not in last_forward.texts  # not revealed before its step
    loss = [f for f in frames if f.step == "loss"][0]
    assert loss.texts["loss"] == f"L = {ex.fmt(trace['loss'], 4)}"


def test_gif_apng_and_frames_from_the_command_line(tmp_path):
    gif, apng, folder = tmp_path / "pass.gif", tmp_path / "pass.png", tmp_path / "frames"
    assert main(["animate", str(H221), "-o", str(gif), "--fps", "10"]) == 0
    durations = gif_frames(gif)
    pause_ms = round(PAUSE_S * 1000)
    assert sum(d >= pause_ms for d in durations) == 7  # one held frame per step
    assert main(["animate", str(H221), "-o", str(apng), "--steps", "forward,loss"]) == 0
    from PIL import Image

    im = Image.open(apng)
    assert im.format == "PNG" and getattr(im, "is_animated", False) and im.n_frames > 3
    assert main(["animate", str(H221), "-o", f"{folder}/", "--size", "640x360", "--fps", "5"]) == 0
    names = sorted(p.name for p in folder.iterdir())
    assert names[0] == "frame_0001.png" and len(names) > 7
    assert Image.open(folder / names[0]).size == (640, 360)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no leftovers


def test_same_file_and_options_give_the_same_bytes(tmp_path):
    outs = []
    for k in range(2):  # two processes: nothing carried over in memory
        out = tmp_path / f"run{k}.gif"
        done = subprocess.run([sys.executable, "-m", "bpstudio", "animate", str(H221), "-o", str(out),
                               "--steps", "forward", "--size", "640x360"],
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--steps", "forward,sideways"], "unknown step sideways"),
        (["--size", "100x100"], "between 320x200 and 3840x2160"),
        (["--size", "big"], "WIDTHxHEIGHT"),
        (["--fps", "0"], "--fps 0"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "pass.gif"
    assert main(["animate", str(H221), "-o", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_output_exits_2_and_leaves_nothing(tmp_path, capsys):
    assert main(["animate", str(H221), "-o", str(tmp_path / "missing" / "pass.gif")]) == 2
    assert "cannot write" in capsys.readouterr().err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.png").write_bytes(b"")
    assert main(["animate", str(H221), "-o", f"{tmp_path / 'full'}/"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]
