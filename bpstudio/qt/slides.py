"""``bpstudio slides``: one slide per step of the pass, as a PDF (Qt, no LaTeX) or a Beamer deck.

Each slide shows the canvas at that step (the same pictures as ``bpstudio animate``) beside the
step's equations with the numbers substituted — the text of the worked example
(model/report.py), cut into the sections each step reveals. PDF text is real text: a student
can search and copy the numbers.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter

from ..model.graph import Graph
from ..model.report import render_report
from ..model.tex import tex_escape
from .pass_frames import FilmError, PassFilm

PAGE_IN = QSizeF(13.333, 7.5)  # a 16:9 slide, as PowerPoint and Beamer's 169 aspect
DPI = 144  # 1920x1080 page units
TITLE_PX, TEXT_PX = 46, 24
IMAGE_SHARE = 0.6  # of the page's width for the canvas


@dataclass(frozen=True)
class Slide:
    title: str
    step: str  # architecture, forward, loss, backward, update
    equations: list[str]
    frame: QImage  # the canvas picture


def _sections(markdown: str) -> dict[tuple[str, ...], list[str]]:
    """The worked example's equation lines by heading path: ("Forward pass", "Layer 1")."""
    out: dict[tuple[str, ...], list[str]] = {}
    path: list[str] = []
    for line in markdown.splitlines():
        m = re.match(r"^(#+) (.*)$", line)
        if m:
            level = len(m.group(1))
            path = path[: max(level - 2, 0)] + [m.group(2)] if level >= 2 else []
            out.setdefault(tuple(path), [])
        elif line.startswith("- `") and path:
            out[tuple(path)].append(line[2:].strip().strip("`").strip())
        elif line.startswith(("Outputs:", "A neuron's layer")) and path:
            out[tuple(path)].append(line.replace("`", ""))
    return out


def _layer_lines(sections, top: str, layer: int) -> list[str]:
    lines: list[str] = []
    for key, eqs in sections.items():
        if len(key) == 2 and key[0] == top and re.match(rf"(Layer|Into layer) {layer}\b", key[1]):
            lines += eqs
    return lines


def build_slides(
    graph: Graph,
    sample: int = 0,
    size: QSize | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Callable[[int, int], None] = lambda k, n: None,
) -> list[Slide]:
    from ..model.compile import compile_graph
    from ..model.session import dataset

    film = PassFilm(graph, sample, size or QSize(1152, 880))
    text = render_report(graph, compile_graph(graph), dataset(graph), sample=sample, fmt="md")
    sections = _sections(text)
    slides = []
    total = film.count(pulses=False)
    for k, f in enumerate(film.frames(pulses=False, cancelled=cancelled), 1):
        progress(k, total)
        layer = int(f.label.rsplit(" ", 1)[-1]) if f.label.split()[-1].isdigit() else 0
        if f.step == "architecture":
            title, eqs = "The network and its weights", sections.get(("Architecture",), [])
        elif f.step == "forward":
            title, eqs = (
                f"Forward pass: layer {layer}",
                _layer_lines(sections, "Forward pass", layer),
            )
        elif f.step == "loss":
            title, eqs = "The loss", sections.get(("Loss",), [])
        elif f.step == "backward":
            title = f"Backward pass: layer {layer}"
            eqs = _layer_lines(sections, "Backward pass", layer) + _layer_lines(
                sections, "Gradients of the weights and biases", layer
            )
        else:
            title, eqs = "The update", sections.get(("Update",), [])
        slides.append(Slide(title, f.step, eqs, f.image))
    return slides


