"""A seeded mutation fuzzer for network files and CSV files (issue 9).

Every example network (bpstudio/examples/, the shared reference files) and a CSV-backed network
are mutated (keys deleted, duplicated, swapped; types changed; huge, tiny, negative and NaN-ish
numbers; odd Unicode including lone surrogates; truncated JSON; cycles; dangling and duplicate
ids; CSV files with odd delimiters, quotes, short rows, BOMs, bad bytes, or nothing at all)
and run through the real commands (check, trace, train --epochs 2, report), in-process through
``bpstudio.cli.main`` for speed, a few as real subprocesses. Every run must:

* exit 0 or 2, or 1 only with a documented one-line run failure (divergence, overflow);
* print no traceback and no internal error;
* leave stdout empty on failure, valid JSON (no NaN/Infinity) for ``trace`` on success;
* finish within a generous per-case cap (a hang detector, not a speed test).

CI runs BPSTUDIO_FUZZ_CASES (default 200) cases; a soak: ``BPSTUDIO_FUZZ_CASES=20000``.
BPSTUDIO_FUZZ_SEED picks another sequence; a failure names its case, and
``BPSTUDIO_FUZZ_KEEP=DIR`` keeps the failing files there. Crashes the fuzzer found are kept as
the fixed regression cases at the end of this file.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bpstudio import cli
from bpstudio.paths import example_files

CASES = int(os.environ.get("BPSTUDIO_FUZZ_CASES", "200"))
SEED = os.environ.get("BPSTUDIO_FUZZ_SEED", "issue9")
KEEP = os.environ.get("BPSTUDIO_FUZZ_KEEP")
CASE_SECONDS = 60  # per case, every command together: only a hang detector
CHUNKS = 8
SUBPROCESS_CASES = 3

REFERENCE = Path("/work/shared/reference")
# a run failure (exit 1) is one of these, on one line (the training divergence message, the
# overflow message of a pass, a write failure)
# The one-line run failures the commands document (cli.md): divergence, a pass that overflows
# or whose loss is not finite (model/overflow.py names where), an output that cannot be written.
RUN_FAILURES = re.compile(
    r"training diverged|training stopped at epoch|not finite|overflow"
    r"|the loss of output \S+ is (nan|-?inf)|cannot write|larger than"
)

CSV_NET = {
    "format": "bpstudio-network",
    "version": 1,
    "name": "csv data",
    "neurons": [
        {"id": "a", "role": "input"},
        {"id": "b", "role": "input"},
        {"id": "h", "role": "hidden", "activation": "tanh", "bias": 0.1},
        {"id": "y", "role": "output", "activation": "sigmoid"},
    ],
    "edges": [
        {"id": "w1", "source": "a", "target": "h", "weight": 0.5},
        {"id": "w2", "source": "b", "target": "h", "weight": -0.4},
        {"id": "w3", "source": "h", "target": "y", "weight": 0.3},
    ],
    "training": {
        "loss": "binary_cross_entropy",
        "optimizer": "sgd",
        "learning_rate": 0.1,
        "batch_size": 2,
    },  # fmt: skip
    "data": {"csv": "data.csv", "inputs": ["a", "b"], "targets": ["label"]},
}
CSV_TEXT = "a,b,label\n0.1,0.2,0\n0.5,-0.25,1\n-1,1e-3,1\n"


def seed_documents() -> dict[str, dict]:
    seeds = {}
    paths = list(example_files()) + sorted(REFERENCE.glob("*.json"))
    for p in paths:
        if not p.name.endswith(".trace.json"):
            seeds[f"{p.parent.name}/{p.name}"] = json.loads(p.read_text(encoding="utf-8"))
    seeds["csv_net"] = CSV_NET
    return seeds


SEEDS = seed_documents()


# --------------------------------------------------------------------------- values
NUMBERS = [0, -1, 1, 2, 3, 0.5, -0.0, 1e308, -1e308, 1e-308, 5e-324, 1e154, 2**63, -(2**63),
           10**30, 1e16, 0.1, 999, -7.25, 1e6 + 1]  # fmt: skip
NUMBER_TEXT = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1" + "0" * 400, "-0",
               "1E2", "0.0000000001", "123456789012345678901234567890"]  # fmt: skip
STRINGS = ["", " ", "x", "h1", "w1", "o1", "sigmoid", "softmax", "relu", "identity", "tanh",
           "input", "hidden", "output", "bias", "cross_entropy", "binary_cross_entropy", "mse",
           "adam", "sgd", "momentum", "rmsprop", "xor", "spirals", "circles", "sine",
           "data.csv", "/dev/zero", "../missing.csv", "😀", "x₁", "\u202e", "\u200b", "\x00",
           "\n", "\t", "é" * 3, "\ud800", "\udfff", "a\ud83d\ude00b", "🧠" * 200,
           "\\", '"', "{}", "[]", "null", "-"]  # fmt: skip
ROLES = ["input", "hidden", "output", "bias", "Input", "", None]
ACTIVATIONS = ["identity", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu",
               "softplus", "softmax", "gelu", ""]  # fmt: skip


def random_value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind in (2, 3):
        return rng.choice(NUMBERS)
    if kind in (4, 5):
        return rng.choice(STRINGS)
    if kind == 6:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 7:
        return {rng.choice(STRINGS): random_value(rng, depth + 1) for _ in range(rng.randrange(3))}
    return rng.choice([[], {}, [1, 2], {"x": [0.1]}])


# --------------------------------------------------------------------------- document mutations
def _containers(doc) -> list:
    """Every dict and list in the document (places to mutate)."""
    out, todo = [], [doc]
    while todo:
        v = todo.pop()
        if isinstance(v, dict | list):
            out.append(v)
            todo.extend(v.values() if isinstance(v, dict) else v)
    return out


def _pick_slot(rng: random.Random, doc):
    """(container, key or index) of a random value in the document, or None."""
    boxes = [c for c in _containers(doc) if c]
    if not boxes:
        return None
    box = rng.choice(boxes)
    return box, rng.choice(list(box)) if isinstance(box, dict) else rng.randrange(len(box))


def m_delete(rng, doc):
    slot = _pick_slot(rng, doc)
    if slot:
        box, key = slot
        del box[key]


def m_retype(rng, doc):
    slot = _pick_slot(rng, doc)
    if slot:
        box, key = slot
        box[key] = random_value(rng)


def m_number(rng, doc):
    nums = [(b, k) for b in _containers(doc)
            for k in (b if isinstance(b, dict) else range(len(b)))
            if isinstance(b[k], int | float) and not isinstance(b[k], bool)]  # fmt: skip
    if nums:
        box, key = rng.choice(nums)
        box[key] = (
            rng.choice(NUMBERS) if rng.random() < 0.7 else -box[key] * 10.0 ** rng.randrange(300)
        )


def m_string(rng, doc):
    strs = [(b, k) for b in _containers(doc)
            for k in (b if isinstance(b, dict) else range(len(b))) if isinstance(b[k], str)]  # fmt: skip
    if strs:
        box, key = rng.choice(strs)
        box[key] = rng.choice(STRINGS) + (box[key] if rng.random() < 0.5 else "")


def m_swap(rng, doc):
    a, b = _pick_slot(rng, doc), _pick_slot(rng, doc)
    if a and b:
        (ba, ka), (bb, kb) = a, b
        with contextlib.suppress(IndexError, KeyError):
            ba[ka], bb[kb] = bb[kb], ba[ka]


def m_rename_key(rng, doc):
    dicts = [c for c in _containers(doc) if isinstance(c, dict) and c]
    if dicts:
        d = rng.choice(dicts)
        k = rng.choice(list(d))
        d[rng.choice(STRINGS) if rng.random() < 0.5 else k + "_"] = d.pop(k)


def _ids(doc, roles=("input", "hidden", "output", "bias")) -> list[str]:
    return [n["id"] for n in doc.get("neurons", [])
            if isinstance(n, dict) and isinstance(n.get("id"), str) and n.get("role") in roles]  # fmt: skip


def m_cycle(rng, doc):
    ns = _ids(doc, ("hidden",))
    es = doc.get("edges")
    if len(ns) >= 2 and isinstance(es, list):
        a, b = rng.sample(ns, 2)
        es.append({"id": f"cyc{rng.randrange(99)}", "source": a, "target": b})
        es.append({"id": f"cyc{rng.randrange(99)}b", "source": b, "target": a})


def m_dangling(rng, doc):
    es = doc.get("edges")
    ns = [n for n in doc.get("neurons", []) if isinstance(n, dict)]
    choice = rng.randrange(4)
    if choice == 0 and isinstance(es, list):
        es.append({"id": rng.choice(["w1", "x1", "zz"]), "source": rng.choice(STRINGS),
                   "target": rng.choice(["o1", "h1", "nowhere"])})  # fmt: skip
    elif choice == 1 and ns:
        ns.append(copy.deepcopy(rng.choice(ns)))  # duplicate neuron id
    elif choice == 2 and ns:
        rng.choice(ns)["role"] = rng.choice(ROLES)
    elif ns:
        rng.choice(ns)["activation"] = rng.choice(ACTIVATIONS)


def m_training(rng, doc):
    t = doc.get("training")
    if isinstance(t, dict):
        key = rng.choice(["learning_rate", "batch_size", "epochs", "optimizer", "loss", "momentum",
                          "beta1", "beta2", "eps", "init", "seed", "validation_split",
                          "stop_loss", "shuffle"])  # fmt: skip
        t[key] = rng.choice([random_value(rng), rng.choice(NUMBERS), rng.choice(STRINGS)])


def m_data(rng, doc):
    choice = rng.randrange(5)
    if choice == 0:
        doc["data"] = {"generator": {"name": rng.choice(["xor", "moons", "sine", "linear",
                                                          "gaussians", "spirals", "nope"]),
                                     "n": rng.choice([1, 2, 7, 50, 0, -3, 10**6 + 1, 1.5]),
                                     "classes": rng.choice([2, 3, 1, 51]),
                                     "noise": rng.choice([0, 0.1, -1, 11, "x"])}}  # fmt: skip
    elif choice == 1:
        doc["data"] = {"samples": [{"x": [random_value(rng) for _ in range(rng.randrange(4))],
                                    "y": [rng.choice(NUMBERS)]} for _ in range(rng.randrange(3))]}  # fmt: skip
    elif choice == 2:
        doc["data"] = {"csv": "data.csv", "inputs": ["a", "b"][: rng.randrange(3)],
                       "targets": [rng.choice(["label", "a", "zz"])]}  # fmt: skip
    elif choice == 3:
        doc["data"] = {"samples": [], "generator": {"name": "xor"}}
    else:
        doc["data"] = random_value(rng)


def m_grow(rng, doc):
    ns, es = doc.get("neurons"), doc.get("edges")
    inputs = _ids(doc, ("input",))
    if isinstance(ns, list) and isinstance(es, list) and inputs:
        prev = rng.choice(inputs)
        for i in range(rng.randrange(1, 40)):
            ns.append({"id": f"g{i}", "role": "hidden", "activation": rng.choice(ACTIVATIONS[:8])})
            es.append({"id": f"ge{i}", "source": prev, "target": f"g{i}",
                       "weight": rng.choice(NUMBERS)})  # fmt: skip
            prev = f"g{i}"


# ------------------------------------------------------------- gentle (mostly valid) mutations
SANE = [0.0, 1.0, -1.0, 0.5, 3.0, -2.5, 10.0, 40.0, -40.0, 700.0, -1000.0, 1e-9, 1e3, 1e150]


def g_weights(rng, doc):
    for item in doc.get("edges", []) + doc.get("neurons", []):
        if isinstance(item, dict) and rng.random() < 0.3:
            key = "weight" if "source" in item else "bias"
            if key == "weight" or item.get("role") in ("hidden", "output"):
                item[key] = rng.choice(SANE)


def g_activation(rng, doc):
    for n in doc.get("neurons", []):
        if isinstance(n, dict) and n.get("role") in ("hidden", "output") and rng.random() < 0.5:
            n["activation"] = rng.choice(
                ACTIVATIONS[:8] + (["softmax"] if n["role"] == "output" else [])
            )


def g_training(rng, doc):
    t = doc.setdefault("training", {})
    if isinstance(t, dict):
        t["loss"] = rng.choice(["half_squared_error", "squared_error", "mse",
                                "binary_cross_entropy", "cross_entropy"])  # fmt: skip
        t["optimizer"] = rng.choice(["sgd", "momentum", "rmsprop", "adam"])
        t["learning_rate"] = rng.choice([1e-3, 0.1, 1.0, 10.0, 1e6, 1e300])
        t["batch_size"] = rng.choice([1, 2, 3, 1000])
        for key in ("init", "validation_split", "stop_loss", "shuffle"):
            if rng.random() < 0.2:
                t[key] = {"init": rng.choice(["uniform", "xavier_uniform", "he_normal", "zeros"]),
                          "validation_split": rng.choice([0.0, 0.5, 0.9]),
                          "stop_loss": rng.choice([0.0, 0.1, 1e9]),
                          "shuffle": rng.choice([True, False])}[key]  # fmt: skip


def g_unweight(rng, doc):
    for e in doc.get("edges", []):
        if isinstance(e, dict) and rng.random() < 0.5:
            e.pop("weight", None)  # initialised from training.init


def g_data(rng, doc):
    ins, outs = len(_ids(doc, ("input",))), len(_ids(doc, ("output",)))
    kind = rng.randrange(3)
    if kind == 0:
        doc["data"] = {"samples": [{"x": [rng.choice(SANE) for _ in range(ins)],
                                    "y": [rng.choice([0.0, 1.0, 0.5, 2.0, -1.0])
                                          for _ in range(outs)]}
                                   for _ in range(rng.randrange(1, 5))]}  # fmt: skip
    elif kind == 1 and ins == 2:
        doc["data"] = {"generator": {"name": rng.choice(["xor", "moons", "circles", "spirals"]),
                                     "n": rng.choice([2, 9, 40]), "noise": rng.choice([0, 0.3]),
                                     "classes": 2 if outs <= 2 else outs, "seed": rng.randrange(9)}}  # fmt: skip
    elif ins == 2 and outs == 1:
        doc["data"] = {"csv": "data.csv", "inputs": ["a", "b"], "targets": ["label"]}


def g_label(rng, doc):
    for n in doc.get("neurons", []):
        if isinstance(n, dict) and rng.random() < 0.3:
            n["label"] = rng.choice([s for s in STRINGS if s.isprintable() or not s])
    doc["name"] = rng.choice(STRINGS)


def g_structure(rng, doc):
    """Valid graph changes: frozen parameters, a bias unit, skip edges, removed edges."""
    ns, es = doc.get("neurons"), doc.get("edges")
    if not (isinstance(ns, list) and isinstance(es, list)):
        return
    sources, targets = _ids(doc, ("input", "hidden", "bias")), _ids(doc, ("hidden", "output"))
    kind = rng.randrange(4)
    if kind == 0:
        for item in ns + es:
            if isinstance(item, dict) and rng.random() < 0.3:
                item["trainable"] = False
    elif kind == 1 and targets:
        ns.append({"id": "b9", "role": "bias", "label": "1"})
        es += [{"id": f"bw{i}", "source": "b9", "target": t} for i, t in enumerate(targets)]
    elif kind == 2 and sources and targets:
        pairs = {(e.get("source"), e.get("target")) for e in es if isinstance(e, dict)}
        s, t = rng.choice(_ids(doc, ("input",)) or sources), rng.choice(targets)
        if (s, t) not in pairs:
            es.append({"id": "skip", "source": s, "target": t, "weight": rng.choice(SANE)})
    elif es:
        del es[rng.randrange(len(es))]


GENTLE_MUTATIONS = [g_weights, g_weights, g_activation, g_training, g_training, g_unweight,
                    g_data, g_label, g_structure, g_structure, m_grow]  # fmt: skip

DOC_MUTATIONS = [m_delete, m_retype, m_number, m_number, m_string, m_swap, m_rename_key,
                 m_cycle, m_dangling, m_dangling, m_training, m_training, m_data, m_grow]  # fmt: skip


# --------------------------------------------------------------------------- text mutations
def t_truncate(rng, text: str) -> str:
    return text[: rng.randrange(len(text) + 1)]


def t_duplicate_key(rng, text: str) -> str:
    return text.replace('"id": ', '"id": "dup", "id": ', 1) if rng.random() < 0.5 else (
        text.replace('"weight": ', '"weight": 1, "weight": ', 1))  # fmt: skip


def t_number_text(rng, text: str) -> str:
    spots = [m.span() for m in re.finditer(r"(?<=: )-?\d+(\.\d+)?([eE][-+]?\d+)?", text)]
    if not spots:
        return text
    a, b = rng.choice(spots)
    return text[:a] + rng.choice(NUMBER_TEXT) + text[b:]


def t_bytes(rng, text: str) -> str | bytes:
    raw = text.encode("utf-8", "surrogatepass")
    at = rng.randrange(len(raw) + 1)
    junk = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xef\xbb\xbf", b"\x80\x80"])
    return raw[:at] + junk + raw[at:]


def t_nest(rng, text: str) -> str:
    depth = rng.choice([10, 1000, 100_000])
    return text.replace("{", '{"deep": ' + "[" * depth + "]" * depth + ", ", 1)


def t_wrap(rng, text: str) -> str:
    return rng.choice(["", " ", "[" + text + "]", text + text, "\ufeff" + text, "null",
                       '"just a string"', text + "\n// comment"])  # fmt: skip


TEXT_MUTATIONS = [t_truncate, t_duplicate_key, t_number_text, t_bytes, t_nest, t_wrap]


# --------------------------------------------------------------------------- CSV mutations
def csv_variant(rng: random.Random) -> bytes | str | None:
    """A CSV file for data.csv (None: no file at all)."""
    rows = [["a", "b", "label"], ["0.1", "0.2", "0"], ["0.5", "-0.25", "1"], ["-1", "1e-3", "1"]]
    kind = rng.randrange(16)
    delim = rng.choice([",", ";", "\t", " ", "|", ":"])
    if kind == 0:
        return None
    if kind == 1:
        return ""
    if kind == 2:
        return "a,b,label\n"
    if kind == 3:  # a short or long row
        rows[rng.randrange(1, 4)] = rows[1][: rng.randrange(3)] + ["9"] * rng.randrange(3)
    if kind == 4:
        delim = ";"
        rows = [[c.replace(".", ",") for c in r] for r in rows]
    if kind == 5:
        rows[2][rng.randrange(3)] = rng.choice(["nan", "inf", "", "x", "1e400", "0x1", "1_0",
                                               "\u0663", "--1", "1,2,3"])  # fmt: skip
    if kind == 6:
        return "\ufeff" + "\r\n".join(",".join(r) for r in rows)
    if kind == 7:
        return '"a","b","label"\n"0.1","0.2","0"\n"0.5,"-0.25",1\n'  # unbalanced quote
    if kind == 8:
        return "a,b,label\n" + "1," * 100_000 + "\n"  # a huge row
    if kind == 9:
        return "a,b,label\n" + '"' + "x" * 200_000 + '",1,0\n'  # a field over the csv limit
    if kind == 10:
        return b"a,b,label\n0.1,\xff,1\n"
    if kind == 11:
        return "a,b,label\r0.1,0.2,0\r0.5,0.5,1\r"
    if kind == 12:
        return "a,a,label\n1,2,3\n"
    if kind == 13:
        return "\x00,\x00\n\x00\n"
    if kind == 14:
        return "a,b,label\n" + "\n" * 50 + "1,2,1\n" + ",,\n"
    return "\n".join(delim.join(r) for r in rows) + rng.choice(["", "\n", "\n\n", "\r\n"])


# --------------------------------------------------------------------------- one case
@dataclass
class Case:
    index: int
    seed_name: str
    mutations: list[str] = field(default_factory=list)
    text: str | bytes = ""
    csv: str | bytes | None = None


def make_case(index: int) -> Case:
    rng = random.Random(f"{SEED}:{index}")
    name = rng.choice(sorted(SEEDS) + ["csv_net"] * 2)
    doc = copy.deepcopy(SEEDS[name])
    case = Case(index, name)
    gentle = rng.random() < 0.5  # half the cases stay (mostly) valid: they reach the engine
    for _ in range(rng.choice([1, 1, 2, 3])):
        m = rng.choice(GENTLE_MUTATIONS if gentle else DOC_MUTATIONS)
        m(rng, doc)
        case.mutations.append(m.__name__)
    try:
        text = json.dumps(doc, indent=1, ensure_ascii=rng.random() < 0.5)
    except ValueError:  # NaN from a mutation: write it as Python does, not valid JSON
        text = json.dumps(doc, indent=1, allow_nan=True)
    if not gentle and rng.random() < 0.4:
        t = rng.choice(TEXT_MUTATIONS)
        text = t(rng, text)
        case.mutations.append(t.__name__)
    case.text = text
    case.csv = csv_variant(rng) if rng.random() < (0.3 if gentle else 0.8) else CSV_TEXT
    return case


def every_command(folder: Path) -> list[list[str]]:
    f, out = str(folder / "net.json"), str(folder / "out.json")
    return [["check", f], ["trace", f], ["trace", f, "--all"], ["trace", f, "--format", "text"],
            ["train", f, "--epochs", "2", "--quiet", "--out", out, "--history",
             str(folder / "hist.csv")],
            ["report", f], ["report", f, "--format", "tex"]]  # fmt: skip


def commands(case: Case, folder: Path) -> list[list[str]]:
    if case.index < 0:  # a regression case: every command and option
        return every_command(folder)
    rng = random.Random(f"{SEED}:{case.index}:commands")
    f = str(folder / "net.json")
    trace = ["trace", f] + rng.choice([[], ["--all"], ["--format", "text"], ["--sample", "1"]])
    train = ["train", f, "--epochs", "2", "--quiet"]
    if rng.random() < 0.5:
        train += ["--out", str(folder / "out.json")]
    if rng.random() < 0.3:
        train += ["--history", str(folder / "hist.csv")]
    report = ["report", f] + rng.choice([[], ["--format", "tex"], ["--decimals", "2"]])
    return [["check", f], trace, train, report]


def write_case(case: Case, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    net = folder / "net.json"
    if isinstance(case.text, bytes):
        net.write_bytes(case.text)
    else:
        net.write_bytes(case.text.encode("utf-8", "surrogatepass"))  # raw surrogates too
    if case.csv is not None:
        data = (
            case.csv if isinstance(case.csv, bytes) else case.csv.encode("utf-8", "surrogatepass")
        )
        (folder / "data.csv").write_bytes(data)


class Hang(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds: float):
    """SIGALRM-based: turns a hang inside a command into an exception (main thread, POSIX)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def fire(*_):
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_in_process(argv: list[str]) -> tuple[int, str, str, int]:
    """(exit status, stdout, stderr, number of Python warnings) of one command."""
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue(), len(caught)


