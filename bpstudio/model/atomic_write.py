"""Every file bpstudio writes: a temporary file beside the target, fsynced, then put in its
place, so a failed write never damages what was there; the file keeps its mode."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 text atomically (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | os.PathLike, data: bytes | bytearray | memoryview) -> None:
    """Write a temp file beside the target, fsync, then replace: the old file survives any failure.

    Every file bpstudio writes goes through here. The result has the mode a plain ``open(path,
    "w")`` would give it: an existing file keeps its mode (a 0644 file stays 0644, not the
    0600 of the temp file), a new one gets 0666 minus the umask. A symlink stays a symlink:
    the file it points to is replaced.
    """
    path = Path(os.path.realpath(path))
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:  # a new file (or one we cannot stat: the replace will tell)
        return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux says it without changing it (no window where another thread sees 022)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it: put it straight back
    os.umask(mask)
    return mask
