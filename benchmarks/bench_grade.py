"""Whole-process time of `bpstudio grade` on a 100-value answers file, 20-neuron network.

    python benchmarks/bench_grade.py            # 7 runs per case
    python benchmarks/bench_grade.py --quick    # 3 runs

Target (issue 12): under 0.5 s for the whole process (start-up, loading, the pass, grading,
output). Two answers files: every value right, and the same with ten slips of the catalogue
(wrong values are what costs: the mistakes are tried at each of them), plus one where only
the last layer's gradients are written so that mistakes are searched through unwritten
values. Times are medians of wall-clock runs of a fresh `python -m bpstudio`, with bytecode
cached as an installed package has it (in a temporary PYTHONPYCACHEPREFIX: a shell with
PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module on every run, ~0.2 s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bpstudio.model import fileformat
from bpstudio.model.grading.answers import describe
from bpstudio.model.grading.grader import expected_values

SIZES = (4, 7, 6, 3)  # 20 neurons, softmax outputs, one skip layer of edges


def network() -> dict:
    rng = np.random.default_rng(0)
    neurons, edges, layers = [], [], []
    for l, n in enumerate(SIZES):
        ids = []
        for i in range(n):
            nid = f"n{l}{i}"
            role = "input" if l == 0 else ("output" if l == len(SIZES) - 1 else "hidden")
            d: dict = {"id": nid, "role": role}
            if l:
                d["activation"] = ["tanh", "sigmoid", "softmax"][l - 1]
                d["bias"] = round(float(rng.uniform(-0.5, 0.5)), 2)
            neurons.append(d)
            ids.append(nid)
        layers.append(ids)
    k = 0
    for l in range(1, len(SIZES)):
        sources = layers[l - 1] + (layers[0] if l == len(SIZES) - 1 else [])  # skip edges
        for t in layers[l]:
            for s in sources:
                edges.append({"id": f"w{k}", "source": s, "target": t,
                              "weight": round(float(rng.uniform(-1, 1)), 2)})  # fmt: skip
                k += 1
    samples = [{"x": [0.5, -0.2, 0.1, 0.9], "y": [1.0, 0.0, 0.0]}]
    training = {"loss": "cross_entropy", "optimizer": "sgd", "learning_rate": 0.1}
    return {"format": "bpstudio-network", "version": 1, "name": "bench", "neurons": neurons,
            "edges": edges, "training": training, "data": {"samples": samples}}  # fmt: skip


def answers_csv(values, slips: int, only_last: bool = False) -> str:
    rows = ["quantity,id,value,by"]
    picked = values
    if only_last:
        picked = [(k, v) for k, v in values if k[0] in ("grad", "updated")][:100]
    else:
        picked = values[:100]
    for i, (key, v) in enumerate(picked):
        if slips and i % (len(picked) // slips) == 7:
            v = -2.0 * v if v else 1.0  # sign and half-factor slips (and unexplained ones)
        q, nid, extra = key
        by = extra[0] if q == "dyhat_dz" and extra else ""
        rows.append(f"{q},{nid or ''},{v:.5f},{by}")
    return "\n".join(rows) + "\n"


ENV = dict(os.environ)


def run(argv: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one `python -m bpstudio ARGV`. CPU (user + system of the child)
    is the figure to read on a shared machine: wall time there includes waiting for a core."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bpstudio", *argv], capture_output=True, env=ENV)
    dt = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr.decode())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return dt, cpu


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    reps = 3 if args.quick else 7
    with tempfile.TemporaryDirectory() as tmp:
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        net = Path(tmp) / "net.json"
        net.write_text(json.dumps(network()))
        values = expected_values(fileformat.load(net), 0)
        print(f"network: {sum(SIZES)} neurons, {len(values)} gradable values; "
              f"answers use the first 100 ({describe(values[0][0])} ... )")  # fmt: skip
        cases = {
            "100 values, all right": answers_csv(values, 0),
            "100 values, 10 slips": answers_csv(values, 10),
            "100 gradients and updates, 10 slips, the rest unwritten": answers_csv(
                values, 10, only_last=True
            ),
        }
        run(["check", str(net)])  # warm the file cache
        for name, text in cases.items():
            ans = Path(tmp) / "answers.csv"
            ans.write_text(text)
            run(["grade", str(net), str(ans)])  # its modules' bytecode cached
            _report(name, [run(["grade", str(net), str(ans)]) for _ in range(reps)])
        _report("for scale: bpstudio check, same network", [run(["check", str(net)])
                                                          for _ in range(reps)])  # fmt: skip
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


def _report(name: str, runs: list[tuple[float, float]]) -> None:
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    verdict = "ok" if wall < 0.5 else ("ok in CPU time" if cpu < 0.5 else "MISSED")
    print(f"{name:58s} wall {wall * 1000:5.0f} ms  CPU {cpu * 1000:5.0f} ms  (< 500 ms: {verdict})")


if __name__ == "__main__":
    main()