def problems(argv: list[str], code: int, out: str, err: str) -> list[str]:
    """What is wrong with one command's outcome (empty: fine)."""
    bad = []
    if "Traceback" in err or "internal error" in err:
        bad.append("traceback or internal error")
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if code == 1:
        if (
            len(lines) != 1
            or not lines[0].startswith("error:")
            or not RUN_FAILURES.search(lines[0])
        ):
            bad.append("exit 1 without a one-line run failure message")
    elif code == 2:
        if not lines or not lines[0].startswith("error:"):
            bad.append("exit 2 without an error line")
    elif code != 0:
        bad.append(f"exit {code}")
    if code != 0 and out:
        bad.append("stdout not empty on failure")
    if code == 0 and argv[0] == "trace" and "--format" not in argv:
        try:
            json.loads(out, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        except ValueError as exc:
            bad.append(f"stdout is not valid JSON ({exc})")
    if code == 0 and argv[0] == "train" and out:
        bad.append("train printed to stdout")
    return bad


@dataclass
class Outcome:
    failures: list[str] = field(default_factory=list)
    codes: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)


def run_case(case: Case, folder: Path, outcome: Outcome) -> None:
    write_case(case, folder)
    started = time.monotonic()
    try:
        with deadline(CASE_SECONDS):
            for argv in commands(case, folder):
                code, out, err, n_warnings = run_in_process(argv)
                outcome.codes[(argv[0], code)] += 1
                if n_warnings:  # numpy overflow warnings: counted, reported (issue 9, item 14)
                    outcome.warnings[argv[0]] += 1
                for why in problems(argv, code, out, err):
                    outcome.failures.append(_describe(case, argv, code, why, err))
    except Hang as exc:
        outcome.failures.append(_describe(case, ["(case)"], -1, str(exc), ""))
    if KEEP and outcome.failures and outcome.failures[-1].startswith(f"case {case.index} "):
        shutil.copytree(folder, Path(KEEP) / f"case{case.index}", dirs_exist_ok=True)
    outcome.codes["seconds"] += time.monotonic() - started


