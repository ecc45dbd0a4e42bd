"""The window and the canvas are the hosts qt/host.py describes.

mypy checks this statically (MainWindow passes itself to install_pass_tools and
install_training_tools; PassTools hands its NetworkScene to CanvasAdapter as a Canvas); this
test checks the same shapes on the live objects, and that the install functions refuse a
host that is not a window.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDockWidget

from bpstudio.qt.host import Canvas, PassHost, TrainingHost
from bpstudio.qt.passes import install_pass_tools
from bpstudio.qt.training import install_training_tools
from bpstudio.qt.undo import UndoStack


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
    assert _members(PassHost) >= {"undo_stack", "training_tools", "inspector_dock"}
    assert _members(PassHost) >= {"add_file_action"}
    assert _members(TrainingHost) >= {"undo_stack", "scene", "document"}


def test_the_window_members_the_tools_use_are_what_the_host_promises(make_window):
    """The members the exercise and the training controller once looked up by name."""
    window = make_window()
    # the training controller pauses on about_to_change (qt/undo.py), which only this has
    assert isinstance(window.undo_stack, UndoStack)
    assert window.inspector_dock is window.findChild(QDockWidget, "inspector_dock")
    assert window.training_tools is window.pass_tools.presentation.training
    # add_file_action: Check Answers… lands above Quit, in the File menu the user opens
    names = [a.text() for a in window.menus["File"].actions()]
    assert names.index("Check &Answers…") < names.index("&Quit")
    assert names[names.index("Check &Answers…") + 1] == ""  # in a group of its own


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
