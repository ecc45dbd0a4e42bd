"""The ``bpstudio`` command (shared spec cli.md).

Exit status: 0 success, 1 a failure while running (training diverged, a pass that overflows
float64), 2 a bad file or bad arguments. Errors are one ``error: FILE: ...`` line per problem on
stderr, never a traceback; stdout is valid JSON (or the text asked for) or nothing.
check/trace/train/report/export never import Qt (they run on machines without a screen and
start fast); only the GUI and ``render`` do.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from .commands.animate import cmd_animate
from .commands.check import cmd_check
from .commands.common import RunFailure, UsageError
from .commands.export import cmd_export
from .commands.grade import cmd_grade
from .commands.render import cmd_render
from .commands.report import cmd_report
from .commands.slides import cmd_slides
from .commands.trace import cmd_trace
from .commands.train import cmd_train
from .core.limits import TooLarge

SUBCOMMANDS = (
    "check",
    "trace",
    "train",
    "report",
    "render",
    "animate",
    "slides",
    "export",
    "grade",
)
MAX_ERRORS = 50  # main prints this many errors of a bad file (a file of a million bad edges)


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
    r.add_argument(
        "--hide",
        help="with --exercise: forward,loss,backward,gradients,updates "
        "(default backward,gradients,updates)",
    )

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