def _describe(case: Case, argv: list[str], code: int, why: str, err: str) -> str:
    cmd = " ".join(a if not a.endswith(".json") else Path(a).name for a in argv[:1] + argv[2:])
    return (f"case {case.index} ({case.seed_name}, {'+'.join(case.mutations)}): "
            f"{cmd} -> exit {code}: {why}: {err.strip()[:300]!r}")  # fmt: skip


# --------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_mutated_files_never_crash(chunk, tmp_path):
    outcome = Outcome()
    for i in range(chunk, CASES, CHUNKS):
        run_case(make_case(i), tmp_path / f"c{i}", outcome)
        shutil.rmtree(tmp_path / f"c{i}", ignore_errors=True)
    summary = ", ".join(f"{k[0]} {k[1]}: {v}" for k, v in sorted(outcome.codes.items(), key=str)
                        if k != "seconds")  # fmt: skip
    print(f"\nchunk {chunk}: {summary}; {outcome.codes['seconds']:.1f} s; "
          f"numpy warnings: {dict(outcome.warnings)}")  # fmt: skip
    assert not outcome.failures, "\n".join(outcome.failures[:20])


def test_some_cases_as_subprocesses(tmp_path):
    """The console entry point as a user runs it: no traceback leaks past main()."""
    rng = random.Random(f"{SEED}:subprocess")
    failures = []
    for index in rng.sample(range(max(CASES, 50)), SUBPROCESS_CASES):
        case = make_case(index)
        folder = tmp_path / f"c{index}"
        write_case(case, folder)
        for argv in commands(case, folder):
            proc = subprocess.run([sys.executable, "-m", "bpstudio", *argv], capture_output=True,
                                  text=True, timeout=120, errors="replace")  # fmt: skip
            err = "\n".join(ln for ln in proc.stderr.splitlines() if "Warning" not in ln)
            for why in problems(argv, proc.returncode, proc.stdout, err):
                failures.append(_describe(case, argv, proc.returncode, why, proc.stderr))
    assert not failures, "\n".join(failures)


