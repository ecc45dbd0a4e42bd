"""Writes a worked example's blocks (model/report_doc.py) as Markdown or as LaTeX."""

from __future__ import annotations

from .report_doc import Doc, Eq, Math
from .tex import tex_escape


def render_md(doc: Doc) -> str:
    out: list[str] = []
    for b in doc.blocks:
        kind = b[0]
        if kind == "h":
            out += ["#" * b[1] + " " + b[2], ""]
        elif kind == "fig":
            out += [f"![The network]({b[1]})", ""]
        elif kind == "q":
            out += ["> " + line if line.strip() else ">" for line in b[1].splitlines()] + [""]
        elif kind == "p":
            out += ["".join(_md_piece(p) for p in b[1]), ""]
        elif kind == "eq":
            e = b[1]
            stages = [j.join(t) for t, j in zip(e.stages, e.joins, strict=True)]
            out.append("- " + _code(" = ".join([e.lhs, *stages])))
        elif kind == "t":
            headers, rows = b[1], b[2]
            if out and out[-1].startswith("- "):
                out.append("")
            out.append("| " + " | ".join(headers) + " |")
            out.append("|" + "---|" * len(headers))
            for r in rows:
                out.append("| " + " | ".join(_md_piece(c).replace("|", "\\|") for c in r) + " |")
            out.append("")
    text = "\n".join(_blank_after_lists(out))
    return text.rstrip("\n") + "\n"


def _blank_after_lists(lines: list[str]) -> list[str]:
    """Equations are list items; close each list with a blank line before other blocks."""
    out: list[str] = []
    for line in lines:
        if out and out[-1].startswith("- ") and line and not line.startswith("- "):
            out.append("")
        out.append(line)
    return out


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_piece(p) -> str:
    if isinstance(p, Math):
        return _code(p.text)
    return str(p)


def render_tex(doc: Doc, title: str) -> str:
    out = [
        r"\documentclass[10pt]{article}",
        r"\usepackage{amsmath}",
        r"\usepackage{longtable}",
        r"\usepackage{graphicx}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\allowdisplaybreaks",
        r"\setlength{\parindent}{0pt}",
        r"\setlength{\parskip}{0.5em}",
        r"\title{" + tex_escape(title) + "}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "",
    ]
    for b in doc.blocks:
        kind = b[0]
        if kind == "h":
            if b[1] == 1:
                continue  # the title
            cmd = {2: "section*", 3: "subsection*"}.get(b[1], "paragraph*")
            out += [f"\\{cmd}{{{tex_escape(b[2])}}}", ""]
        elif kind == "fig":
            out += [
                r"\begin{center}",
                r"\includegraphics[width=0.8\linewidth]{" + b[1] + "}",
                r"\end{center}",
                "",
            ]
        elif kind == "q":
            out += [
                r"\begin{quote}",
                tex_escape(b[1]).replace("\n\n", "\n\\par\n"),
                r"\end{quote}",
                "",
            ]
        elif kind == "p":
            out += ["".join(_tex_piece(p) for p in b[1]), ""]
        elif kind == "eq":
            out += _tex_eq(b[1]) + [""]
        elif kind == "t":
            headers, rows = b[1], b[2]
            out.append(r"\begin{longtable}{" + "l" * len(headers) + "}")
            out.append(" & ".join(tex_escape(h) for h in headers) + r" \\ \hline")
            out.append(r"\endhead")
            for r in rows:
                out.append(" & ".join(_tex_piece(c) for c in r) + r" \\")
            out += [r"\end{longtable}", ""]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def _tex_piece(p) -> str:
    if isinstance(p, Math):
        return f"${p.text}$"
    return tex_escape(str(p))


_TERMS_PER_LINE = 4


def _tex_eq(e: Eq) -> list[str]:
    lines = [r"\begin{align*}"]
    first = True
    for terms, join in zip(e.stages, e.joins, strict=True):
        chunks = [terms[i : i + _TERMS_PER_LINE] for i in range(0, len(terms), _TERMS_PER_LINE)]
        for k, chunk in enumerate(chunks):
            body = join.join(chunk)
            if k == 0:
                lead = (e.lhs + " &= ") if first else "&= "
            else:
                lead = r"&\quad " + join.strip() + " "
            first = False
            lines.append(lead + body + r" \\")
    lines[-1] = lines[-1][: -len(r" \\")]
    lines.append(r"\end{align*}")
    return lines
