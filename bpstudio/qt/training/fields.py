"""Number fields that never change a typed value silently.

A QDoubleSpinBox/QSpinBox clamps what is typed to its range on Enter (1000000 as the learning
rate became 100) and rounds it to its decimals (1e-13 became 0), without a word. These spin
boxes instead:

* span every value the file format accepts (``model.file_validation.RANGES``), so any file's
  value is shown as it is, and keep all the digits a float has;
* refuse a value outside that span or not a finite number with :attr:`refused`, a sentence
  naming the limit (the field shows the value it had, which is the one in use);
* accept "0,5" and a typographic minus ("−1") as well as "0.5" and "-1".

The panel shows the sentences under the field (see ``training_panel.FieldNote``).
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QSizePolicy, QSpinBox

INT_MAX = 2**31 - 1  # what a QSpinBox can hold
FLOAT_MAX = sys.float_info.max
_PARTIAL = ("", "-", "+", ".", "-.", "+.")


def normalise(text: str) -> str:
    return text.strip().replace(",", ".").replace("−", "-").replace("\u2212", "-")


def _partial_number(t: str) -> bool:
    """What is typed on the way to a number ("-", "1e", "2.5e-")."""
    return t in _PARTIAL or t.lower().endswith(("e", "e-", "e+"))


if TYPE_CHECKING:  # the mixin is only ever combined with a spin box (below)
    _SpinBox = QAbstractSpinBox
else:
    _SpinBox = object


class _Refusing(_SpinBox):
    """The shared parts: the field's name and rule, and the refusal on Enter / focus out."""

    refused: Signal
    NARROWEST = 96  # px: Qt sizes a spin box for its largest value (1.8e308), too wide a column

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()  # the Qt spin box's (the mixin comes first)
        return QSize(min(hint.width(), self.NARROWEST), hint.height())

    if TYPE_CHECKING:  # what NumberSpin / IntSpin (and their Qt bases) provide

        def _parse(self, t: str) -> Any: ...
        def minimum(self) -> Any: ...
        def maximum(self) -> Any: ...
        def value(self) -> Any: ...
        def textFromValue(self, value: Any) -> str: ...

    def _setup(self, name: str, rule: str) -> None:
        self.name = name  # "learning rate"
        self.rule = rule  # "> 0", the file format's words
        self.setKeyboardTracking(False)  # one edit per finished number, not per keystroke
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
        # may be narrower than its widest value (Qt's Minimum policy makes the hint a floor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def _special(self, text: str) -> bool:
        s = self.specialValueText()
        return bool(s) and text.strip() == s

    def _check(self, text: str):
        """(state, sentence or None) for the whole text of the field."""
        t = normalise(text)
        if self._special(text):
            return QValidator.State.Acceptable, None
        if _partial_number(t):
            return QValidator.State.Intermediate, f"“{text.strip()}” is not a number"
        try:
            v = self._parse(t)
        except (ValueError, OverflowError):
            # shown as typed ("nan", "abc"), then refused on Enter with this sentence: a
            # keystroke that silently does nothing is what this module is against
            return QValidator.State.Intermediate, f"“{text.strip()}” is not a number"
        if isinstance(v, float) and not math.isfinite(v):
            return QValidator.State.Intermediate, f"“{text.strip()}” is not a finite number"
        if not self.minimum() <= v <= self.maximum():
            return QValidator.State.Intermediate, (
                f"{text.strip()} is out of range: the {self.name} must be {self.rule}"
            )
        return QValidator.State.Acceptable, None

    def validate(self, text: str, pos: int):
        state, _ = self._check(text)
        return state, text, pos

    def fixup(self, text: str) -> str:
        # called on Enter / focus out with a text validate() did not accept: the field goes
        # back to its value (CorrectToPreviousValue); say why, and which value is kept
        _, why = self._check(text)
        if why:
            self.refused.emit(f"{why}; it stays {self.textFromValue(self.value())}.")
        return text


class NumberSpin(_Refusing, QDoubleSpinBox):
    """A float field: shows 0.05 and 1e-08 (not 0.050000 and 0.0000000100), every digit."""

    refused = Signal(str)

    def __init__(self, name: str, rule: str, lo: float, hi: float = FLOAT_MAX, parent=None):
        super().__init__(parent)
        self.setDecimals(323)  # no rounding: every double down to 1e-308 is kept exactly
        self.setRange(lo, hi)
        self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self._setup(name, rule)

    def _parse(self, t: str) -> float:
        return float(t)

    def textFromValue(self, value: float) -> str:
        # the shortest text that reads back as the same float: the field re-reads its text
        # on Enter and focus out, so a rounded display ("0.123457") would change the value
        text = repr(float(value))
        return text[:-2] if text.endswith(".0") else text

    def valueFromText(self, text: str) -> float:
        if self._special(text):
            return self.minimum()
        try:
            return float(normalise(text))
        except ValueError:
            return self.value()


class IntSpin(_Refusing, QSpinBox):
    """An integer field with the same refusals (a QSpinBox ignores the digits past its max)."""

    refused = Signal(str)

    def __init__(self, name: str, rule: str, lo: int, hi: int = INT_MAX, parent=None):
        super().__init__(parent)
        self.setRange(lo, hi)
        self._setup(name, rule)

    def _parse(self, t: str) -> int:
        v = float(t)  # "1e3" is a fine way to type 1000
        if not math.isfinite(v):
            return v  # type: ignore[return-value]  # refused by _check
        if v != int(v):
            raise ValueError(t)
        return int(v)

    def _check(self, text: str):
        state, why = super()._check(text)
        if state != QValidator.State.Acceptable and not _partial_number(normalise(text)):
            try:
                v = float(normalise(text))
            except ValueError:
                pass
            else:
                if math.isfinite(v) and v != int(v):  # a fraction
                    why = (
                        f"{text.strip()} is not a whole number: the {self.name} must be {self.rule}"
                    )
        return state, why

    def textFromValue(self, value: int) -> str:
        return str(value)

    def valueFromText(self, text: str) -> int:
        if self._special(text):
            return self.minimum()
        try:
            return self._parse(normalise(text))
        except (ValueError, OverflowError):
            return self.value()
