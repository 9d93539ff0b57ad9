"""docs/api.md §3–4: the shape of client-submitted events, refused with field-naming messages."""

import pytest
from pydantic import TypeAdapter

from domain.event_examples import EXAMPLES
from domain.event_types import EVENT_TYPES, SERVER_FIELDS, AnyEvent
from domain.event_validation import ValidatedEvent, validate_event
from tests.unit.event_samples import example, refusal

DOCUMENTED_TYPES = [
    "negotiation.opened", "participant.joined", "participant.left", "negotiation.suspended",
    "negotiation.resumed", "negotiation.concluded", "negotiation.collapsed", "round.proposed",
    "round.scheduled", "round.postponed", "round.cancelled", "delegation.named", "round.started",
    "round.concluded", "dispute.raised", "dispute.discussed", "dispute.excluded", "position.stated",
    "dispute.resolved", "dispute.deadlocked", "dispute.deferred", "dispute.dropped",
    "dispute.reopened", "proposal.tabled", "proposal.responded", "proposal.withdrawn",
    "commitment.agreed", "commitment.progress_reported", "commitment.fulfilled",
    "commitment.breach_alleged", "commitment.breached", "commitment.withdrawn",
    "statement.issued", "record.corrected", "record.retracted",
    "record.erased",  # docs/api.md §10, recorded through POST /negotiations/{id}/erasures
]
REQUIRED = [
    (kind, name)
    for kind, model in EVENT_TYPES.items()
    for name, field in model.model_fields.items()
    if field.is_required() and name != "type"
]


# -- every type ---------------------------------------------------------------------------------

def test_every_contract_type_has_a_model_in_contract_order() -> None:
    assert list(EVENT_TYPES) == DOCUMENTED_TYPES
    assert list(EXAMPLES) == DOCUMENTED_TYPES


@pytest.mark.parametrize("kind", DOCUMENTED_TYPES)
def test_every_example_validates_unchanged(kind: str) -> None:
    event = validate_event(EXAMPLES[kind])
    assert isinstance(event, ValidatedEvent)
    assert event.type == kind
    assert event.fields == EXAMPLES[kind]
    assert event.valid_time.text == EXAMPLES[kind]["occurred_at"]


@pytest.mark.parametrize("kind", DOCUMENTED_TYPES)
def test_every_example_validates_through_the_discriminated_union(kind: str) -> None:
    assert type(TypeAdapter(AnyEvent).validate_python(EXAMPLES[kind])) is EVENT_TYPES[kind]


def test_the_union_has_an_openapi_schema_with_examples() -> None:
    schema = TypeAdapter(AnyEvent).json_schema()
    assert schema["$defs"]["RoundScheduled"]["examples"] == [EXAMPLES["round.scheduled"]]


@pytest.mark.parametrize(("kind", "name"), REQUIRED)
def test_a_missing_required_field_is_refused_by_name(kind: str, name: str) -> None:
    obj = example(kind)
    obj.pop(name, None)
    assert refusal(obj) == {name: "field required"}


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("negotiation.opened", {"occurred_at", "title", "participants"}),
        ("delegation.named", {"occurred_at", "round_id", "participant_id", "head"}),
        ("position.stated", {"occurred_at", "dispute_id", "participant_id", "stance", "text"}),
        ("proposal.tabled", {"occurred_at", "proposal_id", "proposed_by", "text"}),
        ("commitment.agreed", {"occurred_at", "commitment_id", "parties", "text"}),
        ("statement.issued", {"occurred_at", "speaker", "text"}),
        ("record.corrected", {"occurred_at", "target_event_id", "changes", "reason"}),
        ("round.scheduled", {"occurred_at", "round_id"}),
        ("negotiation.suspended", {"occurred_at"}),
    ],
)
def test_required_fields_are_the_contracts_bold_ones(kind: str, names: set[str]) -> None:
    assert {name for k, name in REQUIRED if k == kind} == names


def test_the_fields_hold_what_was_sent_without_defaults() -> None:
    event = validate_event({"type": "round.started", "occurred_at": "2025-02-27", "round_id": "r1"})
    assert event.fields == {"type": "round.started", "occurred_at": "2025-02-27", "round_id": "r1"}
    assert event.valid_time.as_fields() == {
        "occurred_from": "2025-02-27T00:00:00Z", "occurred_until": "2025-02-27T23:59:59.999999Z",
    }


def test_whole_numbers_of_hours_stay_whole() -> None:
    fields = validate_event(example("round.concluded", duration={"min_hours": 6})).fields
    assert fields["duration"] == {"min_hours": 6}
    assert type(fields["duration"]["min_hours"]) is int


def test_null_for_an_optional_field_is_accepted() -> None:
    assert validate_event(example("round.scheduled", label=None)).fields["label"] is None


# -- the object and its type ----------------------------------------------------------------------

@pytest.mark.parametrize("obj", [None, [], "event", 3, [EXAMPLES["round.started"]]])
def test_anything_but_an_object_is_refused(obj: object) -> None:
    assert refusal(obj) == {"": "an event must be a JSON object"}


def test_a_missing_type_is_refused_listing_the_types() -> None:
    message = refusal({"occurred_at": "2025"})["type"]
    assert "field required" in message and "round.scheduled" in message and "record.retracted" in message


@pytest.mark.parametrize("kind", ["round.held", "", 3, None, "ROUND.SCHEDULED"])
def test_an_unknown_type_is_refused_listing_the_types(kind: object) -> None:
    assert "one of: negotiation.opened, participant.joined" in refusal({"type": kind, "occurred_at": "2025"})["type"]


def test_an_unknown_field_is_refused_naming_the_accepted_ones() -> None:
    message = refusal(example("round.started", place="Istanbul"))["place"]
    assert message.startswith("unknown field")
    assert "round_id" in message and "venue" in message


def test_an_unknown_nested_field_is_refused() -> None:
    assert refusal(example("round.started", venue={"town": "Istanbul"})) == {"venue.town": "unknown field"}


@pytest.mark.parametrize("name", sorted(SERVER_FIELDS))
def test_a_server_field_is_refused_as_set_by_the_server(name: str) -> None:
    assert "set by the server" in refusal(example("round.started", **{name: "x"}))[name]


def test_server_fields_are_the_contracts() -> None:
    assert SERVER_FIELDS == {
        "event_id", "negotiation_id", "version", "position", "log_index", "recorded_at", "recorded_by",
        "hash", "prev_hash", "occurred_from", "occurred_until", "approximate", "uncertain", "erased",
    }


def test_every_problem_is_reported_at_once() -> None:
    errors = refusal(example("round.scheduled", number=0, provisional="yes", round_id="R2"))
    assert set(errors) == {"number", "provisional", "round_id"}
