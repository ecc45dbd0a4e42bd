"""The window and the canvas are the hosts qt/host.py describes.

mypy checks this statically (MainWindow passes itself to install_pass_tools and
install_training_tools; PassTools hands its NetworkScene to CanvasAdapter as a Canvas); this
test checks the same shapes on the live objects, and that the install functions refuse a
host that is not a window.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject

from bpstudio.qt.host import Canvas, PassHost, TrainingHost
from bpstudio.qt.passes import install_pass_tools
from bpstudio.qt.training import install_training_tools


def _members(proto: type) -> set[str]:
    names: set[str] = set()
    for klass in proto.__mro__:
        if klass is object or klass.__name__ == "Protocol" or klass.__name__ == "Generic":
            continue
        names |= {n for n in vars(klass) if not n.startswith("_")}
    return names


@pytest.mark.parametrize("proto", [PassHost, TrainingHost])
def test_the_main_window_has_every_member_of_the_tool_hosts(make_window, proto):
    window = make_window()
    missing = [n for n in sorted(_members(proto)) if not hasattr(window, n)]
    assert not missing, missing
    assert _members(PassHost) >= {"graph", "scene", "view", "menus", "add_dock", "status"}


def test_the_editor_scene_has_every_member_of_the_canvas(make_window):
    scene = make_window().scene
    missing = [n for n in sorted(_members(Canvas)) if not hasattr(scene, n)]
    assert not missing, missing
    assert _members(Canvas) >= {"neuron_item", "edge_item", "place_labels_with", "bulk"}


def test_the_tools_refuse_a_host_that_is_not_a_main_window(qapp):
    with pytest.raises(TypeError, match="QMainWindow"):
        install_pass_tools(QObject())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="QMainWindow"):
        install_training_tools(QObject())  # type: ignore[arg-type]
