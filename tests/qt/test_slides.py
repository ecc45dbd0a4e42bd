"""`bpstudio slides`: one slide per step, the canvas beside the step's numbers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from bpstudio.cli import main
from bpstudio.model import explain as ex
from bpstudio.paths import example_files

H221 = next(p for p in example_files() if p.stem == "handwritten_221")
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext is not installed (apt install poppler-utils)",
)


def page_texts(pdf) -> list[str]:
    n = int(
        next(
            line.split()[-1]
            for line in subprocess.run(
                ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
            ).stdout.splitlines()  # fmt: skip
            if line.startswith("Pages:")
        )
    )
    return [
        subprocess.run(
            ["pdftotext", "-f", str(k), "-l", str(k), "-layout", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout  # fmt: skip
        for k in range(1, n + 1)
    ]


@needs_poppler
def test_one_page_per_step_with_that_step_s_numbers(tmp_path, capsys):
    assert main(["trace", str(H221)]) == 0
    t = json.loads(capsys.readouterr().out)
    out = tmp_path / "pass.pdf"
    assert main(["slides", str(H221), "-o", str(out)]) == 0
    pages = page_texts(out)
    titles = [p.strip().splitlines()[0].strip() for p in pages]
    assert titles == ["The network and its weights", "Forward pass: layer 1",
                      "Forward pass: layer 2", "The loss", "Backward pass: layer 2",
                      "Backward pass: layer 1", "The update"]  # fmt: skip
    f = lambda v: ex.fmt(v, 4)  # noqa: E731  (the displayed decimals)
    n, e = t["neurons"], t["edges"]
    for nid in ("h1", "h2"):
        assert f(n[nid]["z"]) in pages[1] and f(n[nid]["a"]) in pages[1]
        assert f(n[nid]["z"]) not in pages[0]  # not before its step
    assert f(n["o1"]["z"]) in pages[2] and f(n["o1"]["a"]) in pages[2]
    assert f(t["loss"]) in pages[3]
    # backward: every ∂L/∂z of the layer and every ∂L/∂w into it, on that layer's page
    into = {4: (["o1"], ["w5", "w6"]), 5: (["h1", "h2"], ["w1", "w2", "w3", "w4"])}
    for page, (neurons, edges) in into.items():
        for nid in neurons:
            assert f(n[nid]["dL_dz"]) in pages[page] and f(n[nid]["dL_db"]) in pages[page]
        for eid in edges:
            assert f(e[eid]["grad"]) in pages[page], (page, eid)
    # the update slide: every weight's step, old and new (as the worked example writes them)
    update = " ".join(pages[6].split())  # the lines a long equation wraps onto, joined
    for eid in e:
        m = re.search(rf"{eid}_new = {eid} − η·∂L/∂{eid} = .*? = (−?[0-9.]+)", update)
        assert m, eid
        shown = m.group(1).replace("−", "-")
        digits = len(shown.split(".")[1]) if "." in shown else 0
        assert abs(float(shown) - e[eid]["updated"]) <= 0.5 * 10.0**-digits, (eid, shown)


@needs_poppler
def test_the_pages_look_right(tmp_path):
    """Rasterised with pdftoppm (a renderer that is not Qt): a picture and text on each page."""
    from PySide6.QtGui import QImage

    out = tmp_path / "pass.pdf"
    assert main(["slides", str(H221), "-o", str(out)]) == 0
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 7
    for p in pages:
        image = QImage(str(p))
        assert image.width() > image.height()  # 16:9
        dark = sum(
            1
            for y in range(0, image.height(), 2)
            for x in range(0, image.width(), 2)
            if image.pixelColor(x, y).lightness() < 128
        )
        assert dark > 60, p.name  # not a blank page: a title, a picture, equations


def test_beamer_deck_and_its_pictures(tmp_path):
    out = tmp_path / "deck.tex"
    assert main(["slides", str(H221), "-o", str(out)]) == 0
    tex = out.read_text()
    assert tex.count(r"\begin{frame}") == 7 and tex.isascii()
    pictures = sorted(tmp_path.glob("deck-slide-*.png"))
    assert len(pictures) == 7 and all(f"{{{p.name}}}" in tex for p in pictures)
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed: the deck's structure was checked, not compiled")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", out.name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]


def test_bad_output_exits_2(tmp_path, capsys):
    assert main(["slides", str(H221), "-o", str(tmp_path / "deck.pptx")]) == 2
    assert "end it in .pdf or .tex" in capsys.readouterr().err
    assert main(["slides", str(H221), "-o", str(tmp_path / "no" / "deck.pdf")]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
