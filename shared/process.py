"""Child processes that do not outlive the process that started them."""

from __future__ import annotations

import ctypes
import gc
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """``preexec_fn`` for Popen: on Linux the child gets SIGTERM when its parent dies, even by
    SIGKILL, so a killed ``klimaby run`` or test session leaves no broker or service behind."""
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


GC_YOUNG_THRESHOLD = 10_000
"""Allocations between collections of the youngest generation (CPython's default: 700)."""


def tune_garbage_collection() -> None:
    """Once a service has started: the objects of the start (modules, models, metadata:
    hundreds of thousands) are moved out of the collector's sight (``gc.freeze``), and the young
    generation is collected every 10,000 allocations instead of 700. A batch of readings
    allocates tens of thousands of short-lived objects; with the defaults the collector's passes
    over the long-lived ones took 20-30 µs of the inventory's CPU per reading, and every few
    5,000-reading POSTs of the sensors paid a full pass of 80-90 ms (docs/performance.md)."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
