"""Data panel: a built-in generator, a CSV file, or an editable table of samples.

Whatever is chosen is written to ``graph.data`` (saved in the network file) as one undoable
step; the validation split lives in ``graph.training``. Worked examples have 1-4 samples,
so the table is the first thing shown for them.
"""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
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
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core import data as coredata
from ...model.graph import Change, Graph
from . import dialogs
from .training_panel import push_network

SOURCES = ("samples", "generator", "csv")
SOURCE_TEXT = {"samples": "Table of samples", "generator": "Generator", "csv": "CSV file"}
TABLE_SHOW_MAX = 500  # rows shown for generated/CSV data (read-only)


def _fmt(v: float) -> str:
    return f"{v:.6g}"


class DataPanel(QWidget):
    def __init__(self, graph: Graph, undo_stack=None, base_dir=None, parent=None):
        super().__init__(parent)
        self.graph = graph
        self.undo_stack = undo_stack
        self._base_dir = base_dir  # callable () -> Path | None
        self._csv_text: tuple[str, list[str], list[list[str]]] | None = None  # path, header, rows
        self._filling = False

        self.source = QComboBox()
        for key in SOURCES:
            self.source.addItem(SOURCE_TEXT[key], key)
        self.source.activated.connect(self._source_chosen)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020; font-size: 12pt;")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel("")

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
        self.gen_seed.setRange(0, 2_000_000_000)
        self.gen_classes = QSpinBox()
        self.gen_classes.setRange(2, 50)
        for w in (self.gen_n, self.gen_noise, self.gen_seed, self.gen_classes):
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda _=None: self._generator_edited())
        self.gen_name.activated.connect(lambda _=None: self._generator_edited())
        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.setToolTip("New random data: the next seed")
        self.regenerate_button.clicked.connect(self.regenerate)
        self.to_table_button = QPushButton("Edit as table")
        self.to_table_button.setToolTip("Copy the data into an editable table of samples")
        self.to_table_button.clicked.connect(self.convert_to_table)
        gen = QWidget()
        gf = QFormLayout(gen)
        gf.addRow("Data set", self.gen_name)
        gf.addRow("Samples n", self.gen_n)
        gf.addRow("Noise", self.gen_noise)
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

        self.val_split = QDoubleSpinBox()
        self.val_split.setRange(0.0, 0.9)
        self.val_split.setSingleStep(0.05)
        self.val_split.setDecimals(2)
        self.val_split.setKeyboardTracking(False)
        self.val_split.valueChanged.connect(self._split_edited)

        self.table = QTableWidget()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._cell_edited)
        self.table.horizontalHeader().setStretchLastSection(False)

        top = QFormLayout()
        top.addRow("Source", self.source)
        top.addRow("Validation split", self.val_split)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.pages)
        lay.addWidget(self.error)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)

        self._tokens: dict[str, object] = {}
        graph.subscribe(self._on_change)
        self.refresh()

    # ---------------------------------------------------------------- helpers
    def base_dir(self) -> Path | None:
        d = self._base_dir() if callable(self._base_dir) else self._base_dir
        if d is None:
            d = getattr(self.graph, "base_dir", None)
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
            self.pages.widget(i).setSizePolicy(pol, pol)
        self.pages.setCurrentIndex(index)
        self.pages.adjustSize()

    def _push_data(self, data: dict, text: str, token_key: str | None = None) -> None:
        if data == self.graph.data:
            return
        token = self._tokens.setdefault(token_key, object()) if token_key else None
        push_network(self.graph, self.undo_stack, {"data": data}, text, token)

    def _columns(self) -> tuple[list[str], list[str]]:
        ins = [n.display_label for n in self.graph.inputs()]
        outs = [n.display_label for n in self.graph.outputs()]
        return ins, [f"target {o}" for o in outs]

    # ---------------------------------------------------------------- model -> widgets
    def _on_change(self, ch: Change) -> None:
        if ch.kind == "reset" or (ch.kind == "network_changed" and
                                  {"data", "training"} & set(ch.keys)):  # fmt: skip
            self.refresh()
        elif ch.kind in ("neuron_added", "neuron_removed") or (
            ch.kind == "neuron_changed" and {"role", "label"} & set(ch.keys)
        ):
            if self._columns() == getattr(self, "_shown_columns", None):
                return  # a hidden neuron: the table's columns are the same (refilling a
                # 64 x 200 table per deleted neuron froze the window for seconds)
            self.refresh()

    def refresh(self) -> None:
        self._shown_columns = self._columns()
        self._filling = True
        try:
            kind = self.kind()
            with QSignalBlocker(self.source):
                self.source.setCurrentIndex(SOURCES.index(kind))
            self._show_page(SOURCES.index(kind))
            with QSignalBlocker(self.val_split):
                self.val_split.setValue(float(self.graph.training.get("validation_split", 0.0)))
            if kind == "generator":
                g = self.graph.data.get("generator") or {}
                for w, key, default in ((self.gen_n, "n", 200), (self.gen_seed, "seed", 1),
                                        (self.gen_classes, "classes", 2)):  # fmt: skip
                    with QSignalBlocker(w):
                        w.setValue(int(g.get(key, default)))
                with QSignalBlocker(self.gen_noise):
                    self.gen_noise.setValue(float(g.get("noise", 0.1)))
                with QSignalBlocker(self.gen_name):
                    self.gen_name.setCurrentText(str(g.get("name", "xor")))
            elif kind == "csv":
                self.csv_path.setText(str(self.graph.data.get("csv")))
            self._fill_table(kind)
        finally:
            self._filling = False

    def _fill_table(self, kind: str) -> None:
        ins, outs = self._columns()
        n_in = len(ins)
        editable = kind == "samples"
        self.error.setText("")
        rows: list[list[float | None]] = []
        if editable:
            for s in self.graph.data.get("samples", []):
                x = list(s.get("x", [])) if isinstance(s, dict) else []
                y = list(s.get("y", [])) if isinstance(s, dict) else []
                x = (x + [None] * n_in)[:n_in]
                y = (y + [None] * len(outs))[: len(outs)]
                rows.append(x + y)
            self.summary.setText(f"{len(rows)} sample{'s' * (len(rows) != 1)}; double-click a "
                                 "cell to edit")  # fmt: skip
        else:
            try:
                ds = coredata.dataset_from_spec(
                    self.graph.data, n_in, len(outs), base_dir=self.base_dir()
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
        with QSignalBlocker(self.table):
            self.table.clear()
            self.table.setColumnCount(n_in + len(outs))
            self.table.setHorizontalHeaderLabels(ins + outs)
            self.table.setRowCount(len(rows))
            flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
            if editable:
                flags |= Qt.ItemFlag.ItemIsEditable
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    it = QTableWidgetItem("" if v is None else _fmt(float(v)))
                    it.setFlags(flags)
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(r, c, it)
        self.add_row_button.setEnabled(editable)
        self.remove_row_button.setEnabled(editable)

    # ---------------------------------------------------------------- sources
    def _source_chosen(self, index: int) -> None:
        kind = SOURCES[index]
        if kind == self.kind():
            return
        if kind == "samples":
            self.convert_to_table()
        elif kind == "generator":
            name = "xor" if len(self.graph.inputs()) == 2 else "sine"
            self._push_data({"generator": {"name": name, "n": 200, "noise": 0.1, "seed": 1,
                                           "classes": 2}}, "Use generated data")  # fmt: skip
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

    def regenerate(self) -> None:
        g = copy.deepcopy(self.graph.data.get("generator"))
        if not isinstance(g, dict):
            return
        g["seed"] = int(g.get("seed", 1)) + 1
        self._push_data({"generator": g}, "Regenerate data")

    def convert_to_table(self) -> None:
        """The current data (any source) as an inline table of samples."""
        ins, outs = self._columns()
        try:
            ds = coredata.dataset_from_spec(
                self.graph.data, len(ins), len(outs), base_dir=self.base_dir()
            )
        except coredata.DataError:
            ds = None
        samples = (
            [{"x": x.tolist(), "y": y.tolist()} for x, y in zip(ds.X, ds.Y, strict=True)]
            if ds is not None
            else []
        )
        self._push_data({"samples": samples}, "Use a table of samples")

    def _split_edited(self, v: float) -> None:
        new = copy.deepcopy(self.graph.training)
        if float(v) == 0.0:
            if "validation_split" not in new:
                return
            del new["validation_split"]
        else:
            new["validation_split"] = round(float(v), 4)
        token = self._tokens.setdefault("split", object())
        push_network(self.graph, self.undo_stack, {"training": new}, "Set validation split",
                     token)  # fmt: skip

    # ---------------------------------------------------------------- the table
    def _cell_edited(self, item: QTableWidgetItem) -> None:
        if self._filling or self.kind() != "samples":
            return
        text = item.text().strip().replace(",", ".")
        try:
            v = float(text)
            if not math.isfinite(v):
                raise ValueError
        except ValueError:
            col = self.table.horizontalHeaderItem(item.column()).text()
            self.error.setText(f"row {item.row() + 1}, column {col!r}: {item.text()!r} is not "
                               "a finite number")  # fmt: skip
            self.refresh_keep_error()
            return
        samples = self._samples_from_model()
        r, c = item.row(), item.column()
        n_in = len(self.graph.inputs())
        if c < n_in:
            samples[r]["x"][c] = v
        else:
            samples[r]["y"][c - n_in] = v
        self._push_data({"samples": samples}, f"Edit sample {r + 1}")

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
        samples.append(copy.deepcopy(samples[-1]) if samples else
                       {"x": [0.0] * n_in, "y": [0.0] * n_out})  # fmt: skip
        self._push_data({"samples": samples}, "Add sample")

    def remove_samples(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        if not rows and self.table.rowCount():
            rows = [self.table.rowCount() - 1]
        samples = [s for i, s in enumerate(self._samples_from_model()) if i not in rows]
        self._push_data({"samples": samples}, f"Remove {len(rows)} sample(s)")

    # ---------------------------------------------------------------- CSV
    def import_csv_dialog(self) -> None:
        d = self.base_dir()
        path = dialogs.ask_csv_path(self, str(d) if d else "")
        if path:
            self.load_csv(path)

    def load_csv(self, path: str | os.PathLike) -> bool:
        """Read a CSV file and offer its columns; nothing changes until 'Use these columns'."""
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
            header, rows = coredata.read_csv_table(text, Path(path).name)
        except (OSError, UnicodeDecodeError) as exc:
            self.error.setText(f"cannot read {path}: {exc}")
            return False
        except coredata.DataError as exc:
            self.error.setText("\n".join(exc.errors))
            return False
        self._csv_text = (str(path), header, rows)
        self._show_page(2)
        self.csv_path.setText(f"{Path(path).name}: {len(rows)} rows, columns {', '.join(header)}")
        n_in, n_out = len(self.graph.inputs()), len(self.graph.outputs())
        for lst, chosen in ((self.inputs_list, set(header[:n_in])),
                            (self.targets_list, set(header[n_in : n_in + n_out]))):  # fmt: skip
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
        return [lst.item(i).text() for i in range(lst.count())
                if lst.item(i).checkState() == Qt.CheckState.Checked]  # fmt: skip

    def apply_csv_columns(self) -> bool:
        if self._csv_text is None:
            self.error.setText("import a CSV file first")
            return False
        path, header, rows = self._csv_text
        inputs, targets = self._checked(self.inputs_list), self._checked(self.targets_list)
        n_in, n_out = len(self.graph.inputs()), len(self.graph.outputs())
        errors = []
        if len(inputs) != n_in:
            errors.append(f"pick {n_in} input column{'s' * (n_in != 1)} (the network has "
                          f"{n_in} inputs); {len(inputs)} picked")  # fmt: skip
        if len(targets) != n_out:
            errors.append(f"pick {n_out} target column{'s' * (n_out != 1)} (the network has "
                          f"{n_out} outputs); {len(targets)} picked")  # fmt: skip
        if not rows:
            errors.append(f"{Path(path).name} has a header but no rows")
        if not errors:
            try:
                coredata.columns_as_array(header, rows, inputs + targets, Path(path).name)
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
        self._push_data({"csv": ref.as_posix(), "inputs": inputs, "targets": targets},
                        f"Use {Path(path).name}")  # fmt: skip
        return True

    def close_panel(self) -> None:
        self.graph.unsubscribe(self._on_change)
