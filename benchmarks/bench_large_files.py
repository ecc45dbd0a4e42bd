"""Wall time and peak memory of ``bpstudio check/trace/train`` on the largest files it accepts.

    python benchmarks/bench_large_files.py                 # every case
    python benchmarks/bench_large_files.py deep_chain csv_rows   # some cases
    python benchmarks/bench_large_files.py --keep DIR      # leave the generated files in DIR

Target (issue 9, item 17): any file under the size cap (model/file_spec.MAX_BYTES) is
checked within 10 s and 1 GB; ``trace`` and ``train`` likewise, or refused at once by the
documented size limit (docs/network-format.md, "Size limits") with a clear message.

Each command runs as its own subprocess (the way a user runs it); the peak RSS is that
process's own ``ru_maxrss`` from ``os.wait4``. A command that runs longer than --timeout is
killed and shown as a timeout. The files:

* deep_chain   x -> h1 -> ... -> o: 100,000 layers of one neuron
* deep_limit   the same at the layer limit (core/limits.MAX_LAYERS)
* skip_chain   a 12,000-layer chain where the input also feeds every layer (long skip edges)
* wide         1,000,000 neurons in one layer, 100,000 of them connected
* wide_limit   a fully connected layer at the neuron limit (core/limits.MAX_NEURONS)
* at_cap       a dense 1000-900-10 network with every weight written, padded to the cap
* edge_limit   a dense 998-500-1 network at the edge limit (core/limits.MAX_EDGES)
* csv_rows     a 1-1 network whose data is a 10,000,000-row CSV (under the cap)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bpstudio.model.file_spec import MAX_BYTES

HEAD = {"format": "bpstudio-network", "version": 1}
TRAINING = {"loss": "half_squared_error", "optimizer": "sgd", "learning_rate": 0.01, "seed": 0}


def _write(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
    return path


def deep_chain(folder: Path, depth: int = 100_000) -> Path:
    neurons = [{"id": "x", "role": "input"}]
    neurons += [
        {"id": f"h{i}", "role": "hidden", "activation": "identity"} for i in range(1, depth)
    ]
    neurons.append({"id": "o", "role": "output", "activation": "identity"})
    ids = [n["id"] for n in neurons]
    edges = [{"id": f"w{i}", "source": a, "target": b, "weight": 1.0}
             for i, (a, b) in enumerate(zip(ids[:-1], ids[1:], strict=True))]  # fmt: skip
    data = {"samples": [{"x": [0.5], "y": [0.25]}]}
    doc = {**HEAD, "name": "deep chain", "neurons": neurons, "edges": edges,
           "training": TRAINING, "data": data}  # fmt: skip
    return _write(folder / "deep_chain.json", doc)


def deep_limit(folder: Path) -> Path:
    from bpstudio.core.limits import MAX_LAYERS

    path = deep_chain(folder, MAX_LAYERS)
    return path.rename(folder / "deep_limit.json")


def skip_chain(folder: Path, depth: int = 12_000) -> Path:
    neurons = [{"id": "x", "role": "input"}]
    neurons += [{"id": f"h{i}", "role": "hidden", "activation": "tanh"} for i in range(1, depth)]
    neurons.append({"id": "o", "role": "output", "activation": "identity"})
    ids = [n["id"] for n in neurons]
    edges = [
        {"id": f"w{i}", "source": a, "target": b}
        for i, (a, b) in enumerate(zip(ids[:-1], ids[1:], strict=True))
    ]
    edges += [{"id": f"s{i}", "source": "x", "target": t} for i, t in enumerate(ids[2:])]
    data = {"samples": [{"x": [0.5], "y": [0.25]}]}
    doc = {**HEAD, "name": "skip chain", "neurons": neurons, "edges": edges,
           "training": TRAINING, "data": data}  # fmt: skip
    return _write(folder / "skip_chain.json", doc)


def wide(folder: Path, n: int = 1_000_000, connected: int = 100_000) -> Path:
    neurons = [{"id": "x", "role": "input"}]
    neurons += [{"id": f"h{i}", "role": "hidden", "activation": "relu"} for i in range(n - 2)]
    neurons.append({"id": "o", "role": "output", "activation": "identity"})
    edges = [{"id": f"a{i}", "source": "x", "target": f"h{i}"} for i in range(connected)]
    edges += [{"id": f"b{i}", "source": f"h{i}", "target": "o"} for i in range(connected)]
    data = {"samples": [{"x": [0.5], "y": [0.25]}]}
    doc = {**HEAD, "name": "wide", "neurons": neurons, "edges": edges,
           "training": TRAINING, "data": data}  # fmt: skip
    return _write(folder / "wide.json", doc)


def wide_limit(folder: Path) -> Path:
    from bpstudio.core.limits import MAX_NEURONS

    n = MAX_NEURONS
    path = wide(folder, n, connected=n - 2)
    return path.rename(folder / "wide_limit.json")


def at_cap(folder: Path, n_in: int = 1000, n_hidden: int = 900, n_out: int = 10,
           pad: bool = True) -> Path:  # fmt: skip
    neurons = [{"id": f"x{i}", "role": "input"} for i in range(n_in)]
    neurons += [{"id": f"h{i}", "role": "hidden", "activation": "sigmoid"} for i in range(n_hidden)]
    neurons += [{"id": f"o{i}", "role": "output", "activation": "sigmoid"} for i in range(n_out)]
    edges = []
    for layer_a, layer_b in ((("x", n_in), ("h", n_hidden)), (("h", n_hidden), ("o", n_out))):
        for j in range(layer_b[1]):
            for i in range(layer_a[1]):
                s, t = f"{layer_a[0]}{i}", f"{layer_b[0]}{j}"
                edges.append({"id": f"e{len(edges)}", "source": s, "target": t,
                              "weight": ((i * 7919 + j * 104729) % 2001 - 1000) / 1e5})  # fmt: skip
    data = {"samples": [{"x": [(i % 10) / 10 for i in range(n_in)], "y": [0.5] * n_out}]}
    doc = {**HEAD, "name": "at the size cap", "description": "", "neurons": neurons,
           "edges": edges, "training": TRAINING, "data": data}  # fmt: skip
    if not pad:
        return _write(folder / "at_cap.json", doc)
    text = json.dumps(doc, separators=(",", ":"))
    room = MAX_BYTES - len(text.encode()) - 16
    if room < 0:
        raise SystemExit(f"at_cap: the network alone is {len(text)} bytes, over the cap")
    doc["description"] = "x" * room
    return _write(folder / "at_cap.json", doc)


def edge_limit(folder: Path) -> Path:
    from bpstudio.core.limits import MAX_EDGES

    n_hidden = 500
    n_in = (MAX_EDGES - n_hidden) // n_hidden
    path = at_cap(folder, n_in, n_hidden, 1, pad=False)
    return path.rename(folder / "edge_limit.json")


def csv_rows(folder: Path, rows: int = 10_000_000) -> Path:
    with open(folder / "rows.csv", "w", encoding="utf-8") as fh:
        fh.write("x,y\n")
        chunk = "".join(f"{i % 10}.5,{i % 7}\n" for i in range(1000))
        for _ in range(rows // 1000):
            fh.write(chunk)
    neurons = [
        {"id": "x", "role": "input"},
        {"id": "o", "role": "output", "activation": "identity"},
    ]
    edges = [{"id": "w", "source": "x", "target": "o", "weight": 0.1}]
    data = {"csv": "rows.csv", "inputs": ["x"], "targets": ["y"]}
    training = {**TRAINING, "batch_size": 1000}
    doc = {**HEAD, "name": "csv rows", "neurons": neurons, "edges": edges,
           "training": training, "data": data}  # fmt: skip
    return _write(folder / "csv_rows.json", doc)


CASES = {"deep_chain": deep_chain, "deep_limit": deep_limit, "skip_chain": skip_chain,
         "wide": wide, "wide_limit": wide_limit, "at_cap": at_cap, "edge_limit": edge_limit,
         "csv_rows": csv_rows}  # fmt: skip


def run(argv: list[str], timeout: float) -> tuple[float, float, float, int | str, str]:
    """(wall s, CPU s, peak RSS MB, exit status or 'timeout', last stderr line) of a subprocess."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(p.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(p.pid, 0)
                status = None
                break
            time.sleep(0.02)
        p.returncode = 0  # reaped above: keep Popen from waiting again
        wall = time.perf_counter() - t0
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    code: int | str = "timeout" if status is None else os.waitstatus_to_exitcode(status)
    last = lines[-1][:150] if lines else ""
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, code, last  # ru_maxrss is in KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cases", nargs="*", help=f"some of: {', '.join(CASES)}")
    ap.add_argument("--keep", help="write the files here and leave them")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--commands", default="check,trace,train")
    args = ap.parse_args()
    unknown = set(args.cases) - set(CASES)
    if unknown:
        ap.error(f"unknown case(s) {', '.join(sorted(unknown))}; known: {', '.join(CASES)}")
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bpstudio-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    exe = [sys.executable, "-m", "bpstudio"]
    commands = {
        "check": lambda f: [*exe, "check", str(f)],
        "trace": lambda f: [*exe, "trace", str(f)],
        "train": lambda f: [
            *exe,
            "train",
            str(f),
            "--epochs",
            "1",
            "--quiet",
            "--out",
            str(folder / "trained.json"),
        ],  # fmt: skip
    }
    print(f"size cap {MAX_BYTES / 2**20:.0f} MiB; timeout {args.timeout:.0f} s per command")
    t0 = time.process_time()
    sum(range(10**7))  # calibration: about 0.15 s on an idle desktop core
    print(f"calibration: sum(range(10**7)) took {time.process_time() - t0:.2f} s CPU")
    print(f"{'case':<11} {'MB':>5}  {'command':<6} {'wall s':>7} {'CPU s':>6} {'peak MB':>8}  exit  "
          "message")  # fmt: skip
    try:
        for name in args.cases or CASES:
            t0 = time.perf_counter()
            path = CASES[name](folder)
            made = time.perf_counter() - t0
            size = path.stat().st_size + sum(
                p.stat().st_size for p in folder.glob("*.csv") if name == "csv_rows"
            )
            for cmd in args.commands.split(","):
                wall, cpu, rss, code, last = run(commands[cmd](path), args.timeout)
                print(f"{name:<11} {size / 2**20:5.1f}  {cmd:<6} {wall:7.2f} {cpu:6.2f} {rss:8.0f}  "
                      f"{code!s:>4}  {last}", flush=True)  # fmt: skip
            print(f"{'':<11} (generated in {made:.1f} s)", flush=True)
            if not args.keep:
                for p in folder.iterdir():
                    p.unlink()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
