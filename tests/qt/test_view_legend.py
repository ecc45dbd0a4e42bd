"""View → Show Legend hides and shows the editor's key (issue 9, item 7: it raised
"TypeError: LegendWidget.setVisible() takes exactly one argument" and never hid it)."""

from __future__ import annotations


def _action(window, text):
    (act,) = [a for a in window.menus["View"].actions() if a.text().replace("&", "") == text]
    return act


def test_show_legend_toggles_the_key_from_the_view_menu(make_window, qtbot):
    window = make_window()
    act = _action(window, "Show Legend")
    legend = window.view.legend
    assert act.isCheckable() and act.isChecked() and legend.isVisible()
    with qtbot.captureExceptions() as exceptions:
        act.trigger()
        assert not act.isChecked()
        assert not legend.isVisible()
        # View → Lecture Layout and back keeps it hidden
        presentation = _action(window, "Lecture Layout")
        presentation.trigger()
        assert window.pass_tools.presentation.active and not legend.isVisible()
        presentation.trigger()
        assert not window.pass_tools.presentation.active
        assert not legend.isVisible()
        act.trigger()
        assert act.isChecked() and legend.isVisible()
    assert exceptions == []
