"""The ``bpstudio`` command (shared spec cli.md).

Exit status: 0 success, 1 a failure while running (training diverged, a pass that overflows
float64), 2 a bad file or bad arguments. Errors are one ``error: FILE: ...`` line per problem on
stderr, never a traceback; stdout is valid JSON (or the text asked for) or nothing.
check/trace/train/report/export never import Qt (they run on machines without a screen and
start fast); only the GUI and ``render`` do.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
import traceback
from pathlib import Path

from .core.limits import TooLarge
from .model.numfmt import general  # only math: the CLI still starts without numpy work

SUBCOMMANDS = (
    "check", "trace", "train", "report", "render", "animate", "slides", "export", "grade"
)  # fmt: skip
MAX_WARNINGS = 20  # check prints this many neuron warnings, then a count
MAX_ERRORS = 50  # and this many errors of a bad file (a file of a million bad edges)


class UsageError(Exception):
    """Bad arguments or a bad file: exit 2 with these lines."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


class RunFailure(Exception):
    """A failure while running (exit 1)."""


# --------------------------------------------------------------------------- helpers
def _load(path: str):
    from .model import fileformat

    try:
        return fileformat.load(path)
    except fileformat.NetworkFileError as exc:
        raise UsageError([f"{path}: {e}" for e in exc.errors]) from None


def _compile(graph, path: str):
    from .model.compile import CompileError, compile_graph

    try:
        return compile_graph(graph)
    except CompileError as exc:
        raise UsageError([f"{path}: {e}" for e in exc.errors]) from None


def _dataset(graph, path: str):
    from .core.data import DataError
    from .model.session import dataset

    try:
        return dataset(graph)
    except DataError as exc:
        raise UsageError([f"{path}: {e}" for e in exc.errors]) from None


def _samples(args, ds, path: str) -> list[int]:
    n = len(ds)
    if n == 0:
        raise UsageError([f"{path}: data: the network has no samples to run"])
    if getattr(args, "all", False):
        return list(range(n))
    k = args.sample if args.sample is not None else 0
    if not 0 <= k < n:
        raise UsageError(
            [f"{path}: --sample {k} is out of range: the data has {n} samples (0..{n - 1})"]
        )
    return [k]


# --------------------------------------------------------------------------- commands
def cmd_check(args) -> int:
    from .model.compile import graph_warnings

    graph = _load(args.file)
    compiled = _compile(graph, args.file)
    _dataset(graph, args.file)
    warnings = list(graph_warnings(graph).values())
    for why in warnings[:MAX_WARNINGS]:
        print(f"warning: {args.file}: {why}", file=sys.stderr)
    if len(warnings) > MAX_WARNINGS:
        print(
            f"warning: {args.file}: ... and {len(warnings) - MAX_WARNINGS:,} more neurons "
            "like these (the app marks each one)",
            file=sys.stderr,
        )
    print(f"ok: {len(graph.neurons)} neurons, {len(graph.edges)} edges, {compiled.n_layers} layers")
    return 0


def _checked_pass(compiled, ds, samples: list[int], training: dict, path: str):
    """run_pass, refused (exit 1, the place named) if any value of it is not finite."""
    from .model.overflow import find_overflow
    from .model.trace import run_pass

    result = run_pass(compiled, ds, samples, training)
    msg = find_overflow(result)
    if msg is not None:
        raise RunFailure(f"{path}: {msg}")
    return result


def cmd_trace(args) -> int:
    from .model.trace import json_chunks, to_json

    graph = _load(args.file)
    compiled = _compile(graph, args.file)
    ds = _dataset(graph, args.file)
    samples = _samples(args, ds, args.file)
    result = _checked_pass(compiled, ds, samples, graph.training, args.file)
    if args.format == "json":
        # written in pieces from the arrays (model/trace.json_chunks); never NaN/Infinity
        # tokens: the check above refuses a pass with a value that is not finite
        sys.stdout.writelines(json_chunks(result, as_lists=args.all))
        sys.stdout.write("\n")
    else:
        print(trace_text(to_json(result, as_lists=args.all), graph))
    return 0


