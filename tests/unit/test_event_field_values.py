"""docs/api.md §4: the values of event fields — enums, keys, strict types, times — and the rules
that span several fields, each refused with a message naming the field."""


import pytest

from domain.event_examples import EXAMPLES
from domain.event_types import EVENT_TYPES
from domain.event_validation import validate_event, validate_opening
from domain.participant_refs import participant_refs
from tests.unit.event_samples import example, refusal


# -- values -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("kind", "path", "value", "message"),
    [
        ("negotiation.opened", "format", "trilateral", "must be one of: bilateral, multilateral, mediated"),
        ("position.stated", "stance", "maybe", "must be one of: demand, offer, accept, reject, red_line, neutral"),
        ("proposal.responded", "response", "yes", "must be one of: accepted, rejected, countered, under_review"),
    ],
)
def test_enum_values_outside_the_contract_are_refused(kind: str, path: str, value: str, message: str) -> None:
    assert refusal(example(kind, **{path: value})) == {path: message}


def test_a_participant_role_outside_the_contract_is_refused() -> None:
    obj = example("participant.joined", participant={"id": "om", "name": "Oman", "role": "facilitator"})
    assert refusal(obj) == {"participant.role": "must be one of: party, mediator, host, observer"}


def test_a_source_reliability_outside_the_contract_is_refused() -> None:
    errors = refusal(example("round.started", sources=[{"title": "TASS", "reliability": "rumour"}]))
    assert errors == {"sources.0.reliability": "must be one of: official, confirmed, reported, claimed, unverified"}


@pytest.mark.parametrize("key", ["R1", "-r1", "_r1", "r 1", "r1\n", "", "r" * 65, "раунд", "r1.2", 1])
def test_entity_keys_must_match_the_key_pattern(key: object) -> None:
    assert "round_id" in refusal(example("round.started", round_id=key))


@pytest.mark.parametrize("key", ["r1", "0", "diplomatic-property", "a_b-c", "r" * 64])
def test_entity_keys_matching_the_pattern_are_accepted(key: str) -> None:
    assert validate_event(example("round.started", round_id=key)).fields["round_id"] == key


def test_participant_ids_must_match_the_key_pattern() -> None:
    obj = example("participant.joined", participant={"id": "Om", "name": "Oman", "role": "mediator"})
    assert "^[a-z0-9][a-z0-9_-]{0,63}$" in refusal(obj)["participant.id"]


def test_participant_references_are_not_held_to_the_key_pattern() -> None:
    # whether "US" is a participant is the application's 409, not a 422 here
    assert validate_event(example("participant.left", participant_id="US")).fields["participant_id"] == "US"


@pytest.mark.parametrize("ref", ["", "   ", "x" * 65, 7])
def test_participant_references_must_be_short_non_empty_strings(ref: object) -> None:
    assert "participant_id" in refusal(example("participant.left", participant_id=ref))


@pytest.mark.parametrize(
    ("kind", "path", "value", "message"),
    [
        ("round.scheduled", "number", "2", "must be an integer"),
        ("round.scheduled", "number", 2.0, "must be an integer"),
        ("round.scheduled", "number", True, "must be an integer"),
        ("round.scheduled", "number", 0, "must be at least 1"),
        ("round.scheduled", "provisional", "yes", "must be a boolean (true or false)"),
        ("round.scheduled", "provisional", 1, "must be a boolean (true or false)"),
        ("round.scheduled", "label", 2, "must be a string"),
        ("dispute.raised", "title", 12345, "must be a string"),
        ("round.scheduled", "venue", "Istanbul", "must be an object"),
        ("negotiation.opened", "participants", {"id": "ru"}, "must be a list"),
        ("round.started", "sources", {"title": "x"}, "must be a list"),
    ],
)
def test_values_are_not_coerced_between_types(kind: str, path: str, value: object, message: str) -> None:
    assert refusal(example(kind, **{path: value})) == {path: message}


@pytest.mark.parametrize(("kind", "path"), [("dispute.raised", "title"), ("position.stated", "text"),
                                            ("record.retracted", "reason"), ("commitment.agreed", "text")])
@pytest.mark.parametrize("blank", ["", "  ", "\n\t"])
def test_required_strings_must_not_be_blank(kind: str, path: str, blank: str) -> None:
    assert refusal(example(kind, **{path: blank})) == {path: "must not be empty or only whitespace"}


def test_a_person_needs_a_name() -> None:
    obj = example("delegation.named", head={"title": "Deputy Assistant Secretary of State"})
    assert refusal(obj) == {"head.name": "field required"}
    obj = example("delegation.named", members=[{"name": "Sonata Coulter"}, {"name": " "}])
    assert refusal(obj) == {"members.1.name": "must not be empty or only whitespace"}


