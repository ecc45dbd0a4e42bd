"""Pause Python's cyclic garbage collector while building millions of acyclic objects.

Loading a 1,000,000-neuron file creates a few million dicts, lists and dataclasses, none in a
reference cycle; every few thousand allocations the collector would walk all of them again,
which took as long as the loading itself. Reference counting still frees everything.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
