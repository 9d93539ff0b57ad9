"""C2SP checkpoint bodies and tlog-proofs: written as the specs spell them (their own examples),
read back exactly, and malformed texts refused naming the line that is wrong."""

from __future__ import annotations

import base64
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.merkle import EMPTY_ROOT
from domain.signed_note import open_note, parse_verifier_key, sign_note, verifier_key
from domain.tlog_formats import (
    Checkpoint,
    TlogProof,
    checkpoint_text,
    format_tlog_proof,
    parse_checkpoint_text,
    parse_tlog_proof,
)

# The example of c2sp.org/tlog-checkpoint.
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
KEY = Ed25519PrivateKey.generate()
HASHES = [bytes([i]) * 32 for i in range(3)]


def test_a_checkpoint_body_is_origin_size_and_root_lines() -> None:
    assert checkpoint_text("example.com/behind-the-sofa", 20852163, SPEC_ROOT) == SPEC_BODY
    assert parse_checkpoint_text(SPEC_BODY) == Checkpoint(
        "example.com/behind-the-sofa", 20852163, SPEC_ROOT, ()
    )
    empty = checkpoint_text("log", 0, EMPTY_ROOT)
    assert empty == "log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    assert parse_checkpoint_text(empty).size == 0


def test_extension_lines_round_trip() -> None:
    text = checkpoint_text("log", 5, SPEC_ROOT, ["ext one", "ext two"])
    assert text.endswith("\next one\next two\n")
    assert parse_checkpoint_text(text).extensions == ("ext one", "ext two")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("log\n1\n" + SPEC_BODY.split("\n")[2], "ends in a newline"),
        ("log\n1\n", "at least 3 lines"),
        ("\n1\n" + SPEC_BODY.split("\n")[2] + "\n", "line 1 (the origin) is empty"),
        ("log\n01\n" + SPEC_BODY.split("\n")[2] + "\n", "line 2 (the tree size) '01'"),
        ("log\n-1\n" + SPEC_BODY.split("\n")[2] + "\n", "line 2 (the tree size) '-1'"),
        ("log\n1\nnot base64!\n", "line 3 (the root hash) is not base64"),
        ("log\n1\nAAAA\n", "line 3 (the root hash) is 3 bytes"),
        ("log\n1\n" + SPEC_BODY.split("\n")[2] + "\n\n", "line 4 (an extension) is empty"),
    ],
)
def test_malformed_checkpoint_bodies_are_refused_naming_the_line(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_checkpoint_text(text)


def test_checkpoint_parts_that_cannot_be_written_are_refused() -> None:
    for args in (("", 1, SPEC_ROOT), ("a\nb", 1, SPEC_ROOT), ("log", -1, SPEC_ROOT), ("log", 1, b"x")):
        with pytest.raises(ValueError):
            checkpoint_text(*args)


def signed_checkpoint(size: int = 4) -> str:
    return sign_note(checkpoint_text("example.com/log", size, SPEC_ROOT), "example.com/log", KEY)


def test_a_tlog_proof_is_spelled_as_the_spec_shows() -> None:
    note = signed_checkpoint()
    text = format_tlog_proof(3, HASHES, note, extra=b"age")
    assert text.split("\n")[:6] == [
        "c2sp.org/tlog-proof@v1",
        "extra YWdl",
        "index 3",
        *(base64.b64encode(h).decode() for h in HASHES),
    ]
    assert text.endswith("\n\n" + note)
    assert parse_tlog_proof(text) == TlogProof(3, HASHES, note, b"age")
    vkey = parse_verifier_key(verifier_key("example.com/log", KEY.public_key()))
    assert open_note(parse_tlog_proof(text).checkpoint_note, vkey).startswith("example.com/log\n4\n")


def test_a_tlog_proof_without_extra_or_hashes_round_trips() -> None:
    note = signed_checkpoint(1)
    text = format_tlog_proof(0, [], note)
    assert text == "c2sp.org/tlog-proof@v1\nindex 0\n\n" + note
    assert parse_tlog_proof(text) == TlogProof(0, [], note, None)


HASH_LINE = base64.b64encode(HASHES[0]).decode()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("c2sp.org/tlog-proof@v2\nindex 0\n\nnote\n", "line 1 is not 'c2sp.org/tlog-proof@v1'"),
        ("c2sp.org/tlog-proof@v1\nindex 0\n" + HASH_LINE + "\n", "no blank line"),
        ("c2sp.org/tlog-proof@v1\nindex 0\n\n", "no checkpoint after"),
        ("c2sp.org/tlog-proof@v1\nextra\nindex 0\n\nnote\n", "line 2 is not 'extra <base64>'"),
        ("c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\nnote\n", "line 2 (extra) is not base64"),
        ("c2sp.org/tlog-proof@v1\nextra YWdl\n\nnote\n", "line 3 is not 'index <decimal>'"),
        ("c2sp.org/tlog-proof@v1\n" + HASH_LINE + "\n\nnote\n", "line 2 is not 'index <decimal>'"),
        ("c2sp.org/tlog-proof@v1\nindex 007\n\nnote\n", "line 2 (the index) '007'"),
        ("c2sp.org/tlog-proof@v1\nindex 1\n" + HASH_LINE + "\nAAAA\n\nn\n", "line 4 (a proof hash) is 3 bytes"),
        ("c2sp.org/tlog-proof@v1\nindex 1\n" + HASH_LINE + "x\n\nn\n", "line 3 (a proof hash) is not base64"),
    ],
)
def test_malformed_tlog_proofs_are_refused_naming_the_line(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_tlog_proof(text)


def test_tlog_proof_parts_that_cannot_be_written_are_refused() -> None:
    with pytest.raises(ValueError, match="hash 1"):
        format_tlog_proof(0, [HASHES[0], b"short"], signed_checkpoint())
    with pytest.raises(ValueError, match="non-negative"):
        format_tlog_proof(-1, [], signed_checkpoint())
    with pytest.raises(ValueError, match="signed note"):
        format_tlog_proof(0, [], "")