def test_the_fuzzer_covers_every_seed_and_mutation():
    """Guard against a fuzzer that quietly stopped mutating (e.g. every case one seed)."""
    cases = [make_case(i) for i in range(max(CASES, 200))]
    assert {c.seed_name for c in cases} == set(SEEDS)
    used = Counter(m for c in cases for m in c.mutations)
    assert set(used) == {m.__name__ for m in GENTLE_MUTATIONS + DOC_MUTATIONS + TEXT_MUTATIONS}
    assert sum(c.csv is None for c in cases) > 0 and len({str(c.csv) for c in cases}) > 10


# --------------------------------------------------------------------------- regressions
# Failures the fuzzer found on main (issue 9), as fixed inputs: each must now pass the same
# checks as a fuzzed case.
def _doc(name: str, edit=None) -> dict:
    doc = copy.deepcopy(SEEDS[name])
    if edit:
        edit(doc)
    return doc


def _label(doc: dict) -> None:  # fuzz case 347: a lone surrogate label crashed train --out
    doc["neurons"][1]["label"] = "\ud800"


def _overflow(doc: dict) -> None:  # fuzz case 674 and others: trace printed NaN / Infinity
    for e in doc["edges"]:
        if e["target"] == "o1":
            e["weight"] = 1.7e308  # z(o1) = 1.7e308 (h1 + h2) overflows to inf