@pytest.mark.parametrize("field", ["occurred_at", "scheduled_for"])
@pytest.mark.parametrize("value", ["2025-13", "2025-02-27 10:00", "", "tomorrow", "2025-05-25/2025-05-23", 2025])
def test_times_must_be_in_a_contract_form(field: str, value: object) -> None:
    assert field in refusal(example("round.scheduled", **{field: value}))


def test_a_due_date_is_checked_and_kept_as_given() -> None:
    assert "due" in refusal(example("commitment.agreed", due="2025-02-30"))
    assert validate_event(example("commitment.agreed", due="2025-05/2025-06")).fields["due"] == "2025-05/2025-06"


def test_occurred_at_keeps_the_clients_text() -> None:
    event = validate_event(example("round.started", occurred_at="2025-02-27T10:00+03:00"))
    assert event.fields["occurred_at"] == "2025-02-27T10:00+03:00"
    assert event.valid_time.as_fields()["occurred_from"] == "2025-02-27T07:00:00Z"


def test_a_source_published_at_is_a_single_time() -> None:
    assert validate_event(example("round.started", sources=[{"published_at": "2025-02-27T18:00Z"}]))
    errors = refusal(example("round.started", sources=[{"published_at": "2025-02/2025-03"}]))
    assert errors == {"sources.0.published_at": "must be a single time, not an interval"}
    assert "sources.0.published_at" in refusal(example("round.started", sources=[{"published_at": "Feb 2025"}]))


# -- rules across fields ------------------------------------------------------------------------

def test_negotiation_opened_needs_a_party() -> None:
    obj = example("negotiation.opened", participants=[{"id": "om", "name": "Oman", "role": "mediator"}])
    assert refusal(obj) == {"participants": "at least one participant must have role 'party'"}


def test_negotiation_opened_needs_participants() -> None:
    assert refusal(example("negotiation.opened", participants=[])) == {"participants": "must not be empty"}


def test_participant_ids_in_an_opening_are_unique() -> None:
    obj = example("negotiation.opened", participants=[
        {"id": "ru", "name": "Russia", "role": "party"},
        {"id": "us", "name": "United States", "role": "party"},
        {"id": "ru", "name": "Russian Federation", "role": "party"},
    ])
    assert "duplicate participant id 'ru'" in refusal(obj)["participants.2.id"]


def test_a_participant_needs_id_name_and_role() -> None:
    obj = example("participant.joined", participant={"id": "om"})
    assert refusal(obj) == {"participant.name": "field required", "participant.role": "field required"}


def test_duration_minimum_must_not_exceed_maximum() -> None:
    errors = refusal(example("round.concluded", duration={"min_hours": 7, "max_hours": 6}))
    assert errors == {"duration": "min_hours must not exceed max_hours"}


@pytest.mark.parametrize(("duration", "path"), [
    ({"min_hours": -1}, "duration.min_hours"),
    ({"max_hours": "6"}, "duration.max_hours"),
    ({"max_hours": True}, "duration.max_hours"),
    ({"max_hours": float("inf")}, "duration.max_hours"),
    ({"max_hours": 10**400}, "duration.max_hours"),
    ({}, "duration"),
])
def test_durations_are_finite_non_negative_numbers(duration: dict, path: str) -> None:
    assert path in refusal(example("round.concluded", duration=duration))


def test_commitment_parties_are_non_empty_and_unique() -> None:
    assert refusal(example("commitment.agreed", parties=[])) == {"parties": "must not be empty"}
    assert "listed more than once" in refusal(example("commitment.agreed", parties=["ru", "us", "ru"]))["parties.2"]


@pytest.mark.parametrize("target", ["nope", "", 42, "0b6f1c2e5d4a4c1e9a7b3f2d8e6c1a90", "{0b6f1c2e-5d4a-4c1e-9a7b-3f2d8e6c1a90}"])
def test_corrections_and_retractions_target_an_event_uuid(target: object) -> None:
    assert "target_event_id" in refusal(example("record.corrected", target_event_id=target))
    assert "target_event_id" in refusal(example("record.retracted", target_event_id=target))


def test_a_target_uuid_is_stored_in_lower_case() -> None:
    event = validate_event(example("record.retracted", target_event_id="0B6F1C2E-5D4A-4C1E-9A7B-3F2D8E6C1A90"))
    assert event.fields["target_event_id"] == "0b6f1c2e-5d4a-4c1e-9a7b-3f2d8e6c1a90"


def test_a_correction_needs_changes() -> None:
    assert refusal(example("record.corrected", changes={})) == {"changes": "must not be empty"}
    assert refusal(example("record.corrected", changes=["occurred_at"])) == {"changes": "must be an object"}


def test_a_correction_cannot_change_the_type_or_server_fields() -> None:
    assert "type cannot be corrected" in refusal(example("record.corrected", changes={"type": "round.held"}))["changes.type"]
    assert "set by the server" in refusal(example("record.corrected", changes={"hash": "0" * 64}))["changes.hash"]


