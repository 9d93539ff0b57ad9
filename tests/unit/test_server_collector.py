"""`serve` sets the cyclic collector for a long-running server (api.cli.collector)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from api.cli import collector


@pytest.fixture
def restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_what_starting_built_is_frozen_and_the_young_generation_is_collected_less_often(restored: None) -> None:
    built = [{"a": [1]} for _ in range(100)]  # containers the collector tracks
    collector.tune_for_serving()
    assert gc.get_freeze_count() >= len(built)
    assert gc.get_threshold() == (collector.YOUNG, collector.OLDER, collector.OLDER)
