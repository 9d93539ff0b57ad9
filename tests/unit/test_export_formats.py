"""Each export renderer on its own (docs/api.md §11): records in, text out, checked against what
the format requires: PLOVER's fields and categories, TimelineJS's required fields, CSV read
back by the csv module, iCalendar parsed by the icalendar library."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import icalendar
import pytest

from domain.valid_time import parse_instant

from projections.export import csv_table, ics, jsonl, plover, timelinejs
from projections.export.dates import display_date
from projections.export.plover_mapping import QUAD_CODES
from projections.export.record import chunked
from projections.export.registry import FORMATS, UnknownFormat, export_format
from tests.export_records import demo_events, reference_record
from tests.facts import NID, correction, fact, retraction

RU = {"id": "ru", "name": "Russian Federation", "role": "party", "code": "RUS", "wikidata": "Q159"}
US = {"id": "us", "name": "United States", "role": "party", "code": "USA"}
TR = {"id": "tr", "name": "Türkiye", "role": "host"}
SOURCE = {"title": "Talks resume", "url": "https://example.org/a", "publisher": "Agency", "quote": "They met."}


def negotiation_of(*events: dict[str, Any], participants: tuple[dict[str, Any], ...] = (RU, US, TR),
                   fmt: str = "bilateral") -> list[dict[str, Any]]:
    opened = fact("negotiation.opened", "2025-02", title="Talks <b>", participants=list(participants), format=fmt)
    return [opened, *events]


def render(module: Any, events: list[dict[str, Any]], **axes: Any) -> str:
    return "".join(module.render(reference_record(events, **axes)))


def plover_records(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in render(plover, events).splitlines()]


# -- the registry -----------------------------------------------------------------------------

def test_the_registry_names_each_format_with_its_content_type() -> None:
    assert {n: f.content_type.split(";")[0] for n, f in FORMATS.items()} == {
        "jsonl": "application/jsonl", "plover": "application/jsonl", "timelinejs": "application/json",
        "csv": "text/csv", "ics": "text/calendar"}
    with pytest.raises(UnknownFormat, match="formats: jsonl, plover, timelinejs, csv, ics"):
        export_format("xml")


def test_chunks_join_small_parts_and_lose_nothing() -> None:
    parts = [f"line {i}\n" for i in range(1000)]
    chunks = list(chunked(parts, size=100))
    assert "".join(chunks) == "".join(parts) and all(len(c) < 120 for c in chunks) and len(chunks) > 50


# -- JSON Lines -------------------------------------------------------------------------------

def test_jsonl_keeps_the_events_as_stored_corrections_and_retractions_included() -> None:
    held = fact("round.started", "2025-02-27", round_id="r1")
    events = negotiation_of(held, correction(held, {"occurred_at": "2025-02-28"}), retraction(held))
    lines = [json.loads(line) for line in render(jsonl, events).splitlines()]
    assert lines == events


def test_jsonl_as_of_keeps_a_fact_by_its_corrected_time_with_its_corrections() -> None:
    early = fact("round.started", "2025-02-27", round_id="r1")
    moved = fact("round.started", "2025-06-01", round_id="r2")
    fixed = correction(moved, {"occurred_at": "2025-02-20"})
    late = fact("round.started", "2025-05-01", round_id="r3")
    events = negotiation_of(early, moved, fixed, late)
    kept = [json.loads(line)["event_id"] for line in render(jsonl, events, as_of=parse_instant("2025-03")).splitlines()]
    assert kept == [events[0]["event_id"], early["event_id"], moved["event_id"], fixed["event_id"]]


# -- PLOVER -----------------------------------------------------------------------------------

def test_plover_records_carry_the_required_fields_and_one_of_the_16_events() -> None:
    records = plover_records(demo_events())
    assert records
    for record in records:
        assert {"id", "date", "actor", "event"} <= set(record)
        assert len(record["event"]) == 1 and record["event"][0] in QUAD_CODES
        assert record["quad_code"] == QUAD_CODES[record["event"][0]] and record["context"] == ["diplomatic"]
        assert len(record["date"]) == 10 and record["actor"]


def test_a_held_round_is_consult_third_party_when_hosted_and_multilateral_with_more_than_two_parties() -> None:
    hosted = plover_records(negotiation_of(fact("round.started", "2025-02-27", round_id="r1")))
    assert [(r["event"], r.get("mode")) for r in hosted] == [(["CONSULT"], ["third-party"])]
    assert [a["code"] for a in hosted[0]["actor"]] == ["RUS", "USA"] and "recipient" not in hosted[0]
    three = (RU, US, {"id": "ua", "name": "Ukraine", "role": "party", "code": "UKR"})
    many = plover_records(negotiation_of(fact("round.started", "2025-02-27", round_id="r1"), participants=three))
    assert many[0]["mode"] == ["multilateral"]


def test_a_round_on_one_partys_ground_is_a_visit_from_the_others() -> None:
    visit = plover_records(negotiation_of(fact("round.started", "2025-03-01", round_id="r1",
                                               venue={"city": "Washington", "country": "United States"})))
    assert visit[0]["mode"] == ["visit"]
    assert [a["code"] for a in visit[0]["actor"]] == ["RUS"] and [r["code"] for r in visit[0]["recipient"]] == ["USA"]
    assert visit[0]["event_loc"] == {"extracted_place": "Washington, United States", "city": "Washington",
                                     "country": "United States"}


def test_plover_maps_agreements_rejections_demands_and_alleged_breaches() -> None:
    tabled = fact("proposal.tabled", "2025-03-01", proposal_id="p1", proposed_by="ru", text="Flights")
    events = negotiation_of(
        tabled, fact("proposal.responded", "2025-03-02", proposal_id="p1", participant_id="us", response="rejected"),
        fact("commitment.agreed", "2025-03-03", commitment_id="c1", parties=["ru", "us"], text="Finance missions"),
        fact("position.stated", "2025-03-04", dispute_id="d1", participant_id="ru", stance="demand", text="Return"),
        fact("commitment.breach_alleged", "2025-03-05", commitment_id="c1", alleged_by="us", text="Unpaid"),
        fact("statement.issued", "2025-03-06", speaker={"name": "Spokesperson"}, text="We talked"),
        fact("position.stated", "2025-03-07", dispute_id="d1", participant_id="us", stance="neutral", text="Hm"))
    coded = [(r["event"][0], r.get("mode"), [a["code"] for a in r["actor"]],
              [a["code"] for a in r.get("recipient", [])]) for r in plover_records(events)]
    assert coded == [("AGREE", None, ["RUS"], ["USA"]), ("REJECT", None, ["USA"], ["RUS"]),
                     ("AGREE", None, ["RUS", "USA"], []), ("REQUEST", None, ["RUS"], ["USA"]),
                     ("ACCUSE", ["allege"], ["USA"], ["RUS"])]


def test_plover_actors_carry_codes_and_wikidata_ids_and_cite_info_the_sources() -> None:
    [record] = plover_records(negotiation_of(fact("commitment.agreed", "2025-03-03", commitment_id="c1",
                                                  parties=["ru", "us"], text="T", sources=[SOURCE])))
    assert record["actor"][0] == {"code": "RUS", "entity_text": "Russian Federation", "identifier_id": "Q159",
                                  "identifier_text": "Russian Federation"}
    assert record["actor"][1] == {"code": "USA", "entity_text": "United States"}
    assert record["event_text"] == ["They met."]
    assert record["cite_info"] == [{"title": "Talks resume", "url": "https://example.org/a", "publication": "Agency"}]
    assert record["coder"] == "tester" and record["coded_date"] == "2025-06-01" and record["link"] == NID


def test_a_fuzzy_date_keeps_its_qualifier_in_the_plover_comment_and_spans_date_to_enddate() -> None:
    [record] = plover_records(negotiation_of(fact("commitment.agreed", "2025-05~", commitment_id="c1",
                                                  parties=["ru", "us"], text="T")))
    assert (record["date"], record["enddate"]) == ("2025-05-01", "2025-05-31")
    assert "2025-05~ (c. May 2025; approximate)" in record["comment"]
    [open_ended] = plover_records(negotiation_of(fact("round.started", "2025-05-23/..", round_id="r1")))
    assert open_ended["date"] == "2025-05-23" and "enddate" not in open_ended


def test_retracted_facts_are_left_out_and_corrections_applied_in_every_format() -> None:
    wrong = fact("commitment.agreed", "2025-03-03", commitment_id="c1", parties=["ru", "us"], text="Wrong")
    typo = fact("commitment.agreed", "2025-03-04", commitment_id="c2", parties=["ru", "us"], text="Typo")
    events = negotiation_of(wrong, typo, retraction(wrong), correction(typo, {"text": "Fixed"}))
    assert [r["id"] for r in plover_records(events)] == [typo["event_id"]]
    rows = list(csv.DictReader(io.StringIO(render(csv_table, events))))
    assert [r["text"] for r in rows if r["type"] == "commitment.agreed"] == ["Fixed"]
    slides = json.loads(render(timelinejs, events))["events"]
    assert wrong["event_id"] not in {s["unique_id"] for s in slides}


# -- TimelineJS -------------------------------------------------------------------------------

def check_timelinejs_date(date: dict[str, Any]) -> None:
    assert isinstance(date["year"], int)
    assert set(date) <= {"year", "month", "day", "hour", "minute", "second", "millisecond", "display_date"}
    assert 1 <= date.get("month", 1) <= 12 and 1 <= date.get("day", 1) <= 31 and 0 <= date.get("hour", 0) <= 23


def check_timelinejs(document: dict[str, Any]) -> None:
    """The TimelineJS 3 JSON format: a title slide, events with a start_date and text or
    media, eras with start and end dates."""
    assert document["title"]["text"]["headline"]
    for slide in document["events"]:
        check_timelinejs_date(slide["start_date"])
        if "end_date" in slide:
            check_timelinejs_date(slide["end_date"])
        assert slide["text"]["headline"] and isinstance(slide["unique_id"], str)
    for era in document["eras"]:
        check_timelinejs_date(era["start_date"])
        check_timelinejs_date(era["end_date"])
    assert len({s["unique_id"] for s in document["events"]}) == len(document["events"])


def test_the_timeline_has_what_timelinejs_requires_and_rounds_as_eras() -> None:
    document = json.loads(render(timelinejs, demo_events()))
    check_timelinejs(document)
    assert [e["text"]["headline"] for e in document["eras"]] == ["First round", "Second round"]
    assert {s["group"] for s in document["events"]} >= {"Rounds", "Disputes", "Commitments", "Statements"}


def test_a_fuzzy_date_gets_a_display_date_and_its_precision() -> None:
    events = negotiation_of(fact("round.started", "2025-05~", round_id="r1"),
                            fact("round.started", "2025-05-23/..", round_id="r2"),
                            fact("round.started", "202X", round_id="r3"),
                            fact("round.started", "2025-04-10T10:00+03:00", round_id="r4"))
    slides = json.loads(render(timelinejs, events))["events"][1:]
    assert [(s["start_date"], s.get("end_date"), s.get("display_date")) for s in slides] == [
        ({"year": 2025, "month": 5}, None, "c. May 2025"),
        ({"year": 2025, "month": 5, "day": 23}, None, "from 23 May 2025"),
        ({"year": 2020}, {"year": 2029}, "2020s"),
        ({"year": 2025, "month": 4, "day": 10, "hour": 7, "minute": 0, "second": 0}, None, None)]


def test_timelinejs_text_is_escaped_since_it_is_shown_as_html() -> None:
    events = negotiation_of(fact("statement.issued", "2025-03-01", speaker={"name": "<script>x</script>"},
                                 text="a & b", sources=[{"title": "t", "url": "javascript:alert(1)"}]))
    document = json.loads(render(timelinejs, events))
    assert document["title"]["text"]["headline"] == "Talks &lt;b&gt;"
    statement = document["events"][1]["text"]
    assert "<script>" not in statement["headline"] and "&amp;" in statement["headline"]
    assert "javascript:" not in statement["text"]


# -- CSV --------------------------------------------------------------------------------------

def test_the_csv_reads_back_one_row_per_fact_under_its_header() -> None:
    events = demo_events()
    table = list(csv.reader(io.StringIO(render(csv_table, events), newline="")))
    assert tuple(table[0]) == csv_table.COLUMNS
    facts = list(reference_record(events).facts())
    assert [row[0] for row in table[1:]] == [f["event_id"] for f in facts]
    first = dict(zip(table[0], table[1]))
    assert first["occurred_from"] == "2025-02-01T00:00:00Z" and first["recorded_at"] == "2025-04-11T09:00:01Z"
    assert first["source_count"] == "2" and len(first["source_quotes"].split("\n")) == 2


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted() -> None:
    events = negotiation_of(fact("statement.issued", "2025-03-01", speaker={"name": "S"}, text="=HYPERLINK(x)"))
    [row] = [r for r in csv.DictReader(io.StringIO(render(csv_table, events))) if r["type"] == "statement.issued"]
    assert row["text"] == "'=HYPERLINK(x)"


# -- iCalendar --------------------------------------------------------------------------------

def calendar_of(events: list[dict[str, Any]]) -> icalendar.Calendar:
    text = render(ics, events)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")) and text.endswith("\r\n")
    return icalendar.Calendar.from_ical(text)


def test_the_calendar_has_a_vevent_per_dated_round_with_venue_status_and_a_stable_uid() -> None:
    events = negotiation_of(
        fact("round.scheduled", "2025-02", round_id="r1", scheduled_for="2025-02-27",
             venue={"name": "Residence", "city": "Istanbul", "country": "Türkiye"}),
        fact("round.started", "2025-04-10T10:00+03:00", round_id="r2"),
        fact("round.concluded", "2025-04-10T16:30+03:00", round_id="r2"),
        fact("round.scheduled", "2025-05", round_id="r3", scheduled_for="2025-06~"),
        fact("round.scheduled", "2025-05", round_id="r4", scheduled_for="2025-07-01"),
        fact("round.cancelled", "2025-06", round_id="r4", cancelled_by="us"))
    cal = calendar_of(events)
    found = {str(e["UID"]).split(".")[0]: e for e in cal.walk("VEVENT")}
    assert set(found) == {"r1", "r2", "r4"}  # r3 has only a month
    assert str(found["r1"]["LOCATION"]) == "Residence, Istanbul, Türkiye"
    assert found["r1"].decoded("DTSTART").isoformat() == "2025-02-27"
    assert found["r2"].decoded("DTSTART").isoformat() == "2025-04-10T07:00:00+00:00"
    assert found["r2"].decoded("DTEND").isoformat() == "2025-04-10T13:30:00+00:00"
    assert str(found["r4"]["STATUS"]) == "CANCELLED" and str(found["r1"]["STATUS"]) == "CONFIRMED"
    assert str(found["r1"]["UID"]) == f"r1.{NID}@negotiation-log"
    assert str(cal["X-WR-CALNAME"]) == "Talks <b>"


def test_the_demo_calendar_parses_with_both_rounds() -> None:
    cal = calendar_of(demo_events())
    assert [str(e["SUMMARY"]).split(": ")[1] for e in cal.walk("VEVENT")] == ["First round", "Second round"]


def test_long_lines_fold_without_splitting_a_character() -> None:
    line = "DESCRIPTION:" + "é" * 100
    folded = ics.fold(line)
    assert all(len(p.encode()) <= 75 for p in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


# -- dates as a reader says them ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "shown"), [
    ("2025-05~", "c. May 2025"), ("2025-05?", "May 2025?"), ("2025-05%", "c. May 2025?"),
    ("2025-05-20", "20 May 2025"), ("2025", "2025"), ("2025-05-XX", "May 2025"), ("202X", "2020s"),
    ("20XX", "2000–2099"), ("2025-05-23/..", "from 23 May 2025"), ("../2025-05", "until May 2025"),
    ("2025-05/2025-06~", "May 2025 – c. June 2025"), ("2025-04-10T10:00+03:00", "10 April 2025, 10:00 (UTC+03:00)"),
])
def test_dates_read_as_analysts_write_them(text: str, shown: str) -> None:
    assert display_date(text) == shown