def test_a_correction_may_change_envelope_and_data_fields() -> None:
    changes = {"occurred_at": "2025-04-10", "note": "moved", "label": None, "venue": {"city": "Istanbul"}}
    assert validate_event(example("record.corrected", changes=changes)).fields["changes"] == changes


# -- hostile input ------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "obj"), [
    ("note", example("round.started", note="a\x00b")),
    ("round_id", example("round.started", round_id="r1\x00")),
    ("venue.city", example("round.started", venue={"city": "Ist\x00anbul"})),
    ("participant_id", example("participant.left", participant_id="ru\x00")),
    ("changes", example("record.corrected", changes={"note": ["ok", {"x": "\x00"}]})),
])
def test_nul_characters_are_refused_anywhere(path: str, obj: dict) -> None:
    assert path in refusal(obj)


@pytest.mark.parametrize(("kind", "path", "limit"), [
    ("dispute.raised", "title", 500),
    ("round.scheduled", "label", 500),
    ("dispute.raised", "description", 20_000),
    ("round.started", "note", 20_000),
    ("record.retracted", "reason", 20_000),
])
def test_over_long_strings_are_refused(kind: str, path: str, limit: int) -> None:
    assert validate_event(example(kind, **{path: "x" * limit}))
    assert refusal(example(kind, **{path: "x" * (limit + 1)})) == {path: f"must be at most {limit} characters"}


def test_over_long_urls_and_lists_are_refused() -> None:
    assert "sources.0.url" in refusal(example("round.started", sources=[{"url": "https://x.org/" + "a" * 2000}]))
    assert refusal(example("round.started", sources=[{}] * 1001)) == {"sources": "must have at most 1000 items"}


# -- opening ------------------------------------------------------------------------------------

def test_an_opening_may_omit_its_type() -> None:
    body = {k: v for k, v in EXAMPLES["negotiation.opened"].items() if k != "type"}
    event = validate_opening(body)
    assert event.type == "negotiation.opened"
    assert event.fields == EXAMPLES["negotiation.opened"]


def test_an_opening_may_state_its_type() -> None:
    assert validate_opening(example("negotiation.opened")).type == "negotiation.opened"


@pytest.mark.parametrize("kind", ["round.scheduled", None, 5])
def test_an_opening_of_another_type_is_refused(kind: object) -> None:
    assert list(refusal(example("round.scheduled", type=kind), validate_opening)) == ["type"]


def test_an_opening_is_validated_like_any_event() -> None:
    assert refusal({"title": "Talks"}, validate_opening) == {
        "occurred_at": "field required", "participants": "field required",
    }
    assert refusal("opened", validate_opening) == {"": "an event must be a JSON object"}


# -- participant references ----------------------------------------------------------------------

REF_FIELDS = {"attributed_to", "participant_id", "proposed_by", "requested_by", "cancelled_by",
              "raised_by", "excluded_by", "alleged_by", "by", "via"}


def test_participant_refs_finds_every_reference_field() -> None:
    found = set()
    for kind, model in EVENT_TYPES.items():
        obj = {"type": kind, "attributed_to": "a"}
        obj.update({name: f"{name}-ref" for name in REF_FIELDS & set(model.model_fields) - {"attributed_to"}})
        found |= {path for path, _ in participant_refs(obj)}
    assert found == REF_FIELDS


def test_participant_refs_reports_paths_and_ids_in_field_order() -> None:
    fields = validate_event(example("proposal.tabled", attributed_to="us", via="tr")).fields
    assert participant_refs(fields) == [("attributed_to", "us"), ("proposed_by", "ru"), ("via", "tr")]


def test_participant_refs_finds_list_items_and_nested_speakers() -> None:
    assert participant_refs(EXAMPLES["commitment.agreed"]) == [("parties.0", "ru"), ("parties.1", "us")]
    assert participant_refs(EXAMPLES["statement.issued"]) == [("speaker.participant_id", "us")]
    assert participant_refs(example("statement.issued", speaker={"name": "Maria Zakharova"})) == []


def test_participant_refs_ignores_definitions_and_absent_fields() -> None:
    assert participant_refs(EXAMPLES["negotiation.opened"]) == []
    assert participant_refs(EXAMPLES["participant.joined"]) == []
    assert participant_refs({"type": "round.proposed", "round_id": "r3", "proposed_by": None}) == []


def test_participant_refs_of_an_unknown_type_checks_every_reference_field() -> None:
    found = participant_refs({"by": "ru", "speaker": {"participant_id": "us"}, "parties": ["tr"]})
    assert sorted(found) == [("by", "ru"), ("parties.0", "tr"), ("speaker.participant_id", "us")]
