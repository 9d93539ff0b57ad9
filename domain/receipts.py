"""Receipts (docs/api.md §9): everything a third party needs, with the log's verifier key and
nothing else, to check offline that one event is on record —

    {"event": …, "disclosures": [[salt, name, value], …], "leaf": base64, "proof": tlog-proof}

and the checks, in the order a chain of trust runs: the checkpoint inside the proof is signed
by the key and names its log; the leaf is canonical and its hash is included in that
checkpoint's tree at the proof's index; each disclosure hashes to the digest the leaf holds
for its field; the event's envelope is the leaf's, and its fields are exactly what the
disclosures disclose (or what it says was erased), and what it derives from them (the bounds
of `occurred_at`) is what they derive. A receipt holds nothing that is not checked: `position`,
the storage's own order, which no leaf commits to (docs/api.md §9), is left out. Pure."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from domain.canonical import canonical
from domain.leaves import ENVELOPE, LEAF_VERSION, SALT_BYTES, SOURCE_NAME, committed_fields, digest
from domain.merkle import ProofError, leaf_hash, verify_inclusion
from domain.signed_note import NoteError, VerifierKey, b64decode_canonical, open_note
from domain.tlog_formats import format_tlog_proof, parse_checkpoint_text, parse_tlog_proof
from domain.valid_time import parse_valid_time


@dataclass(frozen=True)
class Failed(Exception):
    """One check of a receipt that did not hold: `check` names it, `detail` says why."""

    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.check}: {self.detail}"


# Beside the envelope and the committed fields, what an event may carry in a receipt: its leaf
# hash and erasures (checked against the leaf), and what is derived from `occurred_at`.
CHECKED_BESIDE = frozenset({"hash", "erased"})


def make_receipt(event: Mapping[str, Any], disclosures: Sequence[Sequence[Any]], leaf: bytes,
                 inclusion: Sequence[bytes], checkpoint_note: str) -> dict[str, Any]:
    shown = {k: v for k, v in event.items() if k != "position"}
    return {"event": shown, "disclosures": [list(d) for d in disclosures],
            "leaf": base64.b64encode(leaf).decode(),
            "proof": format_tlog_proof(int(event["log_index"]), list(inclusion), checkpoint_note)}


def verify_receipt(receipt: Any, key: VerifierKey) -> dict[str, Any]:
    """Returns what the receipt proves (event id, log index, tree size, origin); raises
    Failed naming the first check that does not hold."""
    if not isinstance(receipt, dict) or not {"event", "disclosures", "leaf", "proof"} <= receipt.keys():
        raise Failed("format", "a receipt is a JSON object with event, disclosures, leaf and proof")
    try:
        proof = parse_tlog_proof(receipt["proof"])
    except (ValueError, TypeError) as e:
        raise Failed("proof format", str(e)) from None
    try:
        checkpoint = parse_checkpoint_text(open_note(proof.checkpoint_note, key))
    except NoteError as e:
        raise Failed("checkpoint signature", str(e)) from None
    except ValueError as e:
        raise Failed("checkpoint format", str(e)) from None
    if checkpoint.origin != key.name:
        raise Failed("checkpoint origin", f"the checkpoint is of log {checkpoint.origin!r}, the key of {key.name!r}")
    leaf_raw, leaf = _leaf(receipt["leaf"])
    try:
        verify_inclusion(proof.index, checkpoint.size, leaf_hash(leaf_raw), proof.proof, checkpoint.root)
    except ProofError as e:
        raise Failed("inclusion proof", str(e)) from None
    if leaf.get("log_index") != proof.index:
        raise Failed("leaf", f"the leaf says log_index {leaf.get('log_index')}, the proof index {proof.index}")
    _check_event(receipt["event"], leaf, leaf_hash(leaf_raw))
    _check_disclosures(receipt["event"], receipt["disclosures"], leaf["fields"])
    return {"event_id": leaf["event_id"], "negotiation_id": leaf["negotiation_id"], "log_index": proof.index,
            "tree_size": checkpoint.size, "origin": checkpoint.origin}


def _leaf(text: Any) -> tuple[bytes, dict[str, Any]]:
    try:
        raw = b64decode_canonical(text)
        leaf = orjson.loads(raw)
    except (ValueError, TypeError) as e:
        raise Failed("leaf", f"not base64 of JSON: {e}") from None
    if not isinstance(leaf, dict) or leaf.get("v") != LEAF_VERSION or not isinstance(leaf.get("fields"), dict) \
            or set(leaf) != {"v", "fields", *ENVELOPE}:
        raise Failed("leaf", f"not a version {LEAF_VERSION} leaf: {{v, fields, {', '.join(ENVELOPE)}}}")
    try:
        if canonical(leaf) != raw:
            raise Failed("leaf", "the leaf is not in canonical JSON (RFC 8785)")
    except ValueError as e:
        raise Failed("leaf", str(e)) from None
    return raw, leaf


def _check_event(event: Any, leaf: Mapping[str, Any], hashed: bytes) -> None:
    if not isinstance(event, dict):
        raise Failed("event", "the event is not a JSON object")
    for name in ENVELOPE:
        if event.get(name) != leaf[name]:
            raise Failed("event", f"the event's {name} is {event.get(name)!r}, the leaf's {leaf[name]!r}")
    if event.get("hash") != hashed.hex():
        raise Failed("event", "the event's hash is not the leaf's hash")
    try:
        derived = parse_valid_time(event["occurred_at"]).as_fields()
    except ValueError as e:
        raise Failed("event", f"occurred_at: {e}") from None
    for name, value in derived.items():
        if event.get(name) != value:
            raise Failed("event", f"the event's {name} is not what its occurred_at says ({value!r})")
    committed = {SOURCE_NAME.sub("sources", name) for name in leaf["fields"]}
    extra = set(event) - set(ENVELOPE) - CHECKED_BESIDE - set(derived) - committed
    if event.get("sources", []) in ([], None):  # recorded before v2: no entry to commit to
        extra.discard("sources")
    if extra:
        raise Failed("event", f"the event carries what the leaf does not commit to: {', '.join(sorted(extra))}")


def _check_disclosures(event: Mapping[str, Any], disclosures: Any, digests: Mapping[str, Any]) -> None:
    if not isinstance(disclosures, list):
        raise Failed("disclosures", "not a list")
    disclosed: dict[str, Any] = {}
    for i, item in enumerate(disclosures):
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str) and isinstance(item[1], str)):
            raise Failed("disclosures", f"disclosure {i} is not [salt, name, value]")
        salt, name, value = item
        if _salt_bits(salt) < 8 * SALT_BYTES:
            raise Failed("disclosures", f"the salt of {name!r} has fewer than {8 * SALT_BYTES} bits")
        if name not in digests:
            raise Failed("disclosures", f"the leaf commits to no field {name!r}")
        try:
            if digest(salt, name, value) != digests[name]:
                raise Failed("disclosures", f"{name!r} does not hash to the digest the leaf holds for it")
        except ValueError as e:
            raise Failed("disclosures", f"{name!r}: {e}") from None
        disclosed[name] = value
    erased = event.get("erased") or []
    served = dict(committed_fields(event))
    if served != disclosed:
        shown = sorted(set(served) ^ set(disclosed)) or sorted(n for n in served if served[n] != disclosed.get(n))
        raise Failed("event", f"the event's fields are not what the disclosures disclose: {', '.join(shown)}")
    for name in digests:
        if name not in disclosed and name not in erased:
            raise Failed("disclosures", f"{name!r} is committed but neither disclosed nor listed as erased")
    for name in erased:
        if name not in digests or name in disclosed:
            raise Failed("event", f"{name!r} is listed as erased but the leaf does not say so")
        if SOURCE_NAME.match(name) and _source(event, name) is not None:
            raise Failed("event", f"{name!r} is listed as erased but the event still shows it")


def _source(event: Mapping[str, Any], name: str) -> Any:
    index = int(name[len("sources["):-1])
    sources = event.get("sources") or []
    return sources[index] if index < len(sources) else None


def _salt_bits(salt: str) -> int:
    try:
        return 8 * len(base64.urlsafe_b64decode(salt + "=" * (-len(salt) % 4)))
    except (binascii.Error, ValueError):
        return 0