REGRESSIONS = {
    # fuzz case 698: a CSV cell over the csv module's field limit was an internal error
    "csv-field-over-the-csv-limit": (_doc("csv_net"), 'a,b,label\n"' + "x" * 200_000 + '",1,0\n'),
    "csv-unbalanced-quote": (_doc("csv_net"), '"a","b","label"\n"0.1","0.2","0"\n"0.5,"-0.25",1\n'),
    "csv-nul-bytes": (_doc("csv_net"), "\x00,\x00\n\x00\n"),
    "lone-surrogate-label": (_doc("examples/handwritten_221.json", _label), None),
    "overflowing-weight": (_doc("examples/handwritten_221.json", _overflow), None),
}


FIXTURES = Path(__file__).parent / "fixtures" / "fuzz"
# Found by the 20,000-case soak (seed soak20k, case 8873): 1e150 weights in the 8-layer relu
# example; trace says the pass overflowed (exit 1), report died in math.fsum(-inf + inf).
# Both exit 1 naming the overflow now (model/overflow.py; a finite pass whose path products
# overflow: tests/test_overflow_cli.py).
REGRESSIONS["report-overflowing-path-products"] = (
    json.loads((FIXTURES / "report_overflow_fsum.json").read_text(encoding="utf-8")),
    CSV_TEXT,
)


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_fuzzer_regressions(name, tmp_path):
    doc, csv = REGRESSIONS[name]
    case = Case(-1, name, ["regression"], json.dumps(doc, indent=1), csv)
    outcome = Outcome()
    run_case(case, tmp_path, outcome)
    assert not outcome.failures, "\n".join(outcome.failures)
    assert set(outcome.codes) - {"seconds"}  # every command ran
