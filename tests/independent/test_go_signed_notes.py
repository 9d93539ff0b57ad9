"""Our signed notes (domain.signed_note) against Go's sumdb/note: notes and checkpoints made by
sign_note open in Go with the verifier key we write; a note with any byte changed, or checked
with another key, is refused by Go and by open_note alike."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.merkle import EMPTY_ROOT, leaf_hash
from domain.signed_note import NoteError, open_note, parse_verifier_key, sign_note, verifier_key
from domain.tlog_formats import checkpoint_text, parse_checkpoint_text
from tests.independent.go_verifier import GoRefusal, GoVerifier

ORIGIN = "negotiation-log.example/3f9c2a"
KEY = Ed25519PrivateKey.generate()
VKEY = verifier_key(ORIGIN, KEY.public_key())
CHECKPOINT = sign_note(checkpoint_text(ORIGIN, 1234, leaf_hash(b"x")), ORIGIN, KEY)


@pytest.mark.parametrize(
    "text",
    [
        checkpoint_text(ORIGIN, 0, EMPTY_ROOT),
        checkpoint_text(ORIGIN, 2**40, leaf_hash(b"root"), ["an extension line"]),
        "négociation — журнал — 谈判 🕊\n",
        "blank lines\n\ninside\n\n",
    ],
)
def test_go_opens_our_notes_with_our_verifier_key(go_verifier: GoVerifier, text: str) -> None:
    note = sign_note(text, ORIGIN, KEY)
    assert go_verifier.verify_note(VKEY, note) == text
    assert open_note(note, parse_verifier_key(VKEY)) == text


def test_go_reads_our_checkpoint_as_we_do(go_verifier: GoVerifier) -> None:
    text = go_verifier.verify_note(VKEY, CHECKPOINT)
    checkpoint = parse_checkpoint_text(text)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (ORIGIN, 1234, leaf_hash(b"x"))


def changed_at(note: bytes, offset: int) -> bytes:
    """The note with the byte at `offset` replaced by one that changes what it says (in the
    signature's base64, a letter whose top bits differ, so no padding bit is all that moves)."""
    changed = bytearray(note)
    original = chr(note[offset])
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    if original in alphabet:
        changed[offset] = ord(alphabet[alphabet.index(original) ^ 32])
    else:
        changed[offset] = ord("A")
    return bytes(changed)


def test_a_note_with_any_byte_changed_is_refused_by_go_and_by_us(go_verifier: GoVerifier) -> None:
    key = parse_verifier_key(VKEY)
    data = CHECKPOINT.encode()
    variants = [changed_at(data, offset) for offset in range(len(data))]
    requests = [{"op": "note", "vkey": VKEY, "note": v.decode(errors="replace")} for v in variants]
    answers = go_verifier.refusals(requests)
    accepted_by_go = [offset for offset, error in enumerate(answers) if error is None]
    assert accepted_by_go == []
    for variant in variants:
        with pytest.raises(NoteError):
            open_note(variant, key)


def test_a_note_checked_with_another_key_is_refused_by_go_and_by_us(
    go_verifier: GoVerifier,
) -> None:
    other = Ed25519PrivateKey.generate()
    for vkey in (
        verifier_key(ORIGIN, other.public_key()),
        verifier_key("elsewhere", KEY.public_key()),
    ):
        with pytest.raises(GoRefusal, match="no verifiable signatures"):
            go_verifier.verify_note(vkey, CHECKPOINT)
        with pytest.raises(NoteError, match="no signature by"):
            open_note(CHECKPOINT, parse_verifier_key(vkey))


def test_a_bad_signature_under_our_key_id_is_refused_by_go_and_by_us(
    go_verifier: GoVerifier,
) -> None:
    other_text = sign_note(checkpoint_text(ORIGIN, 1235, leaf_hash(b"y")), ORIGIN, KEY)
    forged = CHECKPOINT.split("\n\n")[0] + "\n\n" + other_text.split("\n\n")[1]
    with pytest.raises(GoRefusal, match="invalid signature"):
        go_verifier.verify_note(VKEY, forged)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(forged, parse_verifier_key(VKEY))


def test_go_parses_our_verifier_key_and_refuses_a_changed_one(go_verifier: GoVerifier) -> None:
    changed = VKEY[:-2] + ("A" if VKEY[-2] != "A" else "B") + VKEY[-1]
    with pytest.raises(GoRefusal, match="verifier"):
        go_verifier.verify_note(changed, CHECKPOINT)
    with pytest.raises(ValueError, match="does not match"):
        parse_verifier_key(changed)
