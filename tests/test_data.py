"""Data: generator shapes (1 output and one-hot), seeded determinism, CSV delimiters and errors."""

from __future__ import annotations

import numpy as np
import pytest

from bpstudio.core import data

CLASSIFIERS = ["xor", "circles", "moons", "spirals", "gaussians"]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classifier_single_output_shapes(name):
    ds = data.dataset_from_spec({"generator": {"name": name, "n": 37, "seed": 4}}, 2, 1)
    assert ds.X.shape == (37, 2) and ds.Y.shape == (37, 1)
    assert set(np.unique(ds.Y)) <= {0.0, 1.0}
    assert len(set(np.unique(ds.Y))) == 2
    assert np.array_equal(ds.Y[:, 0], ds.labels)
    assert np.all(np.isfinite(ds.X))


ONE_HOT = [(n, 2) for n in CLASSIFIERS] + [(n, k) for n in ("spirals", "gaussians") for k in (3, 5)]


@pytest.mark.parametrize(("name", "classes"), ONE_HOT)
def test_classifier_one_hot_shapes(name, classes):
    spec = {"generator": {"name": name, "n": 40, "seed": 1, "classes": classes}}
    ds = data.dataset_from_spec(spec, 2, classes)
    assert ds.X.shape == (40, 2) and ds.Y.shape == (40, classes)
    assert np.array_equal(ds.Y.sum(axis=1), np.ones(40))
    assert np.array_equal(ds.Y.argmax(axis=1), ds.labels)
    assert set(ds.labels.tolist()) == set(range(classes))


def test_xor_labels_follow_the_quadrant_without_noise():
    ds = data.generate("xor", n=200, noise=0.0, seed=3)
    assert np.array_equal(ds.labels, (ds.X[:, 0] * ds.X[:, 1] < 0).astype(int))


@pytest.mark.parametrize("name", ["linear", "sine"])
def test_regression_shapes(name):
    n_in = 3 if name == "linear" else 1
    ds = data.dataset_from_spec({"generator": {"name": name, "n": 25, "seed": 2}}, n_in, 1)
    assert ds.X.shape == (25, n_in) and ds.Y.shape == (25, 1)
    if name == "sine":
        noiseless = data.generate("sine", n=25, noise=0.0, seed=2)
        np.testing.assert_allclose(noiseless.Y[:, 0], np.sin(noiseless.X[:, 0]), rtol=1e-15)


@pytest.mark.parametrize("name", [*CLASSIFIERS, "linear", "sine"])
def test_generators_are_seeded(name):
    n_in = 1 if name in ("linear", "sine") else 2
    spec = {"generator": {"name": name, "n": 30, "seed": 11, "noise": 0.2}}
    a = data.dataset_from_spec(spec, n_in, 1)
    b = data.dataset_from_spec(spec, n_in, 1)
    assert a.X.tobytes() == b.X.tobytes() and a.Y.tobytes() == b.Y.tobytes()
    other = data.dataset_from_spec({"generator": {**spec["generator"], "seed": 12}}, n_in, 1)
    assert other.X.tobytes() != a.X.tobytes()


def test_generator_output_count_mismatch_is_a_data_error():
    with pytest.raises(data.DataError) as info:
        data.dataset_from_spec({"generator": {"name": "spirals", "classes": 3}}, 2, 2)
    assert "3 classes" in info.value.errors[0] and "2 outputs" in info.value.errors[0]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiters(delimiter, tmp_path):
    rows = [["a", "b", "label"], ["1.5", "-2", "1"], ["0", "3e-2", "0"], ["7", "8", "1"]]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
    ds = data.load_csv(path, ["b", "a"], ["label"])
    assert ds.X.tolist() == [[-2.0, 1.5], [0.03, 0.0], [8.0, 7.0]]
    assert ds.Y.tolist() == [[1.0], [0.0], [1.0]]


