"""`serve` sets how the process keeps its memory (api.cli.memory)."""

from __future__ import annotations

import gc
import platform
from collections.abc import Iterator

import pytest

from api.cli import memory


@pytest.fixture
def restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_what_starting_built_is_frozen_and_the_young_generation_is_collected_less_often(restored: None) -> None:
    built = [{"a": [1]} for _ in range(100)]  # containers the collector tracks
    memory.tune_for_serving()
    assert gc.get_freeze_count() >= len(built)
    assert gc.get_threshold() == (memory.YOUNG, memory.OLDER, memory.OLDER)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_glibc_takes_the_fixed_mmap_threshold() -> None:
    assert memory.fix_mmap_threshold()
