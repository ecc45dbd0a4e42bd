"""Reading the files a user names (network files, CSV data): regular files only, size-capped.

``/dev/zero`` would be read until memory runs out and a named pipe would block ``check``
forever, so a file is opened without blocking, refused unless it is a regular file, and read
up to the cap (a file that reports size 0 but keeps producing bytes, like those under /proc,
still stops at the cap).
"""

from __future__ import annotations

import os
import stat

MAX_BYTES = 64 * 1024 * 1024  # network files and CSV data files alike (docs/network-format.md)


class UnreadableFile(Exception):
    """Why a file cannot be read, as a phrase without the path (callers prefix it)."""


def size_text(n: int) -> str:
    """64 MB, 64.3 MB, 512 bytes; 67,108,865 bytes where 64.0 MB would hide the difference."""
    mb, rest = divmod(n, 2**20)
    if rest == 0 and mb:
        return f"{mb} MB"
    if n < 2**20 or round(n / 2**20, 1) == mb:
        return f"{n:,} bytes"
    return f"{n / 2**20:.1f} MB"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_capped(path: str | os.PathLike, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes; UnreadableFile if it is missing, not a regular file or over the cap."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise UnreadableFile("no such file") from None
    except IsADirectoryError:
        raise UnreadableFile("is a directory") from None
    except OSError as exc:
        if os.path.isdir(path):  # Windows refuses to open a directory with PermissionError
            raise UnreadableFile("is a directory") from None
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = _kind(st.st_mode)
            raise UnreadableFile(
                f"is {kind}, not a regular file" if kind.startswith("a ") else kind
            )
        if st.st_size > max_bytes:
            raise UnreadableFile(
                f"is {size_text(st.st_size)}, larger than the {size_text(max_bytes)} limit"
            )
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(max_bytes + 1 - total, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise UnreadableFile(f"is larger than the {size_text(max_bytes)} limit")
        return b"".join(chunks)
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
