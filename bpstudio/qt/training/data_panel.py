# Longer than 400 lines: one panel with three sources (generator, CSV, table) that share one
# undoable write to graph.data.
"""Data panel: a built-in generator, a CSV file, or an editable table of samples.

Whatever is chosen is written to ``graph.data`` (saved in the network file) as one undoable
step; the validation split lives in ``graph.training``. Worked examples have 1-4 samples,
so the table is the first thing shown for them. The noise and the validation split have a
slider beside their field (release_slider.py): one undo step per release or key press, while
the field follows the handle; Regenerate draws the same generator's data with the next seed.

When the data does not fit the network (an input placed after the samples were typed, a
generator of the wrong width) the panel says so and offers the fixes of model/datafit.py
as buttons, each one undo step; the table then shows the data as it is, read-only.

The table (sample_table.py) is updated in place, never cleared: a value typed and committed
with Tab or Enter stays where it was typed and the cursor moves on to the next cell. Its model
formats only the cells on screen, so a wide table costs nothing while the dock is hidden.
"""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...core import data as coredata
from ...model import datafit, feature_inputs
from ...model.graph import Change, ChangeKind, Graph
from ...model.numfmt import general
from .. import places
from ..field_note import FieldNote
from . import dialogs
from .feature_picker import FeaturePicker
from .fields import NumberSpin
from .release_slider import ReleaseSlider
from .sample_table import SampleTable
from .training_panel import push_network

SOURCES = ("samples", "generator", "csv")
SOURCE_TEXT = {"samples": "Table of samples", "generator": "Generator", "csv": "CSV file"}
TABLE_SHOW_MAX = 500  # rows shown for generated/CSV data (read-only)
# "Edit as table" beyond this: every sample becomes a table row and JSON in the file; a
# million of them froze the window and took gigabytes (the table is for worked examples)
TABLE_EDIT_MAX = 2000


MINUSES = "\u2212\u2013\uff0d"  # the typographic minus (what the canvas shows), en dash, full-width


def parse_cell(text: str) -> tuple[float | None, str]:
    """(value, "") or (None, why not). Accepts "0,3" (decimal comma) and "−1" (unicode minus)."""
    t = text.strip()
    for m in MINUSES:
        t = t.replace(m, "-")
    t = t.replace(",", ".")
    if not t:
        return None, "the cell is empty: type a number"
    try:
        v = float(t)
    except ValueError:
        return None, f"{text.strip()!r} is not a finite number"
    if math.isnan(v):
        return None, f"{text.strip()!r} is not a finite number"
    if math.isinf(v):
        return None, f"{text.strip()!r} is too large (not a finite number)"
    return v, ""


SEED_MAX = 2_000_000_000  # the seed field's largest value