def _values(v) -> str:
    """One number or a list of them (``trace --all``), 6 significant digits."""
    if isinstance(v, list):
        return "[" + ", ".join(general(x) for x in v) + "]"
    return general(v)


def trace_text(doc: dict, graph) -> str:
    loss = graph.settings.loss
    lines = [f"loss ({loss}, samples {doc['samples']}): {general(doc['loss'], 10)}", "", "neurons:"]
    for nid, v in doc["neurons"].items():
        parts = "  ".join(f"{k}={_values(x)}" for k, x in v.items())
        lines.append(f"  {nid:<10} {parts}")
    lines += ["", "edges:"]
    for eid, v in doc["edges"].items():
        e = graph.edges[eid]
        lines.append(
            f"  {eid:<10} {e.source}->{e.target}  weight={general(v['weight'])}  "
            f"grad={general(v['grad'])}  updated={general(v['updated'], 10)}"
        )
    return "\n".join(lines)


def cmd_grade(args) -> int:
    """Grade an answers file against the exact pass (spec grading.md): 0 all right, 1 any
    value follows or is wrong, 2 a bad network or answers file."""
    from .model.grading.answers import AnswersError, load_answers, parse_answers

    if len(args.files) == 2:
        network, answers_path = args.files
    elif len(args.files) == 1:
        network, answers_path = None, args.files[0]
    else:
        raise UsageError(["grade takes NETWORK ANSWERS (or ANSWERS naming its network)"])
    try:
        sheet = load_answers(answers_path)
    except AnswersError as exc:
        raise UsageError(exc.errors) from None
    named = sheet.network_path(answers_path)
    if network is None:
        if named is None:
            raise UsageError(
                [f'{answers_path}: no network: give NETWORK ANSWERS, or "network" in the file']
            )
        network = str(Path(answers_path).parent / str(sheet.network))
    elif named is not None and named != Path(network).resolve():
        # the command line wins (spec grading.md), but a mix-up of files is said, not hidden
        print(f"note: {answers_path} is for {sheet.network}; graded against {network} as "
              "given", file=sys.stderr)  # fmt: skip
    args.file = network
    graph = _load(network)
    compiled = _compile(graph, network)
    ds = _dataset(graph, network)
    sample = sheet.sample if sheet.sample is not None else 0
    if args.all:
        sample = "all"
    elif args.sample is not None:
        sample = args.sample
    if sample == "all":
        samples = list(range(len(ds)))
        if not samples:
            raise UsageError([f"{network}: data: the network has no samples to run"])
    else:
        args.all, args.sample = False, sample
        samples = _samples(args, ds, network)
    try:  # the ids and paths against this network (the rows named)
        text = Path(answers_path).read_text(encoding="utf-8-sig")
        sheet = parse_answers(text, answers_path, graph)
    except AnswersError as exc:
        raise UsageError(exc.errors) from None
    if not sheet.answers:
        raise UsageError([f"{answers_path}: no values to grade"])
    if not args.rtol >= 0:
        raise UsageError([f"--rtol must be >= 0, not {args.rtol}"])
    result = _checked_pass(compiled, ds, samples, graph.training, network)
    from .model.grading.grader import Grader

    report = Grader(graph, compiled=compiled, result=result).grade(sheet.answers, args.rtol)
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=1, ensure_ascii=False, allow_nan=False))
    else:
        print(grade_text(report))
    return 0 if all(g.verdict == "right" for g in report.graded) else 1


_MARK = {"right": "✓", "follows": "→", "wrong": "✗"}


def grade_text(report) -> str:
    """One line per value in computation order, then the summary line (spec grading.md)."""
    from .model.grading.answers import describe

    lines = []
    for g in report.graded:
        head = f"{_MARK[g.verdict]} {describe(g.key)} = {g.answer.value}"
        if g.verdict == "follows":
            head += f"  ({g.explanation})"
        elif g.verdict == "wrong":
            yours = "-" if g.yours is None else general(g.yours, 10)
            head += (
                f"  (exact {general(g.exact, 10)}, from your own values {yours})  "
                f"{g.mistake}: {g.explanation}"
            )
        lines.append(head)
    lines.append(report.summary_line())
    return "\n".join(lines)


