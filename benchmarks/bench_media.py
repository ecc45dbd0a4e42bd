"""Lecture media, timed as a lecturer runs them: the commands as whole processes.

* ``bpstudio animate`` of the 2-2-1 example to a GIF (target: under 5 s);
* ``bpstudio slides`` of a 100-neuron network (10-20-20-20-20-10, 1,600 edges) to a PDF
  (target: under 15 s).

Run: ``.venv/bin/python benchmarks/bench_media.py [--runs 3]``. Prints min / median / max of
each (wall time, start-up included); it is not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bpstudio.model import fileformat, templates
from bpstudio.paths import example_files


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child): on a loaded machine the CPU time is what the
    command would take alone (it uses one core)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    bp = [sys.executable, "-m", "bpstudio"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        h221 = next(p for p in example_files() if p.stem == "handwritten_221")
        big = folder / "dense100.json"
        fileformat.save(templates.dense_network([10, 20, 20, 20, 20, 10], "Dense 100"), big)
        cases = {
            "animate 2-2-1 -> GIF (1280x720, 10 fps)": bp + ["animate", str(h221), "-o", str(folder / "a.gif")],
            "slides 100 neurons -> PDF": bp + ["slides", str(big), "-o", str(folder / "s.pdf")],
        }  # fmt: skip
        for name, cmd in cases.items():
            runs = [timed(cmd) for _ in range(args.runs)]
            for label, values in (("wall", [w for w, _ in runs]), ("cpu", [c for _, c in runs])):
                print(f"{name:42s} {label:4s} min {min(values):6.2f} s  median "
                      f"{statistics.median(values):6.2f} s  max {max(values):6.2f} s"
                      f"  ({args.runs} runs)")  # fmt: skip


if __name__ == "__main__":
    main()