def _slider_row(slider: ReleaseSlider, field: QWidget) -> QHBoxLayout:
    """A slider with its number field beside it (the field for typing exact values)."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(slider, 1)
    field.setMaximumWidth(90)
    row.addWidget(field)
    return row


class DataPanel(QWidget):
    def __init__(self, graph: Graph, undo_stack=None, base_dir=None, parent=None):
        super().__init__(parent)
        self.graph = graph
        self.undo_stack = undo_stack
        self._base_dir = base_dir  # callable () -> Path | None
        self._csv_text: tuple[str, coredata.csvtable.CsvTable] | None = None  # path, table
        self._filling = False

        self.source = QComboBox()
        for key in SOURCES:
            self.source.addItem(SOURCE_TEXT[key], key)
        self.source.activated.connect(self._source_chosen)
        self.source.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.source.setMinimumContentsLength(10)  # its longest entry must not widen the column
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020; font-size: 12pt;")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)  # a long summary wraps: the column stays narrow

        # ---- what does not fit, and the fixes (shown only then)
        self.fit_box = QGroupBox("Data does not fit")
        self.fit_box.setStyleSheet("QGroupBox { font-weight: bold; }")
        self.fit_label = QLabel("")
        self.fit_label.setWordWrap(True)
        self.fit_label.setStyleSheet("color: #8a3a00; font-weight: normal;")
        self.fit_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._fit_buttons_box = QWidget()
        self._fit_buttons = QVBoxLayout(self._fit_buttons_box)
        self._fit_buttons.setContentsMargins(0, 0, 0, 0)
        fl = QVBoxLayout(self.fit_box)
        fl.addWidget(self.fit_label)
        fl.addWidget(self._fit_buttons_box)
        self.fit_box.hide()
        self.misfit: datafit.Misfit | None = None
        self.fix_buttons: dict[str, QPushButton] = {}  # fix text -> its button (tests click them)
        self.fix_choices: dict[str, QComboBox] = {}  # fix text -> which column, for a drop
        self._fit_key: tuple | None = None

        # ---- generator page
        self.gen_name = QComboBox()
        self.gen_name.addItems(list(coredata.GENERATORS))
        self.gen_n = QSpinBox()
        self.gen_n.setRange(1, 1_000_000)
        self.gen_noise = QDoubleSpinBox()
        self.gen_noise.setRange(0.0, 10.0)
        self.gen_noise.setDecimals(3)
        self.gen_noise.setSingleStep(0.05)
        self.gen_seed = QSpinBox()
        self.gen_seed.setRange(0, SEED_MAX)
        self.gen_classes = QSpinBox()
        self.gen_classes.setRange(2, 50)
        for w in (self.gen_n, self.gen_noise, self.gen_seed, self.gen_classes):
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda _=None: self._generator_edited())
        self.gen_name.activated.connect(lambda _=None: self._generator_edited())
        # the noise as a slider too (0 to 1 in steps of 0.01; the field takes larger values):
        # one undo step and one new data set per release, not per position passed
        self.noise_slider = ReleaseSlider(0.0, 1.0, 100)
        self.noise_slider.setToolTip("Noise of the generated data (one undo step per release)")
        self.noise_slider.previewed.connect(lambda v: self._preview(self.gen_noise, v))
        self.noise_slider.committed.connect(self._noise_slid)
        self.noise_slider.unchanged.connect(self.refresh)
        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.setToolTip("New random data of the same kind: a new seed (undoable)")
        self.regenerate_button.clicked.connect(self.regenerate)
        self.to_table_button = QPushButton("Edit as table")
        self.to_table_button.setToolTip("Copy the data into an editable table of samples")
        self.to_table_button.clicked.connect(self.convert_to_table)
        gen = QWidget()
        gf = QFormLayout(gen)
        gf.addRow("Data set", self.gen_name)
        gf.addRow("Samples n", self.gen_n)
        gf.addRow("Noise", _slider_row(self.noise_slider, self.gen_noise))
        gf.addRow("Seed", self.gen_seed)
        gf.addRow("Classes", self.gen_classes)
        row = QHBoxLayout()
        row.addWidget(self.regenerate_button)
        row.addWidget(self.to_table_button)
        gf.addRow(row)

        # ---- CSV page
        self.csv_button = QPushButton("Import CSV…")
        self.csv_button.clicked.connect(self.import_csv_dialog)
        self.csv_path = QLabel("no file")
        self.csv_path.setWordWrap(True)
        self.inputs_list = QListWidget()
        self.targets_list = QListWidget()
        for lst in (self.inputs_list, self.targets_list):
            lst.setMaximumHeight(130)
        self.csv_apply = QPushButton("Use these columns")
        self.csv_apply.clicked.connect(self.apply_csv_columns)
        csvw = QWidget()
        cl = QVBoxLayout(csvw)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.csv_button)
        cl.addWidget(self.csv_path)
        pick = QHBoxLayout()
        for title, lst in (("Inputs", self.inputs_list), ("Targets", self.targets_list)):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(lst)
            pick.addWidget(box)
        cl.addLayout(pick)
        cl.addWidget(self.csv_apply)

        # ---- table page buttons
        self.add_row_button = QPushButton("Add sample")
        self.add_row_button.clicked.connect(self.add_sample)
        self.remove_row_button = QPushButton("Remove sample")
        self.remove_row_button.clicked.connect(self.remove_samples)
        tablew = QWidget()
        tl = QHBoxLayout(tablew)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.add_row_button)
        tl.addWidget(self.remove_row_button)

        self.pages = QStackedWidget()
        self.pages.addWidget(tablew)
        self.pages.addWidget(gen)
        self.pages.addWidget(csvw)

        # the file format's range (model/fileformat RANGES): 0.95 typed is refused with a note
        # under the field (a QDoubleSpinBox clamped it to 0.9 without a word)
        self.val_split = NumberSpin("validation split", "in [0, 0.9]", 0.0, 0.9)
        self.val_split.setStepType(QAbstractSpinBox.StepType.DefaultStepType)
        self.val_split.setSingleStep(0.05)
        self.val_split.valueChanged.connect(self._split_edited)
        self.val_split_note = FieldNote()
        self.val_split.refused.connect(self.val_split_note.say)
        self.split_slider = ReleaseSlider(0.0, 0.9, 90)
        self.split_slider.setToolTip(
            "Fraction of the samples held out for the validation loss (one undo step per release)"
        )
        self.split_slider.previewed.connect(lambda v: self._preview(self.val_split, v))
        self.split_slider.committed.connect(lambda v: self._split_edited(v, merge=False))
        self.split_slider.unchanged.connect(self.refresh)

        self.table = SampleTable()
        self.table.model().edited.connect(self._cell_edited)
        self.features = FeaturePicker(graph, undo_stack)  # derived inputs (x₁², sin x, …)

        top = QFormLayout()
        top.addRow("Source", self.source)
        top.addRow("Validation split", _slider_row(self.split_slider, self.val_split))
        top.addRow(self.val_split_note)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.pages)
        lay.addWidget(self.features)
        lay.addWidget(self.fit_box)
        lay.addWidget(self.error)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)

        self._tokens: dict[str, object] = {}
        # the (input, target) column names the table shows (None: not filled yet)
        self._shown_columns: tuple[list[str], list[str]] | None = None
        graph.subscribe(self._on_change)
        self.refresh()

    # ---------------------------------------------------------------- helpers
    def base_dir(self) -> Path | None:
        d = self._base_dir() if callable(self._base_dir) else self._base_dir
        if d is None:
            d = self.graph.base_dir
        return Path(d) if d else None

    def kind(self) -> str:
        for k in SOURCES:
            if k in self.graph.data:
                return k
        return "samples"

    def _show_page(self, index: int) -> None:
        # a stacked widget is as tall as its tallest page: let only the current one count
        for i in range(self.pages.count()):
            pol = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            page = self.pages.widget(i)
            assert page is not None  # i < count()
            page.setSizePolicy(pol, pol)
        self.pages.setCurrentIndex(index)
        self.pages.adjustSize()

    def _push_data(
        self, data: dict, text: str, token_key: str | None = None, keep_features: bool = True
    ) -> bool:
        """One undo step setting graph.data; False when nothing changed. A new generator or
        CSV source keeps the derived features (their input neurons stay on the canvas)."""
        if keep_features and "features" not in data and "samples" not in data:
            kept = feature_inputs.kept_features(self.graph, data)  # those for its width
            if kept:
                data = {**data, "features": kept}
        if data == self.graph.data:
            return False
        token = self._tokens.setdefault(token_key, object()) if token_key else None
        push_network(self.graph, self.undo_stack, {"data": data}, text, token)
        return True

    def _columns(self) -> tuple[list[str], list[str]]:
        ins = [n.display_label for n in self.graph.inputs()]
        outs = [n.display_label for n in self.graph.outputs()]
        return ins, [f"target {o}" for o in outs]

    # ---------------------------------------------------------------- model -> widgets
    def _on_change(self, ch: Change) -> None:
        settings = ch.kind == ChangeKind.NETWORK_CHANGED and {"data", "training"} & set(ch.keys)
        if ch.kind == ChangeKind.RESET or settings:
            self.refresh()
        elif ch.kind in (ChangeKind.NEURON_ADDED, ChangeKind.NEURON_REMOVED) or (
            ch.kind == ChangeKind.NEURON_CHANGED and {"role", "label"} & set(ch.keys)
        ):
            if self._columns() == self._shown_columns:
                return  # a hidden neuron: the table's columns are the same (refilling a
                # 64 x 200 table per deleted neuron froze the window for seconds)
            self.refresh()

    def refresh(self) -> None:
        self._shown_columns = self._columns()
        self._filling = True
        try:
            kind = self.kind()
            self.misfit = datafit.graph_misfit(self.graph, self.base_dir())
            self._show_misfit(self.misfit)
            with QSignalBlocker(self.source):
                self.source.setCurrentIndex(SOURCES.index(kind))
            self._show_page(SOURCES.index(kind))
            with QSignalBlocker(self.val_split):
                self.val_split.setValue(self.graph.settings.validation_split)
            self.split_slider.show_value(self.graph.settings.validation_split)
            if kind == "generator":
                g = self.graph.data.get("generator") or {}
                for w, key, default in (
                    (self.gen_n, "n", 200),
                    (self.gen_seed, "seed", 1),
                    (self.gen_classes, "classes", 2),
                ):
                    with QSignalBlocker(w):
                        w.setValue(int(g.get(key, default)))
                with QSignalBlocker(self.gen_noise):
                    self.gen_noise.setValue(float(g.get("noise", 0.1)))
                self.noise_slider.show_value(float(g.get("noise", 0.1)))
                with QSignalBlocker(self.gen_name):
                    self.gen_name.setCurrentText(str(g.get("name", "xor")))
            elif kind == "csv":
                self.csv_path.setText(str(self.graph.data.get("csv")))
            self._fill_table(kind)
        finally:
            self._filling = False

    def _fill_table(self, kind: str) -> None:
        ins, outs = self._columns()
        m = self.misfit
        w_in, w_out = m.widths if m is not None else (len(ins), len(outs))
        headers = [ins[c] if c < len(ins) else f"column {c + 1} (no input)" for c in range(w_in)]
        headers += [
            outs[c] if c < len(outs) else f"target {c + 1} (no output)" for c in range(w_out)
        ]
        editable = kind == "samples" and m is None
        self.error.setText("")
        rows: list[list[float | None]] = []
        if kind == "samples":
            for s in self.graph.data.get("samples", []):
                x = list(s.get("x", [])) if isinstance(s, dict) else []
                y = list(s.get("y", [])) if isinstance(s, dict) else []
                x = (x + [None] * w_in)[:w_in]
                y = (y + [None] * w_out)[:w_out]
                rows.append(x + y)
            n = len(rows)
            how = "double-click a cell to edit" if editable else "read-only until the data fits"
            self.summary.setText(f"{n} sample{'s' * (n != 1)}; {how}")
        else:
            try:
                ds = coredata.dataset_from_spec(
                    self.graph.data, w_in, w_out, base_dir=self.base_dir()
                )
            except coredata.DataError as exc:
                self.error.setText("\n".join(exc.errors))
                self.summary.setText("")
                ds = None
            if ds is not None:
                for x, y in zip(ds.X[:TABLE_SHOW_MAX], ds.Y[:TABLE_SHOW_MAX], strict=True):
                    rows.append([*x.tolist(), *y.tolist()])
                more = f" (first {TABLE_SHOW_MAX} shown)" if len(ds) > TABLE_SHOW_MAX else ""
                self.summary.setText(f"{len(ds)} samples{more}, read-only")
        self._set_table(headers, rows, editable)
        self.add_row_button.setEnabled(editable)
        self.remove_row_button.setEnabled(editable)

    def _set_table(
        self, headers: list[str], rows: list[list[float | None]], editable: bool
    ) -> None:
        """Show rows. The model formats only the cells on screen, and it is updated in place
        (never cleared): a commit with Tab/Enter re-enters here (the edit pushes an undo step,
        the graph says "data changed") while Qt is moving the editor to the next cell, and a
        table cleared under it sent the next typed value to the wrong cell."""
        self.table.model().set_content(headers, rows, editable)

    # ---------------------------------------------------------------- data that does not fit
    def _show_misfit(self, m: datafit.Misfit | None) -> None:
        key = (
            None
            if m is None
            else (
                tuple(m.problems),
                tuple((f.text, tuple(o[0] for o in f.options)) for f in m.fixes),
            )
        )
        if key == self._fit_key:
            return
        self._fit_key = key
        while self._fit_buttons.count():
            item = self._fit_buttons.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.hide()
                w.deleteLater()  # a fix's own click handler may be running: delete later
        self.fix_buttons, self.fix_choices = {}, {}
        self.fit_box.setVisible(m is not None)
        if m is None:
            self.fit_label.setText("")
            return
        text = " ".join(m.problems)
        if self.kind() == "csv":
            text += " Or import the CSV file again and pick the columns."
        self.fit_label.setText(text)
        for fix in m.fixes:
            row = QWidget()
            rl = QHBoxLayout(row)
            rl.setContentsMargins(0, 0, 0, 0)
            button = QPushButton(fix.text)
            button.setToolTip(fix.tip)
            choice = None
            if len(fix.options) > 1:
                choice = QComboBox()
                choice.addItems([label for label, _ in fix.options])
                choice.setToolTip("Which column to drop")
                self.fix_choices[fix.text] = choice
            button.clicked.connect(
                lambda _=False, f=fix, c=choice: self.apply_fix(
                    f, c.currentIndex() if c is not None else 0
                )
            )
            rl.addWidget(button, 1)
            if choice is not None:
                rl.addWidget(choice)
            self.fix_buttons[fix.text] = button
            self._fit_buttons.addWidget(row)

    def apply_fix(self, fix: datafit.Fix, option: int = 0) -> bool:
        """One undo step that makes (or brings closer) the data to fit the network."""
        try:
            data = fix.data(option)
        except coredata.DataError as exc:
            self.error.setText("\n".join(exc.errors))
            return False
        label = fix.options[option][0]
        self._push_data(data, f"{fix.text} {label}".strip(), keep_features=False)
        return True

    # ---------------------------------------------------------------- sources
    def _source_chosen(self, index: int) -> None:
        kind = SOURCES[index]
        if kind == self.kind():
            return
        if kind == "samples":
            self.convert_to_table()
        elif kind == "generator":
            spec = {"name": "xor", "n": 200, "noise": 0.1, "seed": 1, "classes": 2}
            n_in, n_out = feature_inputs.raw_dims(self.graph), len(self.graph.outputs())
            spec = datafit.refit_generator(spec, n_in, n_out) or spec  # one that fits, if any
            self._push_data({"generator": spec}, "Use generated data")
        else:
            self._show_page(2)  # wait for a file; the data changes on "Use"
            if self._csv_text is None:
                self.import_csv_dialog()

    def _generator_edited(self) -> None:
        if self._filling:
            return
        spec = {
            "name": self.gen_name.currentText(),
            "n": int(self.gen_n.value()),
            "noise": float(self.gen_noise.value()),
            "seed": int(self.gen_seed.value()),
            "classes": int(self.gen_classes.value()),
        }
        self._push_data({"generator": spec}, f"Generate {spec['name']} data", "generator")

    @staticmethod
    def _preview(field: QDoubleSpinBox, value: float) -> None:
        """The number beside a slider follows the handle while it is dragged (nothing else
        changes until the release)."""
        with QSignalBlocker(field):
            field.setValue(value)

    def _noise_slid(self, value: float) -> None:
        """A slider release (or key step) sets the noise: its own undo step, never merged."""
        if self._filling or self.kind() != "generator":
            return
        g = copy.deepcopy(self.graph.data.get("generator")) or {}
        g["noise"] = value
        if not self._push_data({"generator": g}, f"Set noise {general(value)}"):
            self.refresh()  # the same noise: the field shows the file's value again

    def regenerate(self) -> None:
        """The same generator with a new seed: new random data, one undo step."""
        g = copy.deepcopy(self.graph.data.get("generator"))
        if not isinstance(g, dict):
            return
        g["seed"] = (int(g.get("seed", 1)) + 1) % (SEED_MAX + 1)  # the seed field's range
        self._push_data({"generator": g}, "Regenerate data")

    def convert_to_table(self) -> None:
        """The current data (any source) as an inline table of samples (at its own width)."""
        ins, outs = self._columns()
        w_in, w_out = self.misfit.widths if self.misfit is not None else (len(ins), len(outs))
        try:
            ds = coredata.dataset_from_spec(self.graph.data, w_in, w_out, base_dir=self.base_dir())
        except coredata.DataError:
            ds = None
        if ds is not None and len(ds) > TABLE_EDIT_MAX:
            self.refresh()  # the source box goes back to what the data still is
            self.error.setText(
                f"{len(ds):,} samples are too many to edit as a table (at most "
                f"{TABLE_EDIT_MAX:,}): lower the number of samples first"
            )
            return
        samples = (
            [{"x": x.tolist(), "y": y.tolist()} for x, y in zip(ds.X, ds.Y, strict=True)]
            if ds is not None
            else []
        )
        self._push_data({"samples": samples}, "Use a table of samples")

    def _split_edited(self, v: float, merge: bool = True) -> None:
        """Typed values merge into one undo step while the field is edited; a slider release
        (``merge=False``) is an undo step of its own."""
        self.val_split_note.say("")  # a value in range was accepted
        new = copy.deepcopy(self.graph.training)
        if float(v) == 0.0:
            if "validation_split" not in new:
                self.refresh()
                return
            del new["validation_split"]
        else:  # 10 places: what is typed, without the 0.15000000000000002 of three arrow steps
            new["validation_split"] = round(float(v), 10)
        if new == self.graph.training:
            self.refresh()
            return
        token = self._tokens.setdefault("split", object()) if merge else None
        push_network(self.graph, self.undo_stack, {"training": new}, "Set validation split", token)

    # ---------------------------------------------------------------- the table
    def _cell_edited(self, r: int, c: int, text: str) -> None:
        if self._filling or self.kind() != "samples" or self.misfit is not None:
            return
        samples = self._samples_from_model()
        if not 0 <= r < len(samples):
            return
        n_in = len(self.graph.inputs())
        row = samples[r]["x"] if c < n_in else samples[r]["y"]
        k = c if c < n_in else c - n_in
        v, why = parse_cell(text)
        if v is None:
            header = self.table.horizontalHeaderItem(c)
            col = header.text() if header is not None else str(c + 1)
            self.error.setText(f"row {r + 1}, column {col!r}: {why}; it keeps {general(row[k])}")
            self.refresh_keep_error()  # the cell shows the old value again
            return
        row[k] = v
        if self._push_data({"samples": samples}, f"Edit sample {r + 1}") is False:
            self.refresh()  # the same number typed differently ("0,5" for 0.5): show it tidy

    def refresh_keep_error(self) -> None:
        err = self.error.text()
        self.refresh()
        self.error.setText(err)

    def _samples_from_model(self) -> list[dict]:
        n_in, n_out = len(self.graph.inputs()), len(self.graph.outputs())
        out = []
        for s in self.graph.data.get("samples", []):
            x = [float(v) for v in (s.get("x") or [])][:n_in]
            y = [float(v) for v in (s.get("y") or [])][:n_out]
            out.append({"x": x + [0.0] * (n_in - len(x)), "y": y + [0.0] * (n_out - len(y))})
        return out

    def add_sample(self) -> None:
        samples = self._samples_from_model()
        n_in, n_out = len(self.graph.inputs()), len(self.graph.outputs())
        samples.append(
            copy.deepcopy(samples[-1]) if samples else {"x": [0.0] * n_in, "y": [0.0] * n_out}
        )
        self._push_data({"samples": samples}, "Add sample")

    def remove_samples(self) -> None:
        rows = self.table.selected_rows()
        if not rows and self.table.rowCount():
            rows = [self.table.rowCount() - 1]
        samples = [s for i, s in enumerate(self._samples_from_model()) if i not in rows]
        self._push_data({"samples": samples}, f"Remove {len(rows)} sample(s)")

    # ---------------------------------------------------------------- CSV
    def import_csv_dialog(self) -> None:
        path = dialogs.ask_csv_path(self, str(places.start_dir()))
        if path and self.load_csv(path):
            places.remember(path)

    def load_csv(self, path: str | os.PathLike) -> bool:
        """Read a CSV file and offer its columns; nothing changes until 'Use these columns'."""
        try:
            table = coredata.read_csv_file(os.fspath(path))
        except coredata.DataError as exc:
            self.error.setText("\n".join(exc.errors))
            return False
        header = table.header
        self._csv_text = (str(path), table)
        self._show_page(2)
        self.csv_path.setText(f"{Path(path).name}: {len(table)} rows, columns {', '.join(header)}")
        n_in, n_out = feature_inputs.raw_dims(self.graph), len(self.graph.outputs())
        for lst, chosen in (
            (self.inputs_list, set(header[:n_in])),
            (self.targets_list, set(header[n_in : n_in + n_out])),
        ):
            lst.clear()
            for h in header:
                it = QListWidgetItem(h)
                it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                it.setCheckState(Qt.CheckState.Checked if h in chosen else Qt.CheckState.Unchecked)
                lst.addItem(it)
        self.error.setText("")
        return True

    @staticmethod
    def _checked(lst: QListWidget) -> list[str]:
        return [
            lst.item(i).text()
            for i in range(lst.count())
            if lst.item(i).checkState() == Qt.CheckState.Checked
        ]

    def apply_csv_columns(self) -> bool:
        if self._csv_text is None:
            self.error.setText("import a CSV file first")
            return False
        path, table = self._csv_text
        inputs, targets = self._checked(self.inputs_list), self._checked(self.targets_list)
        # the data's own columns: derived features add theirs (feature_inputs.raw_dims)
        n_in, n_out = feature_inputs.raw_dims(self.graph), len(self.graph.outputs())
        errors = []
        if len(inputs) != n_in:
            errors.append(
                f"pick {n_in} input column{'s' * (n_in != 1)} (the network has "
                f"{n_in} inputs); {len(inputs)} picked"
            )
        if len(targets) != n_out:
            errors.append(
                f"pick {n_out} target column{'s' * (n_out != 1)} (the network has "
                f"{n_out} outputs); {len(targets)} picked"
            )
        if not len(table):
            errors.append(f"{Path(path).name} has a header but no rows")
        if not errors:
            try:
                coredata.csv_columns(table, inputs + targets)
            except coredata.DataError as exc:
                errors = exc.errors
        if errors:
            self.error.setText("\n".join(errors))
            return False
        ref = Path(path)
        base = self.base_dir()
        if base is not None:
            try:
                ref = Path(os.path.relpath(Path(path).resolve(), base.resolve()))
            except ValueError:  # another drive on Windows
                ref = Path(path).resolve()
        self._push_data(
            {"csv": ref.as_posix(), "inputs": inputs, "targets": targets}, f"Use {Path(path).name}"
        )
        return True

    def close_panel(self) -> None:
        self.graph.unsubscribe(self._on_change)
        self.features.close_panel()
