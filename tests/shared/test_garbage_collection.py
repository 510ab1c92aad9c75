"""The garbage collector's tuning, and the timing of its passes on ``/metrics``."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from shared.process import GC_YOUNG_THRESHOLD, tune_garbage_collection


def collector_seconds() -> float:
    return sum(
        REGISTRY.get_sample_value("klimaby_gc_seconds_total", {"generation": str(g)}) or 0.0
        for g in range(3)
    )


@pytest.fixture
def tuned() -> Iterator[None]:
    thresholds = gc.get_threshold()
    callbacks = list(gc.callbacks)
    tune_garbage_collection()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        gc.callbacks[:] = callbacks


def test_tuning_sets_the_threshold_freezes_and_times_each_pass(tuned: None) -> None:
    assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
    assert gc.get_freeze_count() > 0
    before = collector_seconds()
    # Cycles to collect: a full pass over them takes measurable time.
    for _ in range(20_000):
        node: list[object] = []
        node.append(node)
    gc.collect()
    assert collector_seconds() > before


def test_tuning_twice_times_each_pass_once(tuned: None) -> None:
    tune_garbage_collection()
    timing = [c for c in gc.callbacks if getattr(c, "__module__", "") == "shared.process"]
    assert len(timing) == 1
