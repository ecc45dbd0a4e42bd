"""Large files (issue 9, item 17): layering is linear (no recursion, no per-layer rescans),
computed once, and everything beyond the documented size limits is refused at once with a
message naming the limit. Speed itself is measured by benchmarks/bench_large_files.py, not
asserted here."""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import write_doc
from hypothesis import given, settings
from hypothesis import strategies as st

from bpstudio import cli
from bpstudio.commands import check as check_command
from bpstudio.core import files, limits
from bpstudio.model import compile as compile_mod
from bpstudio.model import file_spec, fileformat
from bpstudio.model.compile import compile_graph, compute_layers, graph_warnings
from bpstudio.model.trace import json_text, run_pass, to_json

DOCS = Path(__file__).resolve().parent.parent / "docs" / "network-format.md"


def chain_doc(depth: int, skip_every: int = 0) -> dict:
    """x -> h1 -> ... -> o with `depth` layers; optionally x also feeds every k-th neuron."""
    neurons = [{"id": "x", "role": "input"}]
    neurons += [{"id": f"h{i}", "role": "hidden", "activation": "tanh"} for i in range(1, depth)]
    neurons.append({"id": "o", "role": "output", "activation": "identity"})
    ids = [n["id"] for n in neurons]
    edges = [
        {"id": f"w{i}", "source": a, "target": b, "weight": 0.9}
        for i, (a, b) in enumerate(zip(ids[:-1], ids[1:], strict=True))
    ]
    if skip_every:
        edges += [
            {"id": f"s{i}", "source": "x", "target": t, "weight": 0.01}
            for i, t in enumerate(ids[2::skip_every])
        ]
    return {
        "format": "bpstudio-network",
        "version": 1,
        "name": "chain",
        "neurons": neurons,
        "edges": edges,
        "training": {"loss": "half_squared_error", "optimizer": "sgd", "learning_rate": 0.1},
        "data": {"samples": [{"x": [0.5], "y": [0.2]}, {"x": [-0.5], "y": [0.1]}]},
    }


def random_dag(rng: np.random.Generator, n: int, p: float) -> dict:
    """Inputs, hidden and outputs in a random order of a random DAG (edges go forward)."""
    roles = ["input", "bias"] + [str(r) for r in rng.choice(["input", "hidden", "output"], n)]
    neurons = []
    for i, role in enumerate(roles):
        d = {"id": f"n{i}", "role": role}
        if role in ("hidden", "output"):
            d["activation"] = "sigmoid"
        neurons.append(d)
    edges = []
    for j in range(len(roles)):
        for i in range(j):
            ok = roles[j] not in ("input", "bias") and roles[i] != "output"
            if ok and rng.random() < p:
                edges.append({"id": f"e{i}_{j}", "source": f"n{i}", "target": f"n{j}"})
    perm = rng.permutation(len(neurons))  # file order unrelated to the topological order
    return {**chain_doc(2), "neurons": [neurons[k] for k in perm], "edges": edges, "data": {}}


def reference_layers(doc: dict) -> dict[str, int]:
    """Longest path from a layer-0 unit, by memoised recursion on a small graph."""
    preds: dict[str, list[str]] = {n["id"]: [] for n in doc["neurons"]}
    for e in doc["edges"]:
        preds[e["target"]].append(e["source"])
    role = {n["id"]: n["role"] for n in doc["neurons"]}
    memo: dict[str, int] = {}

    def layer(nid: str) -> int:
        if nid not in memo:
            if role[nid] in ("input", "bias"):
                memo[nid] = 0
            else:
                memo[nid] = max((layer(p) + 1 for p in preds[nid]), default=1)
        return memo[nid]

    return {nid: layer(nid) for nid in preds}


def test_layering_a_20000_deep_chain_needs_no_recursion():
    g = fileformat.loads(json.dumps(chain_doc(20_000)))
    layers = compute_layers(g)
    assert layers["x"] == 0 and layers["h1"] == 1 and layers["o"] == 20_000
    assert compile_graph(g).n_layers == 20_000


@pytest.mark.parametrize("waves", [0, 1, 3, 64])
def test_layering_matches_longest_paths_on_random_dags(waves, monkeypatch):
    """Both halves of the algorithm: numpy waves, then the per-node loop (waves=0: only it)."""
    monkeypatch.setattr(compile_mod, "_WAVES", waves)
    rng = np.random.default_rng(waves)
    for _ in range(25):
        doc = random_dag(rng, int(rng.integers(1, 40)), float(rng.uniform(0.02, 0.5)))
        compile_mod._last_layering = None
        assert compute_layers(fileformat.from_document(copy.deepcopy(doc))) == reference_layers(doc)


