"""The network file's names (format, version, the keys of each object, the size cap) and the
one error a bad file raises: each line names the key or id (``edges[3].target 'h9' is not a
neuron id``)."""

from __future__ import annotations

import os

from ..core import files

FORMAT = "bpstudio-network"
VERSION = 1
MAX_BYTES = files.MAX_BYTES  # network files and the CSV files they name

NEURON_KEYS = {"id", "role", "activation", "bias", "label", "x", "y", "trainable"}
EDGE_KEYS = {"id", "source", "target", "weight", "trainable"}
TOP_KEYS = {"format", "version", "name", "description", "neurons", "edges", "training", "data"}


class NetworkFileError(Exception):
    def __init__(self, errors: list[str], path: str | os.PathLike | None = None):
        self.errors = errors
        self.path = str(path) if path is not None else None
        super().__init__("\n".join(errors))
