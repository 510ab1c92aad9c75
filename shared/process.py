"""Child processes that do not outlive the process that started them."""

from __future__ import annotations

import ctypes
import gc
import signal
import sys
import time
from typing import Any

from prometheus_client import Counter

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


GC_YOUNG_THRESHOLD = 100_000
"""Tracked objects allocated (and not yet freed) between collections of the youngest generation
(CPython's default: 700). A batch's objects all live until the batch ends and then die by
reference counting, so every pass over them is wasted: with 10,000, a run of 100,000 readings
cost the inventory 0.42-0.57 s and the sensors 0.14-0.21 s in the collector (three lanes of
~3,500 readings hold some 60,000 tracked objects: a pass of the second generation took ~30 ms);
with 100,000, 0.03-0.10 s and 0.03 s (``klimaby_gc_seconds_total``, docs/performance.md)."""


def tune_garbage_collection() -> None:
    """Once a service has started: the objects of the start (modules, models, metadata:
    hundreds of thousands) are moved out of the collector's sight (``gc.freeze``), and the young
    generation is collected every 100,000 allocations instead of 700. A batch of readings
    allocates tens of thousands of short-lived objects; with the defaults the collector's passes
    over the long-lived ones took 20-30 µs of the inventory's CPU per reading, and every few
    5,000-reading POSTs of the sensors paid a full pass of 80-90 ms (docs/performance.md). The
    passes are timed from here on, into ``klimaby_gc_seconds_total``."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
    if _time_collections not in gc.callbacks:
        gc.callbacks.append(_time_collections)


GC_SECONDS = Counter(
    "klimaby_gc_seconds",
    "Time the cyclic garbage collector's passes took, per generation (timed once the service "
    "has started; py-spy cannot show it: a pass lands on whatever line allocated)",
    ["generation"],
)
_GC_SECONDS_BY_GENERATION = [GC_SECONDS.labels(str(g)) for g in range(3)]
_pass_started = 0.0


def _time_collections(phase: str, info: dict[str, Any]) -> None:
    global _pass_started
    if phase == "start":
        _pass_started = time.perf_counter()
    else:
        _GC_SECONDS_BY_GENERATION[info["generation"]].inc(time.perf_counter() - _pass_started)
