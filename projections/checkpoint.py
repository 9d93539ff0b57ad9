"""Signed checkpoints: the service's Ed25519 signature over "the log's hash at position N",
and the proof that a log today still extends such a checkpoint.

The signed bytes are five ASCII lines, each ending in a line feed (0x0A), nothing else:

    negotiation-log checkpoint v1
    position: <position, decimal, no leading zeros>
    hash: <the chain hash at that position, 64 lowercase hex>
    signed_at: <the checkpoint's signed_at, exactly as given>
    key_id: <the signing key's id>

`key_id` is the first 16 hex digits of SHA-256 over the 32 raw bytes of the Ed25519 public
key; `signature` is the 64-byte Ed25519 signature, in standard base64. Position 0 (an empty
log) has the genesis hash, 64 zeros. The fields are validated strictly (no newlines can hide
in them), so one checkpoint has exactly one byte string."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import BaseModel, ConfigDict, Field

from domain.chain import GENESIS_HASH
from domain.storage.log import EventLog

from projections.chain_audit import verify_chain

HEADER = "negotiation-log checkpoint v1"


class Checkpoint(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    position: int = Field(ge=0, le=2**63 - 1, description="global position the checkpoint covers")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="chain hash at that position")
    signed_at: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$",
                           description="when it was signed, UTC")
    key_id: str = Field(pattern=r"^[0-9a-f]{16}$", description="id of the signing key")
    signature: str = Field(pattern=r"^[A-Za-z0-9+/]{86}==$", description="Ed25519 signature, base64")

    def signed_bytes(self) -> bytes:
        return signed_bytes(self.position, self.hash, self.signed_at, self.key_id)


def signed_bytes(position: int, chain_hash: str, signed_at: str, key_id: str) -> bytes:
    return (f"{HEADER}\nposition: {position}\nhash: {chain_hash}\nsigned_at: {signed_at}\n"
            f"key_id: {key_id}\n").encode("ascii")


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public_key(key)).hexdigest()[:16]


def public_key_info(key: Ed25519PublicKey) -> dict[str, str]:
    return {"algorithm": "Ed25519", "key_id": key_id(key),
            "public_key": base64.b64encode(raw_public_key(key)).decode(),
            "public_key_pem": key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()}


def sign(private_key: Ed25519PrivateKey, position: int, chain_hash: str, signed_at: str) -> Checkpoint:
    kid = key_id(private_key.public_key())
    signature = private_key.sign(signed_bytes(position, chain_hash, signed_at, kid))
    return Checkpoint(position=position, hash=chain_hash, signed_at=signed_at, key_id=kid,
                      signature=base64.b64encode(signature).decode())


def signature_valid(checkpoint: Checkpoint, key: Ed25519PublicKey) -> bool:
    if checkpoint.key_id != key_id(key):
        return False
    try:
        key.verify(base64.b64decode(checkpoint.signature, validate=True), checkpoint.signed_bytes())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def prove_extends(log: EventLog, checkpoint: Checkpoint, key: Ed25519PublicKey) -> dict[str, Any]:
    """Does today's log extend `checkpoint`? The signature must verify with `key`, the whole
    chain must be intact from genesis to the head, the log must reach the checkpoint's position,
    and the hash recomputed at that position must be the signed one. Every failed check is
    listed in `problems`, the most telling first."""
    at_position: dict[int, str] = {0: GENESIS_HASH}

    def remember(position: int, chain_hash: str) -> None:
        if position == checkpoint.position:
            at_position[position] = chain_hash

    chain = verify_chain(log, on_link=remember)
    signed = signature_valid(checkpoint, key)
    found = at_position.get(checkpoint.position)
    head = chain["head"]["position"]
    problems: list[str] = []
    if not signed:
        problems.append(f"the signature does not verify with key {key_id(key)}"
                        + (f" (the checkpoint names key {checkpoint.key_id})" if checkpoint.key_id != key_id(key) else ""))
    if not chain["ok"]:
        problems.append(f"the hash chain is broken at position {chain['first_bad_position']}: a stored event "
                        "was edited, dropped, inserted or reordered")
    elif head < checkpoint.position:
        problems.append(f"the log ends at position {head}, before the checkpoint's position "
                        f"{checkpoint.position}: it was cut back (truncated)")
    elif found is None:
        problems.append(f"the log has no event at the checkpoint's position {checkpoint.position}: it was dropped")
    elif found != checkpoint.hash:
        problems.append(f"the log's hash at position {checkpoint.position} is not the checkpoint's: "
                        "history up to there was rewritten")
    return {"ok": not problems, "signature_valid": signed,
            "extends_checkpoint": chain["ok"] and found == checkpoint.hash,
            "checkpoint": {"position": checkpoint.position, "hash": checkpoint.hash, "key_id": checkpoint.key_id},
            "chain": chain, "problems": problems}
