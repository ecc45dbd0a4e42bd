"""A random user on the real window, over every bundled example (harness: random_user.py).

CI runs ``EPISODES_PER_EXAMPLE`` episodes of ``ACTIONS_PER_EPISODE`` actions on each example
(at least 3,000 actions in all; ``BPSTUDIO_RU_ACTIONS=N`` sets the episode length locally).
``BPSTUDIO_SOAK=100000`` runs a soak of that many actions instead and prints its figures;
``BPSTUDIO_RANDOM_SEED=<seed>`` replays one seed (the seed a failure reported).
"""

from __future__ import annotations

import os
import time
import zlib
from contextlib import contextmanager

import pytest
from random_user import KNOWN_BUGS_PENDING_MERGE, run_random_user, stalls_line

from bpstudio.paths import example_files

ACTIONS_PER_EPISODE = int(os.environ.get("BPSTUDIO_RU_ACTIONS", 340))
EPISODES_PER_EXAMPLE = 1
EXAMPLES = example_files()


def example(name: str):
    return next(p for p in EXAMPLES if p.stem == name)


def seed_for(name: str, k: int = 0) -> int:
    override = os.environ.get("BPSTUDIO_RANDOM_SEED")
    if override:
        return int(override)
    return zlib.crc32(f"{name}/{k}".encode()) % 1_000_000


def fail_on(user, test_id: str = "") -> None:
    if user.failures:
        seen, reports = set(), []
        for f in user.failures:
            if f.signature() not in seen:
                seen.add(f.signature())
                reports.append(f.report(test_id))
        pytest.fail(f"{len(user.failures)} failure(s), {len(reports)} distinct:\n\n"
                    + "\n\n".join(reports[:5]), pytrace=False)  # fmt: skip


@contextmanager
def watched_window(make_window, qtbot, monkeypatch, tmp_path, **window_kw):
    """A real window with the random user's checks on it, taken down after the block; the
    checks' failures are then in ``user.failures``."""
    from random_user import RandomUser, close_window

    user = RandomUser(qtbot, 1, tmp_path)
    user.install(monkeypatch)
    w = make_window(**window_kw)
    try:
        user.attach(w)
        yield user, w
    finally:
        close_window(w)
        user.uninstall()


def csv_in(folder):
    """A two-input CSV file in ``folder`` and the data section that reads it relatively."""
    folder.mkdir(exist_ok=True)
    (folder / "good.csv").write_text("x1,x2,y\n0.05,0.1,0.01\n", encoding="utf-8")
    return {"csv": "good.csv", "inputs": ["x1", "x2"], "targets": ["y"]}


@pytest.mark.skipif(bool(os.environ.get("BPSTUDIO_RU_ACTIONS")), reason="a local override")
def test_ci_runs_at_least_3000_actions_over_all_examples():
    assert len(EXAMPLES) * EPISODES_PER_EXAMPLE * ACTIONS_PER_EPISODE >= 3000


def test_the_checks_are_not_vacuous(make_window, qtbot, monkeypatch, tmp_path):
    """The harness sees an exception in a slot, a Qt warning, a Python warning, an edit
    that bypasses the undo stack, a saved file that reopens different, and an undo-stack
    operation started inside another."""
    import warnings

    from PySide6.QtCore import QTimer, qWarning
    from PySide6.QtGui import QUndoCommand
    from random_user import RandomUser, close_window

    from bpstudio.model import fileformat

    user = RandomUser(qtbot, 1, tmp_path)
    user.install(monkeypatch)
    w = make_window()
    try:
        user.attach(w)

        def boom():
            raise ValueError("boom in a slot")

        QTimer.singleShot(0, boom)
        qtbot.wait(10)
        qWarning("a Qt warning from bpstudio")
        warnings.warn("a Python warning", RuntimeWarning, stacklevel=1)
        w.graph.set_parameters({"w1": 123.0}, {})  # not through the undo stack
        user.checkpoint()
        real_load = fileformat.load

        def load_wrong(path, **kw):  # a file that reads back different from what was saved
            g = real_load(path, **kw)
            g.name += " (changed)"
            return g

        monkeypatch.setattr(fileformat, "load", load_wrong)
        fileformat.save(w.graph, tmp_path / "x.json")  # the spy reopens it

        class Nested(QUndoCommand):  # a push from inside a push (harmless there, not in redo)
            def redo(self):
                if self.text() == "outer":
                    w.undo_stack.push(QUndoCommand("inner"))

        w.undo_stack.push(Nested("outer"))
    finally:
        close_window(w)
        user.uninstall()
    kinds = [f.kind for f in user.failures]
    assert kinds == ["exception", "qt-warning", "python-warning", "undo", "save",
                     "undo-reentry"], kinds  # fmt: skip
    assert "boom in a slot" in user.failures[0].text