class ProgressBar:
    """A one-line bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled = max(total, 1), enabled
        self.last = 0.0

    def update(self, done: int, loss: float, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < 0.1):
            return
        self.last = now
        frac = min(done / self.total, 1.0)
        bar = "#" * int(frac * 30)
        sys.stderr.write(
            f"\r[{bar:<30}] {frac * 100:5.1f}%  epoch {done}/{self.total}  loss {general(loss)}"
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def cmd_train(args) -> int:
    from .model import fileformat
    from .model.session import make_trainer

    graph = _load(args.file)
    compiled = _compile(graph, args.file)
    ds = _dataset(graph, args.file)
    if len(ds) == 0:
        raise UsageError([f"{args.file}: data: there are no samples to train on"])
    epochs = args.epochs if args.epochs is not None else graph.settings.epochs
    if epochs < 0:
        raise UsageError([f"--epochs must be >= 0, not {epochs}"])
    compiled, trainer = make_trainer(graph, compiled)
    n_layers = len(compiled.net.layers)
    rows = []
    bar = ProgressBar(epochs, not args.quiet)
    last = None
    for stats in trainer.epochs(epochs):
        last = stats
        if stats.stopped != "diverged":
            rows.append(stats)
        bar.update(stats.epoch, stats.train_loss)
    if last is not None:
        bar.update(last.epoch, last.train_loss, force=True)
    bar.close()
    if args.history:
        _write_history(args.history, rows, n_layers, trainer.penalty.active)
    if last is not None and last.stopped == "diverged":
        from .model.overflow import diagnose

        # name the place: the first overflow of a pass at the restored (last finite) weights
        where = diagnose(compiled, ds, graph.training)
        if where is not None:
            raise RunFailure(
                f"{args.file}: training stopped at epoch {last.epoch}: {where} "
                "(the weights were restored to the last finite values)"
            )
        raise RunFailure(f"{args.file}: {last.message}")
    if args.out:
        compiled.write_back(graph, emit=False)
        try:
            fileformat.save(graph, args.out)
        except OSError as exc:
            raise RunFailure(f"{args.out}: cannot write: {exc.strerror or exc}") from None
    if not args.quiet:
        if last is None:
            print("trained 0 epochs", file=sys.stderr)
        else:
            why = f" ({last.message})" if last.stopped else ""
            pen = f", penalty {general(last.penalty)}" if trainer.penalty.active else ""
            print(
                f"trained {last.epoch} epochs: loss {general(last.train_loss)}{pen}{why}",
                file=sys.stderr,
            )
    return 0


def _write_history(path: str, rows, n_layers: int, penalised: bool = False) -> None:
    """The history CSV (docs/cli.md); a regularised run has a last column, ``penalty``."""
    from .model.fileformat import atomic_write_text

    header = ["epoch", "train_loss", "val_loss"] + [
        f"grad_norm_{l}" for l in range(1, n_layers + 1)
    ]
    if penalised:
        header.append("penalty")
    fh = io.StringIO(newline="")
    w = csv.writer(fh)
    w.writerow(header)
    for s in rows:
        val = "" if s.val_loss is None else repr(float(s.val_loss))
        w.writerow(
            [
                s.epoch,
                repr(float(s.train_loss)),
                val,
                *(repr(float(x)) for x in s.grad_norms),
                *([repr(float(s.penalty))] if penalised else []),
            ]
        )
    try:
        atomic_write_text(Path(path), fh.getvalue())
    except OSError as exc:
        raise RunFailure(f"{path}: cannot write history: {exc.strerror or exc}") from None


def cmd_report(args) -> int:
    from .model.report import (
        DEFAULT_HIDE,
        ReportError,
        ReportOverflow,
        figure_name,
        hidden_quantities,
        key_name,
        render_exercise,
        render_report,
    )

    to_file = bool(args.output) and args.output != "-"
    if args.exercise and not to_file:
        raise UsageError(["report --exercise writes two files, the sheet and its key: give -o OUT"])
    if args.hide is not None and not args.exercise:
        raise UsageError(["--hide is for report --exercise"])
    graph = _load(args.file)
    compiled = _compile(graph, args.file)
    ds = _dataset(graph, args.file)
    sample = _samples(args, ds, args.file)[0]
    figure = figure_name(args.output) if to_file else None  # a picture of the network beside it
    key_text = None
    try:
        if args.exercise:
            parts = [p.strip() for p in (args.hide or ",".join(DEFAULT_HIDE)).split(",")]
            hide = hidden_quantities([p for p in parts if p])
            text, key_text = render_exercise(
                graph,
                compiled,
                ds,
                sample=sample,
                fmt=args.format,
                decimals=args.decimals,
                figure=figure,
                hide=hide,
            )
        else:
            text = render_report(
                graph,
                compiled,
                ds,
                sample=sample,
                fmt=args.format,
                decimals=args.decimals,
                figure=figure,
                mistakes=args.mistakes,
            )
    except ReportOverflow as exc:  # a failure while running, as for trace (docs/cli.md)
        raise RunFailure(f"{args.file}: {exc}") from None
    except ReportError as exc:
        raise UsageError([f"{args.file}: {exc}"]) from None
    if figure is not None:
        from .qt.render import render_to_file

        target = Path(args.output).parent / figure
        try:
            render_to_file(graph, target)
        except OSError as exc:
            raise RunFailure(f"{target}: cannot write: {exc.strerror or exc}") from None
    _write_text(args.output, text)
    if key_text is not None:
        _write_text(str(Path(args.output).parent / key_name(args.output)), key_text)
    return 0


def cmd_export(args) -> int:
    from .model.export_torch import torch_source

    graph = _load(args.file)
    compiled = _compile(graph, args.file)
    _write_text(args.output, torch_source(graph, compiled))
    return 0


def cmd_render(args) -> int:
    graph = _load(args.file)
    _compile(graph, args.file)
    out = Path(args.output)
    if out.suffix.lower() not in (".png", ".svg"):
        raise UsageError([f"-o {args.output}: the image must end in .png or .svg"])
    if args.overlay != "none":
        ds = _dataset(graph, args.file)
        samples = _samples(args, ds, args.file)
        # the overlay draws this pass: refuse it before drawing NaN badges
        _checked_pass(_compile(graph, args.file), ds, samples, graph.training, args.file)
    from .qt.render import render_to_file

    try:
        render_to_file(graph, out, overlay=args.overlay, sample=args.sample or 0)
    except OSError as exc:
        raise RunFailure(f"{args.output}: cannot write: {exc.strerror or exc}") from None
    return 0


def _progress(total: int | None):
    """With BPSTUDIO_PROGRESS=1 (the app's export runs the command so), "progress K N" lines on
    stderr for its progress bar; else nothing."""
    if os.environ.get("BPSTUDIO_PROGRESS") != "1":
        return lambda k, n=None: None

    def say(k: int, n: int | None = None) -> None:
        sys.stderr.write(f"progress {k} {n or total or 0}\n")
        sys.stderr.flush()

    return say


def _media(args, check_options) -> tuple:
    """What animate and slides share: Qt offscreen, the file read and compiled, the options
    checked (``check_options()`` raises FilmError), the pass run once (an overflow: exit 1)."""
    from .qt.render import _ensure_app

    _ensure_app()  # offscreen without a display
    from .qt.pass_frames import FilmError

    graph = _load(args.file)
    compiled = _compile(graph, args.file)
    ds = _dataset(graph, args.file)
    samples = _samples(args, ds, args.file)
    try:
        checked = check_options()
    except FilmError as exc:
        raise UsageError([str(exc)]) from None
    _checked_pass(compiled, ds, samples, graph.training, args.file)
    return graph, samples, checked


def _media_write(args, write) -> int:
    """Run ``write()``: a bad option found late is exit 2, so is an output that cannot be
    written (the writers leave nothing behind)."""
    from .qt.pass_frames import FilmError

    try:
        write()
    except FilmError as exc:
        raise UsageError([f"{args.file}: {exc}"]) from None
    except OSError as exc:
        raise UsageError([f"-o {args.output}: cannot write: {exc.strerror or exc}"]) from None
    return 0


def cmd_animate(args) -> int:
    from .qt.film_writers import output_kind, write_film
    from .qt.pass_frames import FilmError, PassFilm, parse_size, parse_steps

    def options():
        steps, size = parse_steps(args.steps), parse_size(args.size)
        if not 1 <= args.fps <= 60:
            raise FilmError(f"--fps {args.fps}: between 1 and 60")
        output_kind(args.output)
        return steps, size

    graph, samples, (steps, size) = _media(args, options)

    def write() -> None:
        film = PassFilm(graph, None if args.all else samples[0], size, args.theme)
        write_film(film.frames(steps, args.fps), args.output, args.fps,
                   _progress(film.count(steps, args.fps)))  # fmt: skip

    return _media_write(args, write)


def cmd_slides(args) -> int:
    from .qt.slides import build_slides, check_target, write_beamer, write_pdf

    graph, samples, kind = _media(args, lambda: check_target(args.output))
    target = Path(args.output)
    if not target.parent.is_dir():
        raise UsageError(
            [f"-o {args.output}: cannot write: the folder {target.parent} does not exist"]
        )

    def write() -> None:
        slides = build_slides(graph, samples[0], progress=_progress(None))
        (write_pdf if kind == "pdf" else write_beamer)(slides, target, graph.name)

    return _media_write(args, write)


def _write_text(output: str | None, text: str) -> None:
    if not output or output == "-":
        sys.stdout.write(text)
        return
    from .model.fileformat import atomic_write_text

    try:
        atomic_write_text(Path(output), text)
    except OSError as exc:
        raise RunFailure(f"{output}: cannot write: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------- parsing
class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 already; keep the one-line format
        self.print_usage(sys.stderr)
        raise UsageError([message])


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="bpstudio", description="Backprop Studio: see every number of backpropagation."
    )
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    c = sub.add_parser("check", help="validate a network file")
    c.add_argument("file")

    t = sub.add_parser("trace", help="one forward/backward pass and update, every value")
    t.add_argument("file")
    g = t.add_mutually_exclusive_group()
    g.add_argument("--sample", type=int, default=None)
    g.add_argument("--all", action="store_true", help="all samples as one batch")
    t.add_argument("--format", choices=["json", "text"], default="json")

    tr = sub.add_parser("train", help="train with the file's settings")
    tr.add_argument("file")
    tr.add_argument("--epochs", type=int)
    tr.add_argument("--out")
    tr.add_argument("--history")
    tr.add_argument("--quiet", action="store_true")

    r = sub.add_parser("report", help="write the worked example as a document")
    r.add_argument("file")
    r.add_argument("--sample", type=int, default=None)
    r.add_argument("--format", choices=["md", "tex"], default="md")
    r.add_argument("--decimals", type=int, default=4)
    r.add_argument("-o", "--output")
    r.add_argument("--mistakes", action="store_true", help="common-mistake notes under values")
    r.add_argument(
        "--exercise",
        action="store_true",
        help="blanks for the hidden values, and OUT-key with the answers",
    )
    r.add_argument("--hide", help="with --exercise: forward,loss,backward,gradients,updates "
                                  "(default backward,gradients,updates)")  # fmt: skip

    rd = sub.add_parser("render", help="draw the canvas to PNG or SVG, headless")
    rd.add_argument("file")
    rd.add_argument("-o", "--output", required=True)
    rd.add_argument("--overlay", choices=["none", "forward", "backward"], default="none")
    rd.add_argument("--sample", type=int, default=None)

    an = sub.add_parser("animate", help="the stepped pass as an animated GIF, APNG or PNG frames")
    an.add_argument("file")
    an.add_argument("-o", "--output", required=True, help="OUT.gif, OUT.png (APNG) or OUT_DIR/")
    an.add_argument("--steps", default="forward,loss,backward,update")
    ga = an.add_mutually_exclusive_group()
    ga.add_argument("--sample", type=int, default=None)
    ga.add_argument("--all", action="store_true", help="all samples as one batch")
    an.add_argument("--fps", type=int, default=10)
    an.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT, 320x200 to 3840x2160")
    an.add_argument("--theme", choices=["lecture", "normal"], default="lecture")

    sl = sub.add_parser("slides", help="one slide per step of the pass: PDF or a Beamer deck")
    sl.add_argument("file")
    sl.add_argument("-o", "--output", required=True, help="OUT.pdf or OUT.tex")
    sl.add_argument("--sample", type=int, default=None)

    ex = sub.add_parser("export", help="export to a standalone PyTorch module")
    ex.add_argument("file")
    ex.add_argument("--to", choices=["torch"], required=True)
    ex.add_argument("-o", "--output")

    gr = sub.add_parser("grade", help="check hand-computed values against the exact pass")
    gr.add_argument("files", nargs="+", metavar="NETWORK ANSWERS")
    gg = gr.add_mutually_exclusive_group()
    gg.add_argument("--sample", type=int, default=None)
    gg.add_argument("--all", action="store_true", help="the batch mean over all samples")
    gr.add_argument("--rtol", type=float, default=0.005)
    gr.add_argument("--format", choices=["text", "json"], default="text")
    return p


COMMANDS = {
    "check": cmd_check,
    "trace": cmd_trace,
    "train": cmd_train,
    "report": cmd_report,
    "render": cmd_render,
    "animate": cmd_animate,
    "slides": cmd_slides,
    "export": cmd_export,
    "grade": cmd_grade,
}


DEBUG_ENV = "BPSTUDIO_DEBUG"
DEBUG_HINT = f"to see the traceback, run again with --debug or set {DEBUG_ENV}=1"


def debug_enabled() -> bool:
    """True when BPSTUDIO_DEBUG is set (to anything but empty or 0)."""
    return os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")


def _internal_error(exc: BaseException, what: str, debug: bool) -> None:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
        print(f"error: {what}; please report it with the traceback above", file=sys.stderr)
    else:
        print(f"error: {what}; please report it; {DEBUG_HINT}", file=sys.stderr)


# complexity: one place turns every subcommand's failure into its exit code
def main(argv: list[str] | None = None) -> int:  # noqa: C901
    argv = list(sys.argv[1:] if argv is None else argv)
    # --debug is accepted anywhere (also before FILE for the app): tracebacks of internal errors
    debug = "--debug" in argv or debug_enabled()
    argv = [a for a in argv if a != "--debug"]
    file = None
    try:
        if not argv or (argv[0] not in SUBCOMMANDS and not argv[0].startswith("-")):
            if len(argv) > 1:
                raise UsageError(
                    [f"unknown command {argv[0]!r} (commands: {', '.join(SUBCOMMANDS)})"]
                )
            if debug:  # the app is the whole process: its own error handling reads this
                os.environ[DEBUG_ENV] = "1"
            from .qt.app import run

            return run(argv[0] if argv else None)
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return 0
        file = getattr(args, "file", None) or (getattr(args, "files", None) or [None])[0]
        return COMMANDS[args.command](args)
    except UsageError as exc:
        for line in exc.lines[:MAX_ERRORS]:
            print(f"error: {line}", file=sys.stderr)
        if len(exc.lines) > MAX_ERRORS:
            print(f"error: ... and {len(exc.lines) - MAX_ERRORS:,} more errors", file=sys.stderr)
        return 2
    except TooLarge as exc:
        print(f"error: {file}: {exc}", file=sys.stderr)
        return 2
    except RunFailure as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `bpstudio trace FILE | head`: the reader left, nothing to say
        _quiet_stdout()
        return 1
    except MemoryError as exc:
        if debug:
            traceback.print_exception(exc, file=sys.stderr)
        print(f"error: {file or 'bpstudio'}: out of memory", file=sys.stderr)
        return 1
    except RecursionError as exc:
        if debug:
            traceback.print_exception(exc, file=sys.stderr)
        print("error: the input is nested too deeply", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: still one readable line, not a traceback
        _internal_error(exc, f"internal error ({type(exc).__name__}: {exc})", debug)
        return 1


def _quiet_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
