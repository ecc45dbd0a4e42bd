"""The training panel shows the settings in use: a file's missing keys as the one set of
defaults (core/settings.py), the optimizer's own default for its hyperparameters."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from bpstudio.core.settings import DEFAULTS


def _file(tmp_path, training: dict):
    doc = {
        "format": "bpstudio-network",
        "version": 1,
        "name": "bare",
        "neurons": [
            {"id": "x", "role": "input", "x": 0, "y": 0},
            {"id": "o", "role": "output", "activation": "sigmoid", "x": 200, "y": 0},
        ],
        "edges": [{"id": "w", "source": "x", "target": "o", "weight": 0.4}],
        "training": training,
        "data": {"samples": [{"x": [1.0], "y": [1.0]}]},
    }
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_file_without_settings_shows_and_trains_the_defaults(make_window, tmp_path):
    window = make_window(path=_file(tmp_path, {}))
    panel = window.training_tools.training_panel
    assert panel.lr.value() == DEFAULTS.learning_rate == 0.5  # was 0.01 here, 0.5 for New
    assert panel.epochs.value() == DEFAULTS.epochs == 1000
    assert window.training_tools.controller.epochs_setting() == DEFAULTS.epochs
    assert panel.loss.currentText() == DEFAULTS.loss
    assert panel.init.currentText() == DEFAULTS.init
    assert window.graph.training == {}  # showing the defaults writes nothing into the file


def test_rmsprop_shows_its_own_beta2_and_switching_to_adam_shows_adams(make_window, tmp_path,
                                                                       qtbot):  # fmt: skip
    window = make_window(path=_file(tmp_path, {"optimizer": "rmsprop"}))
    panel = window.training_tools.training_panel
    assert not panel.beta2.isHidden() and panel.beta1.isHidden()
    assert panel.beta2.value() == 0.9  # rmsprop's ρ (the panel showed adam's 0.999)
    panel.optimizer.setFocus()
    qtbot.keyClick(panel.optimizer, Qt.Key_Home)  # adam: first in the list
    assert window.graph.training["optimizer"] == "adam"
    assert panel.beta2.value() == 0.999 and not panel.beta1.isHidden()
    assert "beta2" not in window.graph.training  # still the optimizer's default
