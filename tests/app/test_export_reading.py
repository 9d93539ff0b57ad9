"""Reading a negotiation's record for an export (projections.export.reading) on both backends:
a page at a time, as the stored stream reads through the pure reference, cut at one position
so that appends made while it streams never half-show."""

from __future__ import annotations

from typing import Any

import pytest

from api.services import Services
from domain.errors import NotFound
from domain.valid_time import parse_instant
from projections.export import reading
from projections.export.registry import FORMATS
from tests.app.test_event_log import append, open_negotiation
from tests.export_records import reference_record


def busy_negotiation(services: Services) -> str:
    nid = open_negotiation(services)
    events: list[dict[str, Any]] = []
    for k in range(12):
        events += [{"type": "round.scheduled", "occurred_at": f"2025-{1 + k % 12:02d}~", "round_id": f"r{k}",
                    "scheduled_for": f"2025-{1 + k % 12:02d}-15"},
                   {"type": "round.started", "occurred_at": f"2025-{1 + k % 12:02d}-15", "round_id": f"r{k}"}]
    stored = append(services, nid, *events)
    append(services, nid, {"type": "record.corrected", "occurred_at": "2025-12", "reason": "moved",
                           "target_event_id": stored[3]["event_id"], "changes": {"occurred_at": "2025-02-16?"}})
    append(services, nid, {"type": "record.retracted", "occurred_at": "2025-12", "reason": "never held",
                           "target_event_id": stored[5]["event_id"]})
    return nid


@pytest.mark.parametrize("axes", [{}, {"as_of": "2025-04-30"}, {"known_at": "now"}])
def test_every_format_reads_a_page_at_a_time_as_the_whole_stream_would(
        services: Services, monkeypatch: pytest.MonkeyPatch, axes: dict[str, str]) -> None:
    nid = busy_negotiation(services)
    monkeypatch.setattr(reading, "EVENT_PAGE", 5)
    monkeypatch.setattr(reading, "KEY_PAGE", 4)
    stream = services.log.stream(nid)
    point = {k: parse_instant(stream[20]["recorded_at"] if v == "now" else v) for k, v in axes.items()}
    record = reading.read_record(services.log, nid, **point)
    reference = reference_record(stream, **point)
    for name, chosen in FORMATS.items():
        assert "".join(chosen.render(record)) == "".join(chosen.render(reference)), name


def test_the_stream_is_read_in_pages_of_the_size_asked(services: Services) -> None:
    nid = busy_negotiation(services)
    pages = list(services.log.event_log.stream_pages(nid, page=7))
    assert [len(p) for p in pages] == [7, 7, 7, 6]
    assert [e["version"] for p in pages for e in p] == list(range(1, 28))
    assert [len(p) for p in services.log.event_log.stream_pages(nid, page=7, upto=pages[1][-1]["position"])] == [7, 7]


def test_appends_made_while_an_export_streams_are_not_in_it(services: Services,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    nid = busy_negotiation(services)
    monkeypatch.setattr(reading, "EVENT_PAGE", 5)  # the later pages are read after the appends
    record = reading.read_record(services.log, nid)
    facts = record.facts()
    first = next(facts)
    late = append(services, nid, {"type": "round.proposed", "occurred_at": "2025-12", "round_id": "late"},
                  {"type": "dispute.raised", "occurred_at": "2025-12", "dispute_id": "d", "title": "T"})
    rest = list(facts)
    assert not {e["event_id"] for e in late} & {f["event_id"] for f in [first, *rest]}
    assert len(rest) == 24 - 1  # after the opening: the 24 round events but the retracted one


def test_an_unknown_negotiation_or_one_not_open_then_is_not_found(services: Services) -> None:
    nid = busy_negotiation(services)
    with pytest.raises(NotFound):
        reading.read_record(services.log, "00000000-0000-4000-8000-00000000abcd")
    with pytest.raises(NotFound):
        reading.read_record(services.log, nid, as_of=parse_instant("2024-12-31"))
