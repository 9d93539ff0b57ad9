"""Reading what `negotiation-log verify --checkpoint` is given: a checkpoint saved from
`GET /audit/checkpoint`, and optionally the public key to hold it to."""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pydantic import ValidationError

from projections.checkpoint import Checkpoint

from api.signing_key import SigningKeyError, load


class BadInput(Exception):
    pass


def read_checkpoint(path: Path) -> Checkpoint:
    try:
        return Checkpoint.model_validate_json(path.read_bytes())
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror}") from None
    except ValidationError as e:
        fields = "; ".join(f"{'.'.join(str(p) for p in x['loc']) or 'checkpoint'}: {x['msg']}" for x in e.errors())
        raise BadInput(f"{path} is not a checkpoint from GET /audit/checkpoint ({fields})") from None


def read_public_key(path: Path) -> Ed25519PublicKey:
    """A PEM public key, or the JSON answer of GET /audit/public-key saved to a file."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror}") from None
    try:
        if data.lstrip().startswith(b"{"):
            raw = base64.b64decode(json.loads(data)["public_key"], validate=True)
            return Ed25519PublicKey.from_public_bytes(raw)
        key = load_pem_public_key(data)
    except (ValueError, KeyError, TypeError, binascii.Error) as e:
        raise BadInput(f"{path} holds no Ed25519 public key: {e}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise BadInput(f"{path} holds a public key that is not Ed25519")
    return key


def service_public_key(key_file: Path | None) -> Ed25519PublicKey:
    if key_file is None:
        raise BadInput("an in-memory database has no lasting signing key; pass --public-key FILE")
    try:
        return load(key_file).public_key()
    except SigningKeyError as e:
        raise BadInput(f"{e}; pass --public-key FILE (from GET /audit/public-key) or --signing-key") from None
