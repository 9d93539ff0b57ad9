"""The committed form of an event (docs/api.md §9): leaves of salted field digests."""

from __future__ import annotations

import base64
import hashlib
import json

import rfc8785

from domain.leaves import committed_names, digest, disclosure_bytes, disclosures, field_digests, leaf_bytes, new_salts

EVENT = {
    "event_id": "0b8c6f0e-1d7a-4c3e-9a59-2b8f1e6d4a10", "type": "position.stated",
    "occurred_at": "2025-04-10", "occurred_from": "2025-04-10T00:00:00Z",
    "occurred_until": "2025-04-10T23:59:59.999999Z", "recorded_by": "alice",
    "negotiation_id": "5d0c2a4e-7f3b-4c1e-9a59-2b8f1e6d4a10", "version": 7, "position": 41, "log_index": 40,
    "recorded_at": "2025-04-11T08:00:00.5Z", "hash": "ab" * 32,
    "dispute_id": "property", "participant_id": "ru", "stance": "demand", "text": "Return the six properties",
    "attributed_to": "ru", "note": "from the briefing",
    "sources": [{"title": "TASS", "reliability": "reported"}, {"title": "MFA", "reliability": "official"}],
}
SALTS = {name: f"salt-of-{name}".replace("[", "-").replace("]", "") for name in committed_names(EVENT)}


def test_a_leaf_commits_to_every_client_field_and_sources_entry_by_entry() -> None:
    assert sorted(committed_names(EVENT)) == ["attributed_to", "dispute_id", "note", "participant_id",
                                              "sources[0]", "sources[1]", "stance", "text"]


def test_the_leaf_is_the_canonical_envelope_with_field_digests_and_no_value() -> None:
    leaf = json.loads(leaf_bytes(EVENT, field_digests(EVENT, SALTS)))
    assert set(leaf) == {"v", "event_id", "negotiation_id", "log_index", "version", "type", "occurred_at",
                         "recorded_at", "recorded_by", "fields"}
    assert leaf["v"] == 1 and leaf["log_index"] == 40 and leaf["recorded_at"] == "2025-04-11T08:00:00.5Z"
    raw = leaf_bytes(EVENT, field_digests(EVENT, SALTS))
    assert raw == rfc8785.dumps(leaf)
    assert b"Return the six" not in raw and b"TASS" not in raw


def test_a_digest_is_base64url_sha256_of_the_canonical_disclosure() -> None:
    value = EVENT["sources"][0]
    expected = base64.urlsafe_b64encode(hashlib.sha256(rfc8785.dumps(["s4lt", "sources[0]", value])).digest())
    assert digest("s4lt", "sources[0]", value) == expected.rstrip(b"=").decode()
    assert disclosure_bytes("s4lt", "sources[0]", value) == rfc8785.dumps(["s4lt", "sources[0]", value])


def test_each_disclosure_opens_its_digest() -> None:
    digests = field_digests(EVENT, SALTS)
    for salt, name, value in disclosures(EVENT, SALTS):
        assert digest(salt, name, value) == digests[name]


def test_salts_are_fresh_and_128_bits() -> None:
    one, two = new_salts(["a", "b"]), new_salts(["a", "b"])
    assert one["a"] != one["b"] and one["a"] != two["a"]
    assert all(len(base64.urlsafe_b64decode(s + "==")) == 16 for s in one.values())


def test_an_erased_field_leaves_the_leaf_unchanged() -> None:
    leaf = leaf_bytes(EVENT, field_digests(EVENT, SALTS))
    digests = field_digests(EVENT, SALTS)
    erased_event = {k: v for k, v in EVENT.items() if k != "text"}
    erased_event["sources"] = [None, EVENT["sources"][1]]
    kept = {k: v for k, v in SALTS.items() if k not in ("text", "sources[0]")}
    erased = {"text": digests["text"], "sources[0]": digests["sources[0]"]}
    assert leaf_bytes(erased_event, field_digests(erased_event, kept, erased)) == leaf
    assert [d[1] for d in disclosures(erased_event, kept)] == [n for n in committed_names(EVENT)
                                                              if n not in ("text", "sources[0]")]


def test_what_the_server_derives_or_owns_is_not_committed() -> None:
    derived = {**EVENT, "approximate": True, "uncertain": True, "erased": [], "prev_hash": "x"}
    assert committed_names(derived) == committed_names(EVENT)
