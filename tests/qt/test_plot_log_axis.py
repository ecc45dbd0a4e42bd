"""The loss plot's log axis labels powers of ten only, and none past float64's range."""

from __future__ import annotations

import numpy as np


def test_log_ticks_past_float64_get_no_number_and_no_overflow(make_window):
    """A loss near 1e308, padded, puts ticks at 10**309: pyqtgraph's labels overflowed (a
    RuntimeWarning from every paint, random-user soak action 54,733)."""
    w = make_window()
    plot = w.training_tools.loss_plot
    plot.set_log_y(True)
    axis = plot.item.getAxis("left")
    with np.errstate(over="raise"):
        strings = axis.tickStrings([300.0, 305.5, 308.0, 309.0, 310.0], 1.0, 1.0)
    assert strings[0] and strings[2]  # decades get a number
    assert strings[1] == ""  # between decades: none (readable from the back row)
    assert strings[3:] == ["", ""]  # past 1e308: none, and no overflow on the way
    plot.set_log_y(False)
    assert axis.tickStrings([1.0, 2.0], 1.0, 1.0) == ["1", "2"]  # linear: pyqtgraph's own


def test_the_activation_scale_of_values_near_float64s_top_is_finite():
    """The canvas's activation colours span the next power of ten: past 1e308 there is none
    (OverflowError from an exercise's refresh, random-user soak action 88,971)."""
    import math

    from bpstudio.qt.passes.colormap import activation_scale

    assert activation_scale([0.3, -0.9]) == 1.0
    assert activation_scale([3.2]) == 4.0
    assert activation_scale([11.0]) == 100.0 == float(10**2)
    assert activation_scale([2e307]) == float(10**308)
    big = activation_scale([1.5e308, math.inf, math.nan])
    assert big == 1.5e308 and math.isfinite(big)