def write_pdf(slides: list[Slide], target: Path, name: str) -> None:
    """Pages drawn with QPdfWriter (text stays text); written whole or not at all."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        writer = QPdfWriter(tmp)
        writer.setResolution(DPI)
        writer.setPageSize(QPageSize(PAGE_IN, QPageSize.Unit.Inch, "slide 16:9"))
        writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Inch)
        writer.setTitle(name)
        writer.setCreator("bpstudio slides")
        painter = QPainter(writer)
        page = QRectF(0, 0, writer.width(), writer.height())
        for k, s in enumerate(slides):
            if k:
                writer.newPage()
            _paint_slide(painter, page, s, k + 1, len(slides))
        painter.end()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _paint_slide(p: QPainter, page: QRectF, s: Slide, number: int, total: int) -> None:
    pad = 48.0
    title = QFont()
    title.setPixelSize(TITLE_PX)
    title.setBold(True)
    p.setFont(title)
    p.setPen(Qt.GlobalColor.black)
    title_h = QFontMetricsF(title).height() + 16
    p.drawText(
        QRectF(pad, pad * 0.6, page.width() - 2 * pad, title_h),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        s.title,
    )
    top = pad * 0.6 + title_h + 8
    img_w = page.width() * IMAGE_SHARE
    img_rect = QRectF(pad * 0.5, top, img_w - pad, page.height() - top - pad)
    img = s.frame
    scale = min(img_rect.width() / img.width(), img_rect.height() / img.height())
    drawn = QRectF(img_rect.left(), img_rect.top(), img.width() * scale, img.height() * scale)
    p.drawImage(drawn, img)
    text = QFont("DejaVu Sans Mono")
    text.setStyleHint(QFont.StyleHint.Monospace)
    text.setPixelSize(TEXT_PX)
    p.setFont(text)
    fm = QFontMetricsF(text)
    box = QRectF(img_w, top, page.width() - img_w - pad, page.height() - top - pad)
    y = box.top()
    for k, line in enumerate(s.equations):
        r = fm.boundingRect(box.adjusted(0, y - box.top(), 0, 0), Qt.TextFlag.TextWordWrap, line)
        if y + r.height() > box.bottom() - fm.height():
            p.drawText(
                QRectF(box.left(), y, box.width(), fm.height() * 1.2),
                0,
                f"… {len(s.equations) - k} more: see bpstudio report",
            )
            break
        p.drawText(QRectF(box.left(), y, box.width(), r.height()), Qt.TextFlag.TextWordWrap, line)
        y += r.height() + fm.height() * 0.5
    small = QFont()
    small.setPixelSize(18)
    p.setFont(small)
    p.setPen(Qt.GlobalColor.darkGray)
    p.drawText(
        QRectF(0, page.height() - pad * 0.8, page.width() - pad, pad * 0.6),
        Qt.AlignmentFlag.AlignRight,
        f"{number} / {total}",
    )


def write_beamer(slides: list[Slide], target: Path, name: str) -> list[Path]:
    """A Beamer deck with each slide's picture beside it (NAME-slide-01.png, …)."""
    pictures = []
    frames = []
    for k, s in enumerate(slides, 1):
        png = target.parent / f"{target.stem}-slide-{k:02d}.png"
        if not s.frame.save(str(png)):  # PNG by its suffix
            raise OSError(f"cannot write {png}")
        pictures.append(png)
        items = "\n".join(r"  \item \texttt{" + tex_escape(e) + "}" for e in s.equations[:12])
        more = len(s.equations) - 12
        if more > 0:
            items += "\n  \\item \\dots{} " + str(more) + " more (bpstudio report)"
        frames.append(
            "\\begin{frame}{" + tex_escape(s.title) + "}\n"
            "\\begin{columns}[T]\n\\begin{column}{0.58\\textwidth}\n"
            "\\includegraphics[width=\\linewidth]{" + png.name + "}\n"
            "\\end{column}\n\\begin{column}{0.42\\textwidth}\n\\scriptsize\n"
            + ("\\begin{itemize}\n" + items + "\n\\end{itemize}\n" if s.equations else "")
            + "\\end{column}\n\\end{columns}\n\\end{frame}\n"
        )
    tex = (
        "\\documentclass[aspectratio=169]{beamer}\n\\usepackage{graphicx}\n"
        "\\setbeamertemplate{navigation symbols}{}\n"
        "\\title{"
        + tex_escape(name)
        + "}\n\\date{}\n\\begin{document}\n"
        + "\n".join(frames)
        + "\\end{document}\n"
    )
    from ..model.atomic_write import atomic_write_text

    atomic_write_text(target, tex)
    return pictures


def check_target(target: str) -> str:
    suffix = Path(target).suffix.lower()
    if suffix not in (".pdf", ".tex"):
        raise FilmError(f"-o {target}: end it in .pdf or .tex (a Beamer deck)")
    return suffix[1:]