def test_a_failed_redo_names_the_first_entry_that_differs(
    make_window, qtbot, monkeypatch, tmp_path
):
    """A redo-all failure of the soak (seed 20261203) said only that the documents differed:
    the report now names the first entry whose redo does not give back what the user had at
    that index, and after which action. The app's slip is played by the test here: a weight
    written beside the undo stack after an entry that sets it."""
    from random_user import RandomUser, close_window

    from bpstudio.qt.commands import MoveNeuronsCommand, SetParametersCommand, graph_parameters

    user = RandomUser(qtbot, 1, tmp_path)
    user.install(monkeypatch)
    w = make_window(path=example("handwritten_221"))
    g = w.graph
    n = next(iter(g.neurons.values()))
    eid = next(iter(g.edges))

    def set_weight():
        user.note("set a weight")
        new = ({eid: 0.5}, {})
        w.undo_stack.push(SetParametersCommand(g, graph_parameters(g), new, "Set w"))

    def slip():
        user.note("a weight written beside the undo stack")
        g.set_parameters({eid: 0.123}, {})

    def move():
        user.note("move")
        w.undo_stack.push(MoveNeuronsCommand(g, {n.id: (n.x, n.y)}, {n.id: (n.x + 30, n.y)}))

    try:
        user.attach(w)
        for act in (set_weight, slip, move):
            user.table = [(1.0, "scripted", act)]
            user.step()
        user.checkpoint()
    finally:
        close_window(w)
        user.uninstall()
    assert [f.kind for f in user.failures] == ["redo"]
    report = user.failures[0].report("test")
    assert "the first redo that differs: entry 0 'Set w'" in report, report
    assert "after action #2 (the stack at 1)" in report, report
    assert "0.123" in report and "0.5" in report


def test_an_action_that_holds_the_gui_thread_leaves_its_stack(
    make_window, qtbot, monkeypatch, tmp_path
):
    """A stall is recorded with where it was: the soak's slowest action once took 103 s and
    said only which action it was."""
    import random_user
    from random_user import RandomUser, close_window

    monkeypatch.setattr(random_user, "STALL_S", 0.2)
    monkeypatch.setattr(random_user, "STALL_PATH", tmp_path / "stalls.txt")
    user = RandomUser(qtbot, 1, tmp_path)
    user.install(monkeypatch)
    w = make_window()

    def a_slow_slot():  # the GUI thread busy in Python, as a slow refresh would be
        deadline = time.perf_counter() + 0.7
        while time.perf_counter() < deadline:
            pass

    def quick():
        user.note("a quick action")

    try:
        user.attach(w)
        user.table = [(1.0, "slow", lambda: (user.note("a slow action"), a_slow_slot()))]
        user.step()
        user.table = [(1.0, "quick", quick)]
        user.step()
    finally:
        close_window(w)
        user.uninstall()
    assert [what for _, what in user.stalls] == [user.log[-2]]
    assert user.log[-2].endswith("a slow action")
    text = (tmp_path / "stalls.txt").read_text()
    assert text.count("in a_slow_slot") >= 2, text  # a stack every 0.2 s while it lasted
    assert "a quick action" not in text
    assert "1 action(s) over 0 s" in stalls_line(user)


@pytest.mark.skipif(bool(os.environ.get("BPSTUDIO_SOAK")), reason="the soak runs instead")
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_random_user_on_example(example, make_window, qtbot, monkeypatch, tmp_path):
    seed = seed_for(example.stem)
    user = run_random_user(make_window, qtbot, monkeypatch, tmp_path, seed,
                           [(example, ACTIONS_PER_EPISODE)] * EPISODES_PER_EXAMPLE)  # fmt: skip
    print(
        f"{example.stem}: seed {seed}, {user.count} actions in {user.elapsed:.1f} s "
        f"({user.count / user.elapsed:.0f} actions/s; CPU {user.cpu:.1f} s), "
        f"{len(user.saved)} files saved"
    )
    slow = sorted(user.seconds.items(), key=lambda kv: -kv[1])[
        : int(os.environ.get("BPSTUDIO_RU_SLOWEST", 6))
    ]
    print("  time by action: " + ", ".join(f"{k} {v:.1f} s/{user.stats[k]}" for k, v in slow))
    print(f"  allowlisted Qt warnings: {user.allowed}; slowest action "
          f"{user.slowest[0]:.2f} s: {user.slowest[1]}; {stalls_line(user)}")  # fmt: skip
    fail_on(user, example.stem)


