"""The table of plots (qt/training PLOTS) drives what the window builds, refreshes and docks.

Each entry of the table is checked on the real window: its plot is built, docked at the
bottom under its title, arranged with the window's plot docks, refreshed on its frame while
training runs (Train > Play), and offered in View > Lecture Plot.
"""

from __future__ import annotations

import pytest

from bpstudio.model import templates
from bpstudio.qt.training import PLOTS


@pytest.fixture
def window(make_window):
    g = templates.xor_241()
    g.training.update(epochs=100_000)
    g.data = {"samples": [{"x": [a, b], "y": [float(a != b)]} for a in (0, 1) for b in (0, 1)]}
    return make_window(g)


def test_every_plot_of_the_table_is_built_docked_and_arranged(window):
    t = window.training_tools
    assert [p.key for p in PLOTS] == list(t.plots)
    bottom = window.dock_groups()["right_bottom"]
    for spec, dock in zip(PLOTS, bottom, strict=True):
        assert dock is t.docks[spec.key] and dock.widget() is t.plots[spec.key]
        assert dock.objectName() == f"training_{spec.key}_dock"
        assert dock.windowTitle() == spec.title
    assert (t.loss_plot, t.grad_plot) == (t.plots["loss"], t.plots["grads"])
    assert (t.boundary_plot, t.activation_plot) == (t.plots["boundary"], t.plots["activations"])


def test_every_plot_of_the_table_is_refreshed_while_training(window, qtbot, monkeypatch):
    t = window.training_tools
    drawn = {key: 0 for key in t.plots}
    for key, plot in t.plots.items():
        original = plot.update_view

        def counted(key=key, original=original):
            drawn[key] += 1
            original()

        monkeypatch.setattr(plot, "update_view", counted)
        dock = t.docks[key]
        dock.setFloating(True)  # each on screen (docked, two share a tab: one is skipped)
        dock.show()
        qtbot.waitExposed(dock)
    qtbot.wait(50)  # the docks' visibilityChanged draws each once: not what is counted
    drawn.update({key: 0 for key in drawn})
    t.actions["play"].trigger()  # Train > Play
    qtbot.waitUntil(lambda: all(n > 0 for n in drawn.values()), timeout=60000)
    t.actions["play"].trigger()
    assert not t.controller._playing


def test_the_lecture_plot_menu_offers_every_plot_of_the_table(window):
    pres = window.pass_tools.presentation
    pres.keep_menu.aboutToShow.emit()
    titles = [a.text() for a in pres.keep_menu.actions()]
    assert titles == ["No Plot", *(p.title for p in PLOTS)]
    assert list(pres.plot_docks()) == [p.key for p in PLOTS]