def test_csv_with_bom_blank_lines_and_spaces(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("\ufeffx ; y\n 1 ; 2 \n\n3;4\n", encoding="utf-8")
    ds = data.load_csv(path, ["x"], ["y"])
    assert ds.X.tolist() == [[1.0], [3.0]] and ds.Y.tolist() == [[2.0], [4.0]]


def test_csv_non_numeric_cell_names_row_and_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n1,2,0\n3,oops,1\n", encoding="utf-8")
    with pytest.raises(data.DataError) as info:
        data.load_csv(path, ["a", "b"], ["y"], where="data.csv")
    (msg,) = info.value.errors
    assert "row 3" in msg and "'b'" in msg and "'oops'" in msg and msg.startswith("data.csv")


@pytest.mark.parametrize("cell", ["nan", "inf", "", "1e400"])
def test_csv_non_finite_cells_are_refused(cell, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(f"a,y\n1,0\n{cell},1\n", encoding="utf-8")
    with pytest.raises(data.DataError) as info:
        data.load_csv(path, ["a"], ["y"])
    assert "row 3" in info.value.errors[0] and "'a'" in info.value.errors[0]


def test_csv_unknown_column_and_missing_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,y\n1,0\n", encoding="utf-8")
    with pytest.raises(data.DataError) as info:
        data.load_csv(path, ["zz"], ["y"])
    assert "'zz'" in info.value.errors[0]
    with pytest.raises(data.DataError) as info:
        data.load_csv(tmp_path / "missing.csv", ["a"], ["y"])
    assert "missing.csv" in info.value.errors[0]


def test_csv_header_only_and_empty(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,y\n", encoding="utf-8")
    with pytest.raises(data.DataError, match="no rows"):
        data.load_csv(path, ["a"], ["y"])
    path.write_text("", encoding="utf-8")
    with pytest.raises(data.DataError, match="empty"):
        data.load_csv(path, ["a"], ["y"])


def test_split_is_seeded_and_disjoint():
    ds = data.generate("moons", n=50, seed=1)
    train, val = data.split(ds, 0.2, seed=3)
    assert len(val) == 10 and len(train) == 40
    rows = {tuple(r) for r in np.vstack([train.X, val.X])}
    assert rows == {tuple(r) for r in ds.X}
    again_train, again_val = data.split(ds, 0.2, seed=3)
    assert np.array_equal(again_val.X, val.X)
    assert data.split(ds, 0.0, seed=3) == (ds, None)


def test_inline_samples():
    spec = {"samples": [{"x": [1, 2], "y": [3]}, {"x": [4, 5], "y": [6]}]}
    ds = data.dataset_from_spec(spec, 2, 1)
    assert ds.X.tolist() == [[1.0, 2.0], [4.0, 5.0]] and ds.Y.tolist() == [[3.0], [6.0]]
    empty = data.dataset_from_spec({"samples": []}, 2, 1)
    assert empty.X.shape == (0, 2) and empty.Y.shape == (0, 1)


def test_an_unchanged_spec_is_built_once_and_every_reader_gets_its_own_arrays(monkeypatch):
    """The pass, training, the fit check and the data panel read one data section again at
    every edit of the network: the same spec object is generated once (the last few kept),
    another spec (an edit: a new dict) afresh, and no reader sees another's changes."""
    runs = []
    real = data.xor

    def counted(*args, **kw):
        runs.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(data, "xor", counted)
    spec = {"generator": {"name": "xor", "n": 50, "seed": 3}}
    a = data.dataset_from_spec(spec, 2, 1)
    b = data.dataset_from_spec(spec, 2, 1)
    assert len(runs) == 1
    np.testing.assert_array_equal(a.X, b.X)
    a.X[:] = 99.0  # one reader's arrays are its own
    assert not (data.dataset_from_spec(spec, 2, 1).X == 99.0).any()
    edited = {"generator": {"name": "xor", "n": 50, "seed": 4}}  # what an edit sets
    c = data.dataset_from_spec(edited, 2, 1)
    assert len(runs) == 2 and not np.array_equal(c.X, b.X)
    same_text = {"generator": {"name": "xor", "n": 50, "seed": 3}}  # equal, but another dict
    np.testing.assert_array_equal(data.dataset_from_spec(same_text, 2, 1).X, b.X)
    assert len(runs) == 3  # identity, not equality: nothing is compared deeply
    data.dataset_from_spec(spec, 2, 2)  # other widths: built for them
    assert len(runs) == 4
    for k in range(data.SPEC_CACHE_SIZE + 1):  # the cache stays small
        data.dataset_from_spec({"generator": {"name": "xor", "n": 5, "seed": k}}, 2, 1)
    assert len(data._spec_cache) == data.SPEC_CACHE_SIZE


def test_a_csv_source_is_read_again_when_the_file_changes(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    spec = {"csv": "d.csv", "inputs": ["a"], "targets": ["b"]}
    assert data.dataset_from_spec(spec, 1, 1, base_dir=tmp_path).X.tolist() == [[1.0]]
    f.write_text("a,b\n5,6\n7,8\n", encoding="utf-8")
    assert data.dataset_from_spec(spec, 1, 1, base_dir=tmp_path).X.tolist() == [[5.0], [7.0]]