@pytest.mark.skipif(not os.environ.get("BPSTUDIO_SOAK"), reason="set BPSTUDIO_SOAK=100000")
def test_random_user_soak(make_window, qtbot, monkeypatch, tmp_path):
    total = int(os.environ["BPSTUDIO_SOAK"])
    seed = seed_for("soak")
    episodes, k = [], 0
    while k * ACTIONS_PER_EPISODE < total:
        episodes.append((EXAMPLES[k % len(EXAMPLES)], ACTIONS_PER_EPISODE))
        k += 1
    t0 = time.perf_counter()

    reported = 0

    def progress(user, k):  # one line per episode, so a soak of hours can be watched
        nonlocal reported
        print(f"episode {k + 1}/{len(episodes)}: {user.count} actions, "
              f"{time.perf_counter() - t0:.0f} s, {len(user.failures)} failures", flush=True)  # fmt: skip
        for failure in user.failures[reported:]:  # in full as it happens, not hours later
            print(failure.report("soak"), flush=True)
        reported = len(user.failures)

    user = run_random_user(make_window, qtbot, monkeypatch, tmp_path, seed, episodes, progress)
    dt = time.perf_counter() - t0
    distinct = sorted({f.signature() for f in user.failures})
    print(f"\nsoak: seed {seed}, {user.count} actions, {len(episodes)} episodes, {dt:.0f} s "
          f"({user.count / dt:.0f} actions/s; CPU {user.cpu:.0f} s), {len(user.saved)} files saved, "
          f"{len(user.failures)} failures ({len(distinct)} distinct); known bugs avoided: "
          f"{sorted(KNOWN_BUGS_PENDING_MERGE)}")  # fmt: skip
    for sig in distinct:
        print("  ", sig)
    print(f"allowlisted Qt warnings seen: {user.allowed}")
    print(f"slowest action {user.slowest[0]:.2f} s: {user.slowest[1]}")
    print(stalls_line(user))
    fail_on(user)


def test_a_file_saved_away_from_its_csv_reopens_equal(make_window, qtbot, monkeypatch, tmp_path):
    """Saved into another folder, a relative CSV path is rebased onto the file's folder (it
    still finds the CSV); the harness compares with what the file holds, not with the graph's
    path from its old folder (a false failure of the soak, seed 106934, action 26,740)."""
    from bpstudio.model import fileformat

    old, new = tmp_path / "old", tmp_path / "new"
    new.mkdir()
    data = csv_in(old)
    with watched_window(make_window, qtbot, monkeypatch, tmp_path) as (user, w):
        g = w.graph
        g.base_dir = old
        g.data = data
        fileformat.save(g, new / "net.json")  # the spy reopens it
        assert fileformat.load(new / "net.json").data["csv"] == "../old/good.csv"
    assert user.saved and not user.failures, [f.text for f in user.failures]


def test_a_field_left_mid_edit_commits_before_the_slider_is_judged(
    make_window, qtbot, monkeypatch, tmp_path
):
    """'0.5' typed into L2 and left (no Enter), then the history slider dragged: the field
    commits as the slider takes the focus. That is the field's edit: the harness judges the
    slider after it (a false 'slider changed the document', soak seed 106934, action 39,593)."""
    from bpstudio.paths import examples_dir

    xor = examples_dir() / "xor_241.json"
    with watched_window(make_window, qtbot, monkeypatch, tmp_path, path=xor) as (user, w):
        tools = w.training_tools
        for _ in range(3):
            tools.controller.step()
        qtbot.waitUntil(lambda: tools.scrubber.bar.slider.isEnabled())
        user.type_into(tools.training_panel.l2, "0.5", "none")
        assert w.graph.training.get("l2") in (None, 0, 0.0)  # typed, not committed yet
        monkeypatch.setattr(user.rng, "random", lambda: 0.5)  # the drag
        user.a_scrub()
        assert w.graph.training.get("l2") == 0.5  # committed on the way
    assert not user.failures, [f.text for f in user.failures]


def test_an_autosave_away_from_the_csv_reopens_equal(make_window, qtbot, monkeypatch, tmp_path):
    """The recovery file rebases a relative CSV path onto the recovery folder: the harness
    compares with that, not with the graph's path from its own folder (a false failure of
    the soak, seed 106934, action 22,303)."""
    from bpstudio.qt.commands import SetNetworkCommand

    old = tmp_path / "old"
    data = csv_in(old)
    with watched_window(make_window, qtbot, monkeypatch, tmp_path) as (user, w):
        g = w.graph
        g.base_dir = old
        w.undo_stack.push(SetNetworkCommand(g, {"data": data}, "Use a CSV file"))
        assert w.document.modified
        user.a_autosave()
        assert w.document.slot.network_file.exists()
    assert not user.failures, [f.text for f in user.failures]
