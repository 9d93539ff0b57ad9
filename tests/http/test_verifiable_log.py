"""The verifiable log over HTTP (docs/api.md §9): checkpoints and proofs in the C2SP and RFC 9162
formats, checked by the independent Go verifier (golang.org/x/mod/sumdb) as well as our own."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.leaves import digest
from domain.merkle import leaf_hash
from domain.receipts import verify_receipt
from domain.signed_note import parse_verifier_key
from tests.conftest import OPENING, bearer
from tests.independent.go_verifier import GoVerifier
from tests.problems import assert_problem

EMPTY_ROOT = base64.b64encode(hashlib.sha256(b"").digest()).decode()


def rounds(n: int) -> list[dict[str, Any]]:
    return [{"type": "round.proposed", "occurred_at": f"2025-03-{1 + i:02d}", "round_id": f"r{i}",
             "sources": [{"title": f"report {i}", "quote": "Встреча состоится"}]} for i in range(n)]


def checkpoint_of(note: str) -> tuple[str, int, bytes]:
    origin, size, root = note.split("\n")[:3]
    return origin, int(size), base64.b64decode(root)


@pytest.fixture
def grown(client: TestClient, as_recorder: dict) -> dict[str, Any]:
    """A log grown one event at a time, with the checkpoint signed at every size."""
    notes: dict[int, str] = {}
    opened = client.post("/negotiations", json=OPENING, headers=as_recorder).json()
    notes[1] = client.get("/log/checkpoint", headers=as_recorder).text
    events = [opened["event"]]
    for event in rounds(11):
        events.append(client.post(f"/negotiations/{opened['id']}/events", json=event, headers=as_recorder).json())
        notes[len(events)] = client.get("/log/checkpoint", headers=as_recorder).text
    return {"negotiation": opened["id"], "events": events, "notes": notes,
            "vkey": client.get("/log/key", headers=as_recorder).text.strip()}


def test_the_checkpoint_is_a_signed_note_go_verifies_with_the_verifier_key(
        client: TestClient, grown: dict, as_recorder: dict, go_verifier: GoVerifier) -> None:
    response = client.get("/log/checkpoint", headers=as_recorder)
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    note, vkey = response.text, grown["vkey"]
    text = go_verifier.verify_note(vkey, note)
    origin, size, root = checkpoint_of(text)
    key = parse_verifier_key(vkey)
    assert origin == key.name and note.split("\n")[4].startswith(f"— {origin} ")
    assert size == 12 and text == f"{origin}\n12\n{base64.b64encode(root).decode()}\n"
    assert vkey.split("+", 2)[1] == key.key_id.hex()


def test_the_empty_log_is_size_0_with_the_root_of_the_empty_string(client: TestClient, as_recorder: dict,
                                                                   go_verifier: GoVerifier) -> None:
    note = client.get("/log/checkpoint", headers=as_recorder).text
    vkey = client.get("/log/key", headers=as_recorder).text.strip()
    assert go_verifier.verify_note(vkey, note).split("\n")[1:3] == ["0", EMPTY_ROOT]


def test_the_checkpoint_is_kept_until_the_next_append(client: TestClient, grown: dict, as_recorder: dict) -> None:
    first = client.get("/log/checkpoint", headers=as_recorder).text
    assert client.get("/log/checkpoint", headers=as_recorder).text == first
    client.post(f"/negotiations/{grown['negotiation']}/events", json=rounds(12)[-1], headers=as_recorder)
    assert checkpoint_of(client.get("/log/checkpoint", headers=as_recorder).text)[1] == 13


def test_every_inclusion_proof_verifies_in_go_at_every_tree_size(
        client: TestClient, grown: dict, as_recorder: dict, go_verifier: GoVerifier) -> None:
    requests = []
    for event in grown["events"]:
        index = event["log_index"]
        for size in range(index + 1, len(grown["events"]) + 1):
            proof = client.get(f"/events/{event['event_id']}/proof", params={"tree_size": size},
                               headers=as_recorder).json()
            assert proof["log_index"] == index and proof["tree_size"] == size and "checkpoint" not in proof
            leaf = base64.b64decode(proof["leaf"])
            assert proof["leaf_hash"] == leaf_hash(leaf).hex() == event["hash"]
            requests.append(go_verifier.inclusion_request(
                index, size, leaf_hash(leaf), [base64.b64decode(h) for h in proof["inclusion"]],
                checkpoint_of(grown["notes"][size])[2]))
    assert go_verifier.refusals(requests) == [None] * len(requests) == [None] * 78


def test_the_default_proof_is_in_the_latest_checkpoint_which_comes_with_it(
        client: TestClient, grown: dict, as_recorder: dict, go_verifier: GoVerifier) -> None:
    event = grown["events"][3]
    proof = client.get(f"/events/{event['event_id']}/proof", headers=as_recorder).json()
    _, size, root = checkpoint_of(go_verifier.verify_note(grown["vkey"], proof["checkpoint"]))
    assert proof["tree_size"] == size == 12
    go_verifier.check_inclusion(3, 12, bytes.fromhex(proof["leaf_hash"]),
                                [base64.b64decode(h) for h in proof["inclusion"]], root)


def test_the_disclosures_open_the_leaf_and_equal_the_event_as_served(client: TestClient, grown: dict,
                                                                     as_recorder: dict) -> None:
    event = grown["events"][5]
    proof = client.get(f"/events/{event['event_id']}/proof", headers=as_recorder).json()
    leaf = json.loads(base64.b64decode(proof["leaf"]))
    assert {name for _, name, _ in proof["disclosures"]} == set(leaf["fields"]) == {"round_id", "sources[0]"}
    for salt, name, value in proof["disclosures"]:
        assert digest(salt, name, value) == leaf["fields"][name]
        assert value == (event["sources"][0] if name == "sources[0]" else event[name])
    assert {k: leaf[k] for k in ("event_id", "log_index", "recorded_at", "recorded_by")} == \
        {k: event[k] for k in ("event_id", "log_index", "recorded_at", "recorded_by")}


def test_every_consistency_proof_verifies_in_go(client: TestClient, grown: dict, as_recorder: dict,
                                                go_verifier: GoVerifier) -> None:
    requests, size = [], len(grown["events"])
    for first in range(1, size + 1):
        for second in range(first, size + 1):
            answer = client.get("/log/consistency", params={"first": first, "second": second},
                                headers=as_recorder).json()
            assert (answer["first"], answer["second"]) == (first, second)
            requests.append(go_verifier.consistency_request(
                first, second, checkpoint_of(grown["notes"][first])[2], checkpoint_of(grown["notes"][second])[2],
                [base64.b64decode(h) for h in answer["consistency"]]))
    assert go_verifier.refusals(requests) == [None] * len(requests)
    for first, second in ((0, 5), (5, 5), (0, 0)):
        assert client.get("/log/consistency", params={"first": first, "second": second},
                          headers=as_recorder).json()["consistency"] == []


def test_a_receipt_verifies_offline_with_the_key_alone(client: TestClient, grown: dict, as_recorder: dict) -> None:
    event = grown["events"][7]
    receipt = client.get(f"/events/{event['event_id']}/receipt", headers=as_recorder).json()
    served = client.get(f"/events/{event['event_id']}", headers=as_recorder).json()
    # The event as stored, but for its position: the storage's own order, which no leaf commits to.
    assert receipt["event"] == {k: v for k, v in served.items() if k not in ("corrections", "retracted", "position")}
    assert receipt["proof"].startswith(f"c2sp.org/tlog-proof@v1\nindex {event['log_index']}\n")
    proved = verify_receipt(receipt, parse_verifier_key(grown["vkey"]))
    assert proved["event_id"] == event["event_id"] and proved["tree_size"] == 12


def test_tiles_hold_the_stored_hashes(client: TestClient, grown: dict, as_recorder: dict) -> None:
    tile = client.get("/tile/0/000.p/12", headers=as_recorder)
    assert tile.headers["content-type"] == "application/octet-stream"
    assert tile.content == b"".join(bytes.fromhex(e["hash"]) for e in grown["events"])
    assert client.get("/tile/0/000.p/5", headers=as_recorder).content == tile.content[:5 * 32]


def test_bad_questions_get_a_problem_naming_what_is_wrong(client: TestClient, as_recorder: dict) -> None:
    nid = client.post("/negotiations", json=OPENING, headers=as_recorder).json()["id"]
    for event in rounds(4):
        last = client.post(f"/negotiations/{nid}/events", json=event, headers=as_recorder).json()
    proof = f"/events/{last['event_id']}/proof"  # log_index 4, in a tree of 5
    for path in ("0/000", "0/000.p/6", "1/000.p/1", "0/001.p/1"):  # well formed, not in this tree
        assert_problem(client.get(f"/tile/{path}", headers=as_recorder), 404)
    for path in ("00/000", "0/0", "0/x000", "0/000.p/0", "0/000.p/256", "64/000", "0/000/", "entries/000",
                 "-1/000", "0/0001"):
        assert_problem(client.get(f"/tile/{path}", headers=as_recorder), 422, field="tile_path")
    for tree_size in ("0", "4", "6", "-1", "x", "1.5", "2.0", "99999999999999999999"):
        assert_problem(client.get(proof, params={"tree_size": tree_size}, headers=as_recorder), 422, "tree_size",
                       field="tree_size")
    for first, second, field in ((3, 2, "first"), (1, 6, "second"), (-1, 3, "first"), ("a", 3, "first"),
                                 (1, "2.0", "second"), (None, 3, "first")):
        params = {"first": first, "second": second} if first is not None else {"second": second}
        assert_problem(client.get("/log/consistency", params=params, headers=as_recorder), 422, field, field=field)
    for what in ("proof", "receipt"):
        for event_id in ("6c0e1f0a-8a38-4a8e-9f1e-2b3c4d5e6f70", "not-an-id"):
            assert_problem(client.get(f"/events/{event_id}/{what}", headers=as_recorder), 404)


def test_the_verifiable_log_is_for_readers(client: TestClient, negotiation: str, tokens: dict) -> None:
    for path in ("/log/checkpoint", "/log/key", "/log/consistency?first=0&second=1", "/tile/0/000.p/1"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=bearer(tokens["reader"])).status_code == 200, path
