"""Receipts checked offline (docs/api.md §9): a receipt made by the pure parts verifies with the
log's key, and one with any byte changed, or checked with another key, fails naming a check."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from domain import jsonfast
from domain.leaves import committed_names, field_digests, leaf_bytes, new_salts, disclosures
from domain.merkle import Frontier, inclusion_proof, leaf_hash
from domain.receipts import Failed, make_receipt, verify_receipt
from domain.signed_note import parse_verifier_key, sign_note, verifier_key
from domain.tlog_formats import checkpoint_text
from domain.valid_time import parse_valid_time

ORIGIN = "example.org/talks"
KEY = Ed25519PrivateKey.generate()
VKEY = parse_verifier_key(verifier_key(ORIGIN, KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)))


def event(i: int) -> dict:
    record = {"event_id": f"00000000-0000-4000-8000-{i:012d}", "type": "statement.issued",
              "occurred_at": "2025-04-10T10:00:00+03:00", "recorded_by": "alice",
              "speaker": {"name": "Maria Zakharova", "title": "Spokesperson"}, "text": f"Statement {i} — ясно",
              "sources": [{"title": "TASS", "reliability": "reported"}, {"title": "MFA", "reliability": "official"}],
              "negotiation_id": "5d0c2a4e-7f3b-4c1e-9a59-2b8f1e6d4a10", "version": i + 1, "log_index": i,
              "recorded_at": f"2025-04-11T08:00:0{i % 10}Z"}
    return {**record, **parse_valid_time(record["occurred_at"]).as_fields()}


def make(size: int = 7, index: int = 4) -> dict:
    frontier, stored, salts = Frontier.empty(), {}, []
    for i in range(size):
        e = event(i)
        s = new_salts(committed_names(e))
        leaf = leaf_bytes(e, field_digests(e, s))
        e["hash"] = leaf_hash(leaf).hex()
        for node, h in frontier.append(leaf_hash(leaf)):
            stored[node] = h
        salts.append((e, s, leaf))
    note = sign_note(checkpoint_text(ORIGIN, size, frontier.root()), ORIGIN, KEY)
    e, s, leaf = salts[index]
    return make_receipt({**e, "position": 99}, disclosures(e, s), leaf, inclusion_proof(index, size, stored), note)


def test_a_receipt_proves_its_event_with_the_key_alone() -> None:
    receipt = make()
    assert "position" not in receipt["event"]
    assert verify_receipt(receipt, VKEY) == {"event_id": "00000000-0000-4000-8000-000000000004",
                                            "negotiation_id": "5d0c2a4e-7f3b-4c1e-9a59-2b8f1e6d4a10",
                                            "log_index": 4, "tree_size": 7, "origin": ORIGIN}


def test_a_receipt_checked_with_another_key_fails_on_the_signature() -> None:
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    with pytest.raises(Failed) as failed:
        verify_receipt(make(), parse_verifier_key(verifier_key(ORIGIN, other)))
    assert failed.value.check == "checkpoint signature"


def test_a_receipt_with_any_byte_changed_fails() -> None:
    raw = jsonfast.dumps(make())
    unchanged = []
    for i in range(len(raw)):
        changed = bytearray(raw)
        changed[i] ^= 0x01
        try:
            receipt = json.loads(bytes(changed))
        except ValueError:
            continue  # `receipt verify` refuses what is not JSON
        try:
            verify_receipt(receipt, VKEY)
        except Failed as failed:
            assert failed.check and failed.detail
            continue
        unchanged.append((i, raw[max(0, i - 20):i + 20]))
    assert unchanged == []


@pytest.mark.parametrize("change, check", [
    (lambda r: r["event"].update(text="Statement 4 — edited"), "event"),
    (lambda r: r["disclosures"][1].__setitem__(2, "Statement 4 — edited"), "disclosures"),
    (lambda r: r["event"].update(occurred_from="2025-04-09T00:00:00Z"), "event"),
    (lambda r: r["event"].update(position=4), "event"),
    (lambda r: r["disclosures"].pop(), "event"),  # the event still shows it
    (lambda r: r.update(proof=r["proof"].replace("index 4", "index 3")), "inclusion proof"),
    (lambda r: r.pop("leaf"), "format"),
])
def test_each_check_names_itself(change, check: str) -> None:
    receipt = make()
    change(receipt)
    with pytest.raises(Failed) as failed:
        verify_receipt(receipt, VKEY)
    assert failed.value.check == check, failed.value


def test_an_erased_field_still_verifies_once_listed_as_erased() -> None:
    receipt = make()
    receipt["disclosures"] = [d for d in receipt["disclosures"] if d[1] not in ("text", "sources[1]")]
    del receipt["event"]["text"]
    receipt["event"]["sources"][1] = None
    with pytest.raises(Failed, match="neither disclosed nor listed as erased"):
        verify_receipt(receipt, VKEY)
    receipt["event"]["erased"] = ["text", "sources[1]"]
    assert verify_receipt(receipt, VKEY)["log_index"] == 4
