"""Autosave and crash recovery: every open document autosaves into a slot of its own.

A slot is three files in :func:`recovery_dir`: ``autosave-<id>.json`` (the network),
``.meta`` (which file it was, its name and size, when) and ``.lock``, a QLockFile held for
as long as the session lives. At start-up a slot whose lock can be taken belongs to a
session that did not close normally: a pending recovery. Slots of other running sessions
(a second bpstudio window or process) stay locked, so they are never offered or deleted,
and two windows never overwrite each other's autosave.
"""

from __future__ import annotations

import copy
import json
import os
import time
import uuid
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QStandardPaths

from ..model import fileformat
from ..model.graph import Graph

PREFIX = "autosave"
EDGES_PER_STEP = 2_500  # write_in_steps: ~5 ms of the GUI thread per step (dicts and JSON)


def _compact(doc: object) -> str:
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def recovery_dir() -> Path:
    """Where autosaves go; BPSTUDIO_RECOVERY_DIR overrides it (tests, portable installs)."""
    override = os.environ.get("BPSTUDIO_RECOVERY_DIR")
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".bpstudio") / "recovery"


def _lock(path: Path) -> QLockFile | None:
    lock = QLockFile(str(path))
    lock.setStaleLockTime(0)  # stale only when its process is gone, however old it is
    return lock if lock.tryLock(0) else None


class Slot:
    """One document's autosave files; the lock is taken on the first write."""

    def __init__(self, stem: str | None = None, lock: QLockFile | None = None):
        self.stem = stem or f"{PREFIX}-{uuid.uuid4().hex[:12]}"
        self._lock = lock

    @property
    def network_file(self) -> Path:
        return recovery_dir() / f"{self.stem}.json"

    @property
    def meta_file(self) -> Path:
        return recovery_dir() / f"{self.stem}.meta"

    @property
    def lock_file(self) -> Path:
        return recovery_dir() / f"{self.stem}.lock"

    def exists(self) -> bool:
        return self.network_file.exists()

    def write(self, graph: Graph, path: Path | None) -> None:
        for _ in self.write_in_steps(graph, path):
            pass

    def write_in_steps(self, graph: Graph, path: Path | None) -> Generator[None, None, None]:
        """:meth:`write` in steps of ~5 ms, for the event loop to advance between them (the
        whole of it is ~75 ms of the GUI thread for a 20,000-edge network, most of it the
        edges' JSON). The file is written by the last step, and is the same text as in one
        go. The graph must not change between steps: close the generator when it does."""
        self.network_file.parent.mkdir(parents=True, exist_ok=True)
        if self._lock is None:
            self._lock = _lock(self.lock_file)
            if self._lock is None:  # the id is random: another session cannot hold it
                raise OSError(f"the autosave slot {self.stem} is in use")
        # a relative CSV path is rebased onto the recovery folder, so the autosave finds it
        folder = self.network_file.parent
        # compact JSON (json's C encoder): the indented text of a 20,000-edge network took
        # 0.3-0.4 s on the GUI thread every 30 s, a stall in the middle of live training;
        # nobody reads this file but the app, which opens it like any network file.
        # Everything but the edges in one piece, with a marker where the edge list goes.
        edges = list(graph.edges.values())
        shell = copy.copy(graph)  # the same attributes, no edges
        shell.edges = {}
        doc = fileformat.to_document(shell, folder)
        marker = f"edges-{uuid.uuid4().hex}"
        doc["edges"] = marker
        head, tail = _compact(doc).split(_compact(marker))
        parts: list[str] = []
        for i in range(0, len(edges), EDGES_PER_STEP):
            yield
            chunk = [fileformat._edge_dict(e) for e in edges[i : i + EDGES_PER_STEP]]
            parts.append(_compact(chunk)[1:-1])  # the items, without the brackets
        yield
        text = f"{head}[{','.join(parts)}]{tail}"
        fileformat.atomic_write_text(self.network_file, text)
        meta = {
            "path": str(path) if path else None,
            "time": time.time(),
            "name": graph.name,
            "neurons": len(graph.neurons),
            "edges": len(graph.edges),
        }
        fileformat.atomic_write_text(self.meta_file, json.dumps(meta))

    def discard(self) -> None:
        """The document is saved or closed: its autosave is not needed any more."""
        for p in (self.network_file, self.meta_file):
            p.unlink(missing_ok=True)
        self.release()

    def release(self) -> None:
        """Let go of the slot but keep its files: the next start-up offers them again."""
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None


@dataclass
class Pending:
    """An autosave left by a session that ended without closing normally (its slot locked by us)."""

    slot: Slot
    meta: dict

    @property
    def path(self) -> Path | None:
        return Path(self.meta["path"]) if self.meta.get("path") else None

    def age(self, now: float | None = None) -> float:
        t = self.meta.get("time")
        if not isinstance(t, int | float):
            t = self.slot.network_file.stat().st_mtime
        return (time.time() if now is None else now) - t

    def describe(self, now: float | None = None) -> str:
        """“XOR 2-4-1” (xor.json in /home/ann, 7 neurons), autosaved 3 minutes ago"""
        name = self.meta.get("name")
        what = f"“{name}”" if isinstance(name, str) and name else "an unnamed network"
        where = f"{self.path.name} in {self.path.parent}" if self.path else "never saved to a file"
        n = self.meta.get("neurons")
        size = f", {n} neuron{'s' * (n != 1)}" if isinstance(n, int) else ""
        return f"{what} ({where}{size}), autosaved {age_text(self.age(now))}"

    def load(self) -> Graph:
        """The autosaved network (a misfit of data and network is allowed, as when opening)."""
        return fileformat.load(self.slot.network_file, allow_misfit=True)

    def discard(self) -> None:
        self.slot.discard()

    def keep(self) -> None:
        self.slot.release()


def pending() -> list[Pending]:
    """Every autosave no running session holds, newest first; each is locked for the caller."""
    folder = recovery_dir()
    if not folder.is_dir():
        return []
    files = sorted(folder.glob(f"{PREFIX}*.json"), key=_mtime, reverse=True)
    found = []
    for f in files:
        lock = _lock(folder / f"{f.stem}.lock")
        if lock is None:  # a live session's autosave
            continue
        if not f.exists():  # discarded by its session between the glob and the lock
            lock.unlock()
            continue
        try:
            meta = json.loads((folder / f"{f.stem}.meta").read_text("utf-8"))
        except (OSError, ValueError):
            meta = {}
        found.append(Pending(Slot(f.stem, lock), meta if isinstance(meta, dict) else {}))
    return found


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0


def age_text(seconds: float) -> str:
    """ "less than a minute ago", "1 minute ago", "3 hours ago", "2 days ago"."""
    s = max(0.0, seconds)
    if s < 60:
        return "less than a minute ago"
    for unit, size, limit in (("minute", 60, 60), ("hour", 3600, 48), ("day", 86400, None)):
        n = int(s // size)
        if limit is None or n < limit:
            return f"{n} {unit}{'s' * (n != 1)} ago"
    raise AssertionError("unreachable")
