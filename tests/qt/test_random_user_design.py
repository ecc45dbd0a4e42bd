"""The random user with the issue-15 design actions weighted up (palette drops with and
without "connect fully", layer handles, growing/shrinking/retyping a layer in the Layer
panel, N and Tab, File > New > Fully Connected Network…), checked as every episode is:
undo all gives back the document as opened, redo all the final one, bit for bit."""

from __future__ import annotations

import os

import pytest
from random_user import RandomUser, run_random_user
from test_random_user import fail_on, seed_for

from bpstudio.paths import example_files

ACTIONS = int(os.environ.get("BPSTUDIO_RU_ACTIONS", 250))


@pytest.mark.skipif(
    not os.environ.get("BPSTUDIO_RANDOM_USER"),
    reason="as tests/qt/test_random_user.py: set BPSTUDIO_RANDOM_USER=1 (the open segfault in "
    "QUndoStack.push under the random user, issue 9 notes)",
)
@pytest.mark.parametrize("name", ["handwritten_221", "xor_241"])
def test_random_user_designs(name, make_window, qtbot, monkeypatch, tmp_path):
    heavy = {"palette drop": 30, "layer handle": 10, "layer panel": 30, "design key": 10}
    real_table = RandomUser._action_table

    def table(self):
        return [(heavy.get(n, w), n, fn) for w, n, fn in real_table(self)]

    monkeypatch.setattr(RandomUser, "_action_table", table)
    path = next(p for p in example_files() if p.stem == name)
    seed = seed_for("design/" + name)
    user = run_random_user(make_window, qtbot, monkeypatch, tmp_path, seed,
                           [(path, ACTIONS), (None, ACTIONS // 2)])  # fmt: skip
    done = {k: v for k, v in user.stats.items() if k in heavy}
    print(f"{name}: seed {seed}, {user.count} actions, design actions {done}")
    assert all(done.get(k, 0) > 0 for k in heavy), done
    fail_on(user, name)
