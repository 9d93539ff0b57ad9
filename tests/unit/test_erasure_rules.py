"""Which fields may be erased, and how an event reads once they are (docs/api.md §10). Pure."""

from __future__ import annotations

import pytest

from domain.erasure import check_erasable, erased_digests, erased_record
from domain.errors import RuleViolation, ValidationFailed
from domain.leaves import committed_names, field_digests, leaf_bytes, new_salts

STATEMENT = {
    "event_id": "0b8c6f0e-1d7a-4c3e-9a59-2b8f1e6d4a10", "type": "statement.issued", "occurred_at": "2025-04-10",
    "recorded_by": "alice", "negotiation_id": "5d0c2a4e-7f3b-4c1e-9a59-2b8f1e6d4a10", "version": 3, "log_index": 7,
    "recorded_at": "2025-04-11T08:00:00Z", "speaker": {"name": "Maria Zakharova", "title": "Spokesperson"},
    "text": "Both sides agreed to keep up contacts.", "note": "from the briefing",
    "sources": [{"title": "TASS"}, {"title": "A source who asked not to be named"}, {"title": "MFA"}],
}


def test_an_erased_event_reads_without_its_fields_and_lists_them() -> None:
    erased = erased_record(STATEMENT, ["speaker", "sources[1]"])
    assert "speaker" not in erased and erased["sources"] == [{"title": "TASS"}, None, {"title": "MFA"}]
    assert erased["erased"] == ["sources[1]", "speaker"]
    again = erased_record(erased, ["note"])
    assert again["erased"] == ["note", "sources[1]", "speaker"] and "note" not in again


def test_the_leaf_of_an_erased_event_is_the_leaf_it_had() -> None:
    salts = new_salts(committed_names(STATEMENT))
    leaf = leaf_bytes(STATEMENT, field_digests(STATEMENT, salts))
    names = ["speaker", "sources[1]"]
    kept = erased_digests(STATEMENT, salts, names)
    erased = erased_record(STATEMENT, names)
    remaining = {k: v for k, v in salts.items() if k not in names}
    assert leaf_bytes(erased, field_digests(erased, remaining, kept)) == leaf


@pytest.mark.parametrize("names, field, says", [
    (["type"], "fields.0", "envelope"), (["recorded_by"], "fields.0", "envelope"),
    (["occurred_at"], "fields.0", "envelope"), (["event_id"], "fields.0", "envelope"),
    (["occurred_from"], "fields.0", "envelope"), (["sources"], "fields.0", "entry by entry"),
    (["channel"], "fields.0", "carries no such field"), (["sources[3]"], "fields.0", "carries no such field"),
    (["text", "text"], "fields.1", "named twice"), (["Text!"], "fields.0", "a field name"), ([], "fields", "one or more"),
    ([7], "fields.0", "a field name"),
])
def test_what_cannot_be_erased_is_422_naming_it(names: list, field: str, says: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_erasable(STATEMENT, names)
    assert refused.value.errors[0].field == field and says in refused.value.errors[0].message


def test_the_keys_a_record_is_built_on_cannot_be_erased() -> None:
    position = {**STATEMENT, "type": "position.stated", "dispute_id": "property", "participant_id": "ru"}
    for key in ("dispute_id", "participant_id"):
        with pytest.raises(ValidationFailed, match="retract the event instead"):
            check_erasable(position, [key])


def test_a_field_already_erased_is_a_conflict_and_an_erasure_cannot_be_erased() -> None:
    erased = erased_record(STATEMENT, ["note"])
    with pytest.raises(RuleViolation) as conflict:
        check_erasable(erased, ["text", "note"])
    assert conflict.value.rule == "already-erased"
    erasure = {**STATEMENT, "type": "record.erased", "target_event_id": STATEMENT["event_id"], "fields": ["note"]}
    with pytest.raises(RuleViolation, match="cannot be erased"):
        check_erasable(erasure, ["reason"])


def test_what_may_be_erased_is_named_as_the_leaf_names_it() -> None:
    assert check_erasable(STATEMENT, ["speaker", "note", "sources[2]"]) == \
        ["speaker", "note", "sources[2]"]


def test_what_a_correction_changes_cannot_be_erased() -> None:
    correction = {**{k: STATEMENT[k] for k in ("event_id", "negotiation_id", "version", "log_index", "recorded_by",
                                               "recorded_at", "occurred_at")},
                  "type": "record.corrected", "target_event_id": "1b8c6f0e-1d7a-4c3e-9a59-2b8f1e6d4a10",
                  "changes": {"text": "Both sides agreed."}, "reason": "misquoted by Maria Zakharova"}
    with pytest.raises(ValidationFailed) as refused:
        check_erasable(correction, ["changes"])
    assert refused.value.errors[0].field == "fields.0" and "changes" in refused.value.errors[0].message
    assert check_erasable(correction, ["reason"]) == ["reason"]
