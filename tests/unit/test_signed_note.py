"""C2SP signed notes: key IDs and verifier keys as Go's sumdb/note writes them (the known
answers of its own tests), signing, and opening: a note opens only with the key that signed it,
and any edit, another key, or a malformed note is refused naming the reason."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.signed_note import (
    NoteError,
    key_id,
    open_note,
    parse_verifier_key,
    sign_note,
    valid_key_name,
    verifier_key,
)

# The key and note of golang.org/x/mod/sumdb/note's TestSign (a deterministic Ed25519 seed).
PETER = Ed25519PrivateKey.from_private_bytes(
    base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
)
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_NOTE = TEXT + (
    "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotp"
    "RZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIGNATURE = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33"
    "WWd1RvMc+QQ=\n"
)


def with_key_id(name: str, key: bytes) -> str:
    """A verifier key for any bytes, with the key ID they hash to."""
    digest = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    return f"{name}+{digest.hex()}+{base64.b64encode(key).decode()}"


def public(key: Ed25519PrivateKey) -> bytes:
    return parse_verifier_key(verifier_key("k", key.public_key())).public_key


def test_key_id_and_verifier_key_are_those_of_go() -> None:
    raw = public(PETER)
    assert key_id("PeterNeumann", raw).hex() == "c74f20a3"
    assert verifier_key("PeterNeumann", raw) == PETER_VKEY
    parsed = parse_verifier_key(PETER_VKEY)
    assert (parsed.name, parsed.key_id.hex(), parsed.public_key) == ("PeterNeumann", "c74f20a3", raw)
    assert str(parsed) == PETER_VKEY
    assert parse_verifier_key(f"  {PETER_VKEY}\n") == parsed


def test_signing_gives_gos_note_and_opening_gives_back_the_text() -> None:
    assert sign_note(TEXT, "PeterNeumann", PETER) == PETER_NOTE
    assert open_note(PETER_NOTE, parse_verifier_key(PETER_VKEY)) == TEXT
    assert open_note(PETER_NOTE.encode(), parse_verifier_key(PETER_VKEY)) == TEXT


def test_signatures_by_other_keys_are_ignored() -> None:
    assert open_note(PETER_NOTE + ENOCH_SIGNATURE, parse_verifier_key(PETER_VKEY)) == TEXT
    text_with_blank_lines = "a\n\nb\n\n"
    note = sign_note(text_with_blank_lines, "PeterNeumann", PETER)
    assert open_note(note, parse_verifier_key(PETER_VKEY)) == text_with_blank_lines


def test_a_note_with_any_byte_changed_is_refused() -> None:
    key = parse_verifier_key(PETER_VKEY)
    data = PETER_NOTE.encode()
    for offset in range(len(data)):
        changed = bytearray(data)
        changed[offset] = ord("A") if data[offset] != ord("A") else ord("B")
        with pytest.raises(NoteError):
            open_note(bytes(changed), key)


def test_a_note_checked_with_another_key_is_refused() -> None:
    other = Ed25519PrivateKey.generate()
    same_name = parse_verifier_key(verifier_key("PeterNeumann", other.public_key()))
    with pytest.raises(NoteError, match="no signature by PeterNeumann"):
        open_note(PETER_NOTE, same_name)
    other_name = parse_verifier_key(verifier_key("Paul", PETER.public_key()))
    with pytest.raises(NoteError, match="no signature by Paul"):
        open_note(PETER_NOTE, other_name)


def test_a_signature_under_the_right_key_id_that_does_not_verify_is_refused() -> None:
    forged = sign_note("something else\n", "PeterNeumann", PETER).split("\n\n")[1]
    with pytest.raises(NoteError, match="the signature by PeterNeumann does not verify"):
        open_note(TEXT + "\n" + forged, parse_verifier_key(PETER_VKEY))


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        (TEXT, "no blank line"),
        (TEXT + "\n", "no signature lines"),
        (PETER_NOTE[:-1], "does not end in a newline"),
        (TEXT + "\nPeterNeumann x08g=\n", "does not start with '— '"),
        (TEXT + "\n—  x08g\n", "no valid key name"),
        (TEXT + "\n— PeterNeumann x08g*\n", "not base64"),
        (TEXT + "\n— PeterNeumann AAAAAA==\n", "too short"),
        (PETER_NOTE.replace("AM=", "AN="), "not canonical base64"),
        ("tab\there\n" + PETER_NOTE, "control character U+0009 at offset 3"),
        (TEXT + "\n" + "— x AAAAAAA=\n" * 101, "more than 100 signatures"),
    ],
)
def test_malformed_notes_are_refused_naming_what_is_wrong(note: str, reason: str) -> None:
    with pytest.raises(NoteError, match=re.escape(reason)):
        open_note(note, parse_verifier_key(PETER_VKEY))


def test_a_note_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(NoteError, match="not UTF-8"):
        open_note(PETER_NOTE.encode() + b"\xff", parse_verifier_key(PETER_VKEY))
    with pytest.raises(NoteError, match="not UTF-8"):
        open_note(PETER_NOTE + "\udc80", parse_verifier_key(PETER_VKEY))


@pytest.mark.parametrize(
    ("vkey", "reason"),
    [
        ("PeterNeumann", "is <name>"),
        ("PeterNeumann+c74f20a3", "is <name>"),
        ("Peter Neumann+c74f20a3+ARpc", "name 'Peter Neumann'"),
        ("+c74f20a3+ARpc", "name ''"),
        ("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hex digits"),
        ("PeterNeumann+c74f20ag+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hex digits"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "not base64"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW=", "base64"),
        ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "not an Ed25519"),
        (with_key_id("Peter", b"\x01" + b"k" * 31), "31 bytes, not 32"),
        (with_key_id("Peter", b"\x01" + b"k" * 31)[:-2] + "t=", "not canonical"),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
        ("EnochRoot+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
    ],
)
def test_malformed_verifier_keys_are_refused_naming_what_is_wrong(vkey: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_verifier_key(vkey)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("example.com/log", True),
        ("négociations.example/журнал", True),
        ("", False),
        ("a b", False),
        ("a+b", False),
        ("a\u00a0b", False),
        ("a\u2003b", False),
        ("a\u3000b", False),
        ("a\tb", False),
        ("a\x01b", False),
    ],
)
def test_key_names_are_non_empty_without_spaces_or_plus(name: str, valid: bool) -> None:
    assert valid_key_name(name) is valid


def test_what_cannot_be_signed_is_refused() -> None:
    with pytest.raises(ValueError, match="ends in a newline"):
        sign_note("no newline", "k", PETER)
    with pytest.raises(ValueError, match="control character U\\+001B"):
        sign_note("\x1b[31m\n", "k", PETER)
    with pytest.raises(ValueError, match="not a key name"):
        sign_note("text\n", "a b", PETER)
    with pytest.raises(ValueError, match="32 bytes"):
        verifier_key("k", b"short")
