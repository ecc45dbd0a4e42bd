"""The pass controls in the Pass menu: one sample or the batch, which sample, speed, decimals.

The toolbar's controls (PassControls) sit behind its "»" on a narrow window and are hidden
with the toolbar in the lecture layout; the menu and its shortcuts always reach them. Each
action sets the toolbar widget, so the two never disagree and the widget's own signal does
the work (one code path).
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from .controller import MS_PER_SPEED, PassControls

SPEEDS = {"Instant": 0, "Fast": 20, "Medium": 50, "Slow": 100}  # slider values
DECIMALS = (2, 3, 4, 5, 6)


def _radio(menu: QMenu, group: QActionGroup, text: str, checked: bool, slot) -> QAction:
    act = menu.addAction(text)
    act.setCheckable(True)
    act.setChecked(checked)
    group.addAction(act)
    act.triggered.connect(slot)
    return act


class PassMenuControls:
    """Adds the controls to ``menu`` and keeps their check marks in step with the toolbar."""

    def __init__(self, menu: QMenu, controls: PassControls):
        self.controls = c = controls
        menu.addSeparator()
        self.data_group = QActionGroup(menu)
        self.one = _radio(
            menu,
            self.data_group,
            "&One Sample",
            c.mode.currentIndex() == 0,
            lambda: c.mode.setCurrentIndex(0),
        )
        self.batch = _radio(
            menu,
            self.data_group,
            "Whole &Batch",
            c.mode.currentIndex() == 1,
            lambda: c.mode.setCurrentIndex(1),
        )
        self.next_sample = menu.addAction("Ne&xt Sample", lambda: c.sample.stepBy(1))
        self.next_sample.setShortcut(QKeySequence("]"))
        self.previous_sample = menu.addAction("Pre&vious Sample", lambda: c.sample.stepBy(-1))
        self.previous_sample.setShortcut(QKeySequence("["))
        for act, what in ((self.next_sample, "next"), (self.previous_sample, "previous")):
            act.setStatusTip(f"Show the pass of the {what} sample")

        speed_menu = menu.addMenu("&Speed")
        self.speed_group = QActionGroup(speed_menu)
        # a slider position between the presets checks none of them
        self.speed_group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        self.speeds: dict[int, QAction] = {}
        for text, value in SPEEDS.items():
            label = text if value == 0 else f"{text} ({value * MS_PER_SPEED / 1000:.1f} s a layer)"
            self.speeds[value] = _radio(
                speed_menu,
                self.speed_group,
                label,
                c.speed.value() == value,
                lambda _=False, v=value: c.speed.setValue(v),
            )

        decimals_menu = menu.addMenu("&Decimals")
        self.decimals_group = QActionGroup(decimals_menu)
        self.decimals_group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        self.decimals: dict[int, QAction] = {}
        for d in DECIMALS:
            self.decimals[d] = _radio(
                decimals_menu,
                self.decimals_group,
                f"{d} decimals",
                c.decimals.value() == d,
                lambda _=False, v=d: c.decimals.setValue(v),
            )

        c.mode.currentIndexChanged.connect(self._sync)
        c.speed.valueChanged.connect(self._sync)
        c.decimals.valueChanged.connect(self._sync)
        c.sample.valueChanged.connect(self._sync)
        menu.aboutToShow.connect(self._sync)  # the number of samples changes with the data
        self._sync()

    def shortcut_actions(self) -> list[QAction]:
        """Actions whose shortcuts must work with the menu bar hidden (the lecture layout)."""
        return [self.next_sample, self.previous_sample]

    def _sync(self, *_: object) -> None:
        """Check marks follow the toolbar (set there, by a shortcut or by a file's settings)."""
        c = self.controls
        (self.one if c.mode.currentIndex() == 0 else self.batch).setChecked(True)
        for value, act in self.speeds.items():
            act.setChecked(c.speed.value() == value)
        for d, act in self.decimals.items():
            act.setChecked(c.decimals.value() == d)
        n = c.sample.maximum() - c.sample.minimum() + 1
        self.next_sample.setEnabled(c.sample.value() < c.sample.maximum())
        self.previous_sample.setEnabled(c.sample.value() > c.sample.minimum())
        self.next_sample.setText(f"Ne&xt Sample (#{c.sample.value()} of {n})")
