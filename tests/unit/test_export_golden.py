"""Each export format of the demo negotiation against its golden file (tests/golden/), read by
hand once: the PLOVER records, the calendar, the timeline and the table say what the demo says.
NEGOTIATION_LOG_UPDATE_GOLDEN=1 writes the files anew (then read the diff before committing)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from projections.export.registry import FORMATS
from tests.export_records import demo_events, reference_record

GOLDEN = Path(__file__).parents[1] / "golden"


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_the_demo_exports_as_its_golden_file(name: str) -> None:
    chosen = FORMATS[name]
    produced = "".join(chosen.render(reference_record(demo_events())))
    golden = GOLDEN / f"demo.{chosen.extension}"
    if os.environ.get("NEGOTIATION_LOG_UPDATE_GOLDEN"):
        golden.write_bytes(produced.encode())
    assert produced == golden.read_bytes().decode()
