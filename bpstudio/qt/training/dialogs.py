"""The training tools' few modal dialogs, as plain functions so tests can replace them."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QWidget


def ask_export_path(parent: QWidget | None, suggestion: str, file_filter: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Export", suggestion, file_filter)
    return path or None


def ask_csv_path(parent: QWidget | None, directory: str = "") -> str | None:
    path, _ = QFileDialog.getOpenFileName(
        parent, "Import CSV data", directory, "CSV files (*.csv *.tsv *.txt);;All files (*)"
    )
    return path or None