def test_a_reused_layering_is_never_stale():
    doc = chain_doc(5)
    doc["neurons"].append({"id": "lone", "role": "hidden", "activation": "relu"})
    doc["edges"].append({"id": "wl", "source": "lone", "target": "h2"})
    g = fileformat.loads(json.dumps(doc))
    assert compute_layers(g)["o"] == 5 and compute_layers(g)["lone"] == 1
    g.edges["w4"].source = "x"  # o now hangs off the input directly
    assert compute_layers(g)["o"] == 1
    g.neurons["lone"].role = "bias"  # a role change alone changes the layering too
    assert compute_layers(g)["lone"] == 0 and compute_layers(g)["o"] == 1


def test_a_cycle_in_a_deep_graph_is_named():
    doc = chain_doc(300)
    doc["edges"].append({"id": "back", "source": "h299", "target": "h150"})
    with pytest.raises(fileformat.NetworkFileError) as info:
        fileformat.loads(json.dumps(doc))
    (msg,) = info.value.errors
    assert msg.startswith("the edges form a cycle: ") and "h150" in msg and "h299" in msg


def _limit_case(tmp_path, capsys, doc, *commands):
    path = write_doc(tmp_path / "big.json", doc)
    results = []
    for command in commands or ("check", "trace", "train"):
        code = cli.main([command, str(path)])
        out, err = capsys.readouterr()
        assert "Traceback" not in err and (code == 0 or out == "")
        results.append((code, err))
    return results


