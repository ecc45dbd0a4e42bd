"""Check ``bpstudio export --to torch`` by hand: exported modules reproduce ``bpstudio trace``.

    python benchmarks/check_torch_export.py            # 100 random graphs + the example files
    python benchmarks/check_torch_export.py --n 50 FILE.json ...

For each network: export it, import the generated file (which must not import bpstudio), run
the data through ``build()`` and compare with the output activations that ``bpstudio trace
--all`` prints. Random graphs have skip and sparse edges, bias units, mixed activations and
softmax outputs. Prints the max absolute error; exits 1 if it exceeds 1e-9. Needs torch (only
here and in the tests; it is never a dependency of bpstudio).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_explain import random_doc  # noqa: E402

from bpstudio.paths import example_files  # noqa: E402

TOL = 1e-9


def trace_outputs(path: Path) -> np.ndarray:
    """The outputs' a from the CLI (bpstudio trace --all), as (batch, outputs)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bpstudio", "trace", str(path), "--all"],
        capture_output=True,
        text=True,
        check=True,
    )
    doc = json.loads(proc.stdout)
    net = json.loads(path.read_text(encoding="utf-8"))
    outs = [n["id"] for n in net["neurons"] if n["role"] == "output"]
    return np.array([doc["neurons"][o]["a"] for o in outs], dtype=float).T


def check(path: Path, workdir: Path, name: str) -> float:
    import torch

    out = workdir / f"{name}.py"
    subprocess.run(
        [sys.executable, "-m", "bpstudio", "export", str(path), "--to", "torch", "-o", str(out)],
        check=True,
    )
    src = out.read_text(encoding="utf-8")
    if any(l.strip().startswith(("import bpstudio", "from bpstudio")) for l in src.splitlines()):
        raise SystemExit(f"{path}: the exported file imports bpstudio")
    spec = importlib.util.spec_from_file_location(name, out)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from bpstudio.model import fileformat
    from bpstudio.model.session import dataset

    X = dataset(fileformat.load(path)).X
    got = mod.build()(torch.tensor(X, dtype=torch.float64)).detach().numpy()
    want = trace_outputs(path)
    return float(np.abs(got - want).max())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="*", type=Path)
    p.add_argument("--n", type=int, default=100, help="random graphs (default 100)")
    args = p.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch is not installed: nothing to check", file=sys.stderr)
        return 2
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        files = list(args.files) or [
            *example_files(),
            *sorted(Path("/work/shared/reference").glob("*_[0-9][0-9][0-9].json")),
        ]
        for i, f in enumerate(files):
            err = check(f, tmpdir, f"file{i}")
            worst = max(worst, err)
            print(f"{f.name:<28} max |error| {err:.3e}")
        errs = []
        for seed in range(args.n):
            path = tmpdir / f"random{seed}.json"
            path.write_text(json.dumps(random_doc(seed, n_samples=5)), encoding="utf-8")
            errs.append(check(path, tmpdir, f"random{seed}"))
        if errs:
            print(f"{len(errs)} random graphs          max |error| {max(errs):.3e}")
            worst = max(worst, max(errs))
    print(f"max |error| overall: {worst:.3e} (tolerance {TOL:g})")
    return 0 if worst <= TOL else 1


if __name__ == "__main__":
    sys.exit(main())
