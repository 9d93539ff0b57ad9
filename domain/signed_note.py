"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys: key IDs, verifier keys, signing
and opening a note.

A note is a text ending in a newline, a blank line, then signature lines
`— <key name> base64(4-byte key ID || signature)`. The key ID is
SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4] and the verifier key
`<name>+<8 hex key ID>+base64(0x01 || public key)`, as Go's golang.org/x/mod/sumdb/note
writes them. Opening is stricter than Go in one respect: base64 must be canonical, so a note
has exactly one spelling."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01  # the signature type byte of c2sp.org/signed-note
SIGNATURE_PREFIX = "— "
MAX_SIGNATURES = 100  # the spec asks verifiers to accept at least 16

# Unicode's White_Space property (what Go's unicode.IsSpace tests), which key names exclude.
_WHITE_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
    + "".join(map(chr, range(0x2000, 0x200B)))
)


class NoteError(ValueError):
    """A note does not open with the key it was checked against; the message says why."""


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_id: bytes  # 4 bytes
    public_key: bytes  # 32 bytes, RFC 8032

    def __str__(self) -> str:
        return verifier_key(self.name, self.public_key)

    def ed25519(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public_key)


def b64decode_canonical(text: str) -> bytes:
    """Standard base64 (RFC 4648 section 4), refusing any other spelling of the same bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
    if base64.b64encode(raw).decode() != text:
        raise ValueError("not canonical base64")
    return raw


def valid_key_name(name: str) -> bool:
    """Non-empty, UTF-8, no Unicode spaces, no '+' (and no control characters, which no note
    may hold)."""
    if not isinstance(name, str) or not name or "+" in name:
        return False
    if any(c in _WHITE_SPACE or c.isspace() or c < " " for c in name):
        return False
    try:
        name.encode()
    except UnicodeEncodeError:
        return False
    return True


def _raw_public_key(public_key: bytes | Ed25519PublicKey) -> bytes:
    if isinstance(public_key, Ed25519PublicKey):
        return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    if not isinstance(public_key, (bytes, bytearray)) or len(public_key) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return bytes(public_key)


def key_id(name: str, public_key: bytes | Ed25519PublicKey) -> bytes:
    raw = _raw_public_key(public_key)
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + raw).digest()[:4]


def verifier_key(name: str, public_key: bytes | Ed25519PublicKey) -> str:
    if not valid_key_name(name):
        raise ValueError(f"{name!r} is not a key name: it must be non-empty, without spaces or '+'")
    raw = _raw_public_key(public_key)
    encoded = base64.b64encode(bytes([ED25519]) + raw).decode()
    return f"{name}+{key_id(name, raw).hex()}+{encoded}"


def parse_verifier_key(text: str) -> VerifierKey:
    """`<name>+<8 hex key ID>+<base64(0x01 || key)>`; surrounding whitespace is ignored."""
    name, plus, rest = text.strip().partition("+")
    id_hex, plus2, encoded = rest.partition("+")
    if not plus or not plus2:
        raise ValueError("a verifier key is <name>+<key ID>+<key>")
    if not valid_key_name(name):
        raise ValueError(f"the verifier key's name {name!r} is not a valid key name")
    if len(id_hex) != 8 or not all(c in "0123456789abcdefABCDEF" for c in id_hex):
        raise ValueError(f"the verifier key's key ID {id_hex!r} is not 8 hex digits")
    try:
        raw = b64decode_canonical(encoded)
    except ValueError as e:
        raise ValueError(f"the verifier key's key is {e}") from None
    if not raw or raw[0] != ED25519:
        raise ValueError("the verifier key is not an Ed25519 key (type byte 0x01)")
    if len(raw) != 33:
        raise ValueError(f"the verifier key's Ed25519 key is {len(raw) - 1} bytes, not 32")
    public_key = raw[1:]
    if key_id(name, public_key) != bytes.fromhex(id_hex):
        raise ValueError("the verifier key's key ID does not match its name and key")
    return VerifierKey(name, bytes.fromhex(id_hex), public_key)


def _control_character(text: str) -> str | None:
    for offset, c in enumerate(text):
        if c < " " and c != "\n":
            return f"control character U+{ord(c):04X} at offset {offset}"
    return None


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """The note: `text`, a blank line, and the signature line of `name`."""
    if not text.endswith("\n"):
        raise ValueError("a note's text ends in a newline")
    if (problem := _control_character(text)) is not None:
        raise ValueError(f"a note's text holds no control characters; this one has {problem}")
    public_key = private_key.public_key()
    if not valid_key_name(name):
        raise ValueError(f"{name!r} is not a key name: it must be non-empty, without spaces or '+'")
    signature = private_key.sign(text.encode())
    encoded = base64.b64encode(key_id(name, public_key) + signature).decode()
    return f"{text}\n{SIGNATURE_PREFIX}{name} {encoded}\n"


def open_note(note: str | bytes, key: VerifierKey) -> str:
    """The text of the note, once its signature by `key` verifies; NoteError otherwise.
    Signatures by other keys are ignored, as the spec requires."""
    if isinstance(note, (bytes, bytearray)):
        try:
            note = bytes(note).decode()
        except UnicodeDecodeError:
            raise NoteError("the note is not UTF-8") from None
    try:
        note.encode()
    except UnicodeEncodeError:
        raise NoteError("the note is not UTF-8") from None
    if (problem := _control_character(note)) is not None:
        raise NoteError(f"the note holds {problem}")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("the note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block:
        raise NoteError("the note has no signature lines")
    if not block.endswith("\n"):
        raise NoteError("the note's last signature line does not end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"the note has more than {MAX_SIGNATURES} signatures")
    verified = False
    for number, line in enumerate(lines, 1):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"signature line {number} does not start with '{SIGNATURE_PREFIX}'")
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        if not valid_key_name(name):
            raise NoteError(f"signature line {number} has no valid key name")
        try:
            signature = b64decode_canonical(encoded)
        except ValueError as e:
            raise NoteError(f"the signature on signature line {number} is {e}") from None
        if len(signature) < 5:
            raise NoteError(f"the signature on signature line {number} is too short")
        if name != key.name or signature[:4] != key.key_id:
            continue
        try:
            key.ed25519().verify(signature[4:], text.encode())
        except InvalidSignature:
            raise NoteError(f"the signature by {name} does not verify") from None
        verified = True
    if not verified:
        raise NoteError(f"the note has no signature by {key.name}+{key.key_id.hex()}")
    return text