def test_too_many_layers_is_refused_at_once(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(limits, "MAX_LAYERS", 10)
    for code, err in _limit_case(tmp_path, capsys, chain_doc(11)):
        assert code == 2
        assert "the network has 11 layers, more than the limit of 10 (see Size limits" in err
    assert cli.main(["check", str(write_doc(tmp_path / "ok.json", chain_doc(10)))]) == 0


def test_long_skip_edges_that_widen_the_matrices_are_refused(monkeypatch, tmp_path, capsys):
    """A 200-layer chain whose input feeds every layer: W(l) is 1 x l, 20,100 entries in all."""
    monkeypatch.setattr(limits, "MAX_WEIGHT_ENTRIES", 20_099)
    for code, err in _limit_case(tmp_path, capsys, chain_doc(200, skip_every=1)):
        assert code == 2
        assert "the weight matrices would hold 20,100 entries, more than the limit of 20,099" in err
        assert "W(200) alone is 1 x 200 because layer 200 is fed from as far back as layer 0" in err
    monkeypatch.setattr(limits, "MAX_WEIGHT_ENTRIES", 20_100)
    assert _limit_case(tmp_path, capsys, chain_doc(200, skip_every=1), "trace")[0][0] == 0


@pytest.mark.parametrize("key", ["neurons", "edges"])
def test_too_many_neurons_or_edges_are_refused_before_reading_them(key, monkeypatch, tmp_path,
                                                                   capsys):  # fmt: skip
    monkeypatch.setattr(limits, "MAX_NEURONS" if key == "neurons" else "MAX_EDGES", 30)
    doc = chain_doc(40)
    doc[key][5] = "not even an object"  # refused for its size, before this is looked at
    n = len(doc[key])
    for code, err in _limit_case(tmp_path, capsys, doc):
        assert code == 2 and err.count("error:") == 1
        assert f"{key}: the file has {n} {key}, more than the limit of 30" in err


def test_a_batch_too_large_for_memory_is_refused_with_the_setting_to_change(monkeypatch,
                                                                             tmp_path, capsys):  # fmt: skip
    monkeypatch.setattr(limits, "MAX_ACTIVATIONS", 30)
    doc = chain_doc(4)  # 5 neurons
    doc["data"] = {"samples": [{"x": [i / 10], "y": [0.0]} for i in range(10)]}
    (code, err), = _limit_case(tmp_path, capsys, doc, "train")  # fmt: skip
    assert code == 2
    assert "a training batch of 10 samples through 5 neurons needs 50 activation values" in err
    assert "set training.batch_size to at most 6" in err
    doc["training"]["batch_size"] = 6
    assert [code for code, _ in _limit_case(tmp_path, capsys, doc, "train", "trace")] == [0, 0]
    path = tmp_path / "big.json"
    assert cli.main(["trace", str(path), "--all"]) == 2
    assert "a pass of 10 samples through 5 neurons" in capsys.readouterr().err
    doc["training"]["validation_split"] = 0.9
    (code, err), = _limit_case(tmp_path, capsys, doc, "train")  # fmt: skip
    assert code == 2 and "the validation set of 9 samples" in err


def test_every_limit_is_documented_with_its_value():
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## Size limits") :]
    for value in (
        f"{files.MAX_BYTES // 2**20} MB",
        f"{limits.MAX_NEURONS:,}",
        f"{limits.MAX_EDGES:,}",
        f"{limits.MAX_LAYERS:,}",
        f"{limits.MAX_WEIGHT_ENTRIES:,}",
        f"{limits.MAX_ACTIVATIONS:,}",
        f"{limits.MAX_CSV_ROWS:,}",
        f"{limits.MAX_REPORT_NUMBERS:,}",
    ):
        assert value in section, value


def test_check_prints_a_few_warnings_then_a_count(tmp_path, capsys):
    doc = chain_doc(3)
    doc["neurons"] += [
        {"id": f"lost{i}", "role": "hidden", "activation": "relu"}
        for i in range(check_command.MAX_WARNINGS + 5)
    ]
    code = cli.main(["check", str(write_doc(tmp_path / "w.json", doc))])
    err = capsys.readouterr().err.splitlines()
    assert code == 0 and len(err) == check_command.MAX_WARNINGS + 1
    assert err[-1].endswith("... and 5 more neurons like these (the app marks each one)")


def _reference_warnings(doc: dict) -> dict[str, str]:
    fwd = {n["id"]: set() for n in doc["neurons"]}
    back = {n["id"]: set() for n in doc["neurons"]}
    for e in doc["edges"]:
        fwd[e["source"]].add(e["target"])
        back[e["target"]].add(e["source"])

    def reach(starts, adj):
        seen, todo = set(starts), list(starts)
        while todo:
            for m in adj[todo.pop()] - seen:
                seen.add(m)
                todo.append(m)
        return seen

    roles = {n["id"]: n["role"] for n in doc["neurons"]}
    ins = reach([i for i, r in roles.items() if r == "input"], fwd)
    outs = reach([i for i, r in roles.items() if r == "output"], back)
    why = {}
    for nid, role in roles.items():
        parts = []
        if role in ("hidden", "output") and nid not in ins:
            parts.append("no path from an input")
        if role != "output" and nid not in outs:
            parts.append("no path to an output")
        if parts:
            why[nid] = parts
    return why


def test_graph_warnings_match_a_reference_walk():
    rng = np.random.default_rng(7)
    for _ in range(30):
        doc = random_dag(rng, int(rng.integers(1, 30)), float(rng.uniform(0.0, 0.3)))
        got = graph_warnings(fileformat.from_document(doc))
        want = _reference_warnings(doc)
        assert set(got) == set(want)
        for nid, parts in want.items():
            assert ("no path from an input" in got[nid]) == ("no path from an input" in parts)
            assert ("no path to an output" in got[nid]) == ("no path to an output" in parts)


@pytest.mark.parametrize("block", [1, 2, 8192])  # neurons/edges per piece written
@pytest.mark.parametrize("as_lists", [False, True])
def test_trace_json_text_is_the_trace_document(as_lists, block, monkeypatch):
    from bpstudio.model import trace
    from bpstudio.model.session import dataset
    from bpstudio.paths import example_files

    monkeypatch.setattr(trace, "_BLOCK", block)

    for path in example_files():
        g = fileformat.load(path)
        c, ds = compile_graph(g), dataset(g)
        samples = list(range(min(len(ds), 3))) if as_lists else [0]
        result = run_pass(c, ds, samples, g.training)
        text = json_text(result, as_lists=as_lists)
        assert json.loads(text) == to_json(result, as_lists=as_lists), path.name
        assert text.count("\n") == 7 + len(c.neuron_ids) + len(c.edge_ids)  # one per line
        assert re.search(r"NaN|Infinity", text) is None


def test_a_save_that_could_not_be_opened_again_is_refused(monkeypatch, tmp_path):
    g = fileformat.loads(json.dumps(chain_doc(50)))
    target = tmp_path / "net.json"
    target.write_bytes(b"old\n")
    size = len(fileformat.dumps(g, tmp_path).encode())
    monkeypatch.setattr(fileformat, "MAX_BYTES", size - 1)
    with pytest.raises(fileformat.FileTooLarge, match="larger than the .* that bpstudio opens"):
        fileformat.save(g, target)
    assert target.read_bytes() == b"old\n" and len(list(tmp_path.iterdir())) == 1
    monkeypatch.setattr(fileformat, "MAX_BYTES", size)
    fileformat.save(g, target)
    assert fileformat.load(target).edges.keys() == g.edges.keys()


def test_a_file_with_very_many_errors_prints_a_few_then_a_count(tmp_path, capsys):
    doc = chain_doc(3)
    doc["edges"] += [{"id": f"bad{i}", "source": "x", "target": f"nowhere{i}"} for i in range(80)]
    code = cli.main(["check", str(write_doc(tmp_path / "bad.json", doc))])
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and len(err) == cli.MAX_ERRORS + 1
    assert err[0].endswith("edges[3] (id 'bad0').target 'nowhere0' is not a neuron id")
    assert err[-1] == f"error: ... and {80 - cli.MAX_ERRORS} more errors"


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(
    neuron_extra=st.dictionaries(st.text(), _json_values, max_size=3),
    edge_extra=st.dictionaries(st.text(), _json_values, max_size=3),
    top_extra=st.dictionaries(st.text(), _json_values, max_size=3),
    label=st.text(),
    weight=st.floats(allow_nan=False, allow_infinity=False),
)
def test_dumps_writes_exactly_what_json_dumps_would(neuron_extra, edge_extra, top_extra, label,
                                                     weight):  # fmt: skip
    g = fileformat.loads(json.dumps(chain_doc(3)))
    n = g.neurons["h1"]
    n.extra, n.label = (
        {k: v for k, v in neuron_extra.items() if k not in file_spec.NEURON_KEYS},
        label,
    )
    e = g.edges["w1"]
    e.extra, e.weight = (
        {k: v for k, v in edge_extra.items() if k not in file_spec.EDGE_KEYS},
        weight,
    )
    g.extra = {k: v for k, v in top_extra.items() if k not in file_spec.TOP_KEYS}
    doc = fileformat.to_document(g)
    want = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    assert fileformat.dumps(g) == want


def test_dumps_refuses_what_json_refuses():
    g = fileformat.loads(json.dumps(chain_doc(3)))
    for bad in (float("nan"), float("inf")):
        g.edges["w1"].weight = bad
        with pytest.raises(ValueError):
            fileformat.dumps(g)
    g.edges["w1"].weight = 0.5
    g.neurons["h1"].extra = {"deep": [float("-inf")]}
    with pytest.raises(ValueError):
        fileformat.dumps(g)


def test_a_report_too_large_to_write_is_refused_at_once(tmp_path, capsys):
    """A 20,000-layer chain is within the network limits; its worked example (every factor of
    every path) would take hours: refused from an estimate made before writing anything."""
    path = write_doc(tmp_path / "deep.json", chain_doc(limits.MAX_LAYERS))
    code = cli.main(["report", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    assert re.search(r"the worked example would write about \d{2},\d{3},\d{3} numbers", err)
    assert (
        f"more than the limit of {limits.MAX_REPORT_NUMBERS:,}" in err and "bpstudio trace" in err
    )


def test_the_report_estimate_tracks_what_is_written(monkeypatch, tmp_path, capsys):
    from bpstudio.model import report
    from bpstudio.model.session import dataset

    for doc in (chain_doc(60), chain_doc(40, skip_every=2)):
        g = fileformat.loads(json.dumps(doc))
        c = compile_graph(g)
        numbers = len(re.findall(r"-?\d+\.\d+", report.render_report(g, c, dataset(g))))
        assert numbers / 3 < report.report_size(g, c) < numbers * 3
    monkeypatch.setattr(limits, "MAX_REPORT_NUMBERS", report.report_size(g, c) - 1)
    assert cli.main(["report", str(write_doc(tmp_path / "n.json", chain_doc(40, 2)))]) == 2
    assert "more than the limit" in capsys.readouterr().err


def test_a_full_batch_of_a_million_samples_trains_a_small_network_chunk_by_chunk():
    """Training holds one chunk's activations (core/epoch_state.CHUNK samples) however large
    the batch: XOR 2-4-1 on 1,000,000 samples in one full batch was refused for needing
    7,000,000 activations at once, which it never holds."""
    from bpstudio.core.epoch_state import CHUNK
    from bpstudio.model import templates
    from bpstudio.model.session import make_trainer

    g = templates.xor_241()
    g.data = {"generator": {"name": "xor", "n": 1_000_000, "noise": 0.1, "seed": 2}}
    g.training.update(batch_size=None, validation_split=0.1)
    _, trainer = make_trainer(g)
    assert trainer.batch_size == 900_000 and trainer.net.n_neurons * CHUNK <= limits.MAX_ACTIVATIONS
    stats = trainer.run_epoch()
    assert math.isfinite(stats.train_loss) and math.isfinite(stats.val_loss)


def test_a_network_too_wide_for_one_chunk_is_refused_with_the_batch_that_fits():
    from bpstudio.core.epoch_state import CHUNK
    from bpstudio.model.session import make_trainer

    n = limits.MAX_ACTIVATIONS // CHUNK + 1  # neurons: one chunk is over the limit
    doc = chain_doc(n - 1)  # n neurons
    doc["data"] = {"samples": [{"x": [i / 20_000], "y": [0.0]} for i in range(20_000)]}
    g = fileformat.loads(json.dumps(doc))
    with pytest.raises(limits.TooLarge) as refused:
        make_trainer(g)
    msg = str(refused.value)
    assert f"a chunk of a training batch of {CHUNK:,} samples through {n:,} neurons" in msg
    assert f"set training.batch_size to at most {limits.MAX_ACTIVATIONS // n:,}" in msg
