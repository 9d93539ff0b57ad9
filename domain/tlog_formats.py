"""C2SP transparency-log texts: the checkpoint body (c2sp.org/tlog-checkpoint) and the
offline proof (c2sp.org/tlog-proof@v1).

A checkpoint body is `<origin>\\n<tree size>\\n<base64 root>\\n`, then optional extension
lines; signed as a note (domain.signed_note) it is the log's signed tree head. A tlog-proof is
`c2sp.org/tlog-proof@v1`, an optional `extra <base64>` line, `index <N>`, the inclusion proof's
hashes one a line (leaf's sibling first), a blank line, and the signed checkpoint verbatim."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.signed_note import b64decode_canonical

PROOF_HEADER = "c2sp.org/tlog-proof@v1"
HASH_SIZE = 32
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


@dataclass(frozen=True)
class TlogProof:
    index: int
    proof: list[bytes]
    checkpoint_note: str
    extra: bytes | None = None


def _line(value: str, what: str) -> str:
    if not isinstance(value, str) or not value or any(c < " " for c in value):
        raise ValueError(f"{what} is a non-empty line without control characters")
    return value


def _count(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} is a non-negative integer, not {value!r}")
    return value


def _hash(value: bytes, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise ValueError(f"{what} is a {HASH_SIZE}-byte hash")
    return bytes(value)


def _hash_line(text: str, what: str) -> bytes:
    try:
        raw = b64decode_canonical(text)
    except ValueError as e:
        raise ValueError(f"{what} is {e}") from None
    if len(raw) != HASH_SIZE:
        raise ValueError(f"{what} is {len(raw)} bytes, not {HASH_SIZE}")
    return raw


def checkpoint_text(origin: str, size: int, root: bytes, extensions: Sequence[str] = ()) -> str:
    lines = [
        _line(origin, "the origin"),
        str(_count(size, "the tree size")),
        base64.b64encode(_hash(root, "the root")).decode(),
        *(_line(extension, "an extension") for extension in extensions),
    ]
    return "\n".join(lines) + "\n"


def parse_checkpoint_text(text: str) -> Checkpoint:
    """The checkpoint a note's text states; ValueError naming the line that is wrong."""
    if not text.endswith("\n"):
        raise ValueError("a checkpoint ends in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise ValueError(f"a checkpoint has at least 3 lines, this one {len(lines)}")
    origin, size, root, *extensions = lines
    if not origin:
        raise ValueError("checkpoint line 1 (the origin) is empty")
    if not _DECIMAL.fullmatch(size):
        raise ValueError(f"checkpoint line 2 (the tree size) {size!r} is not a decimal")
    raw = _hash_line(root, "checkpoint line 3 (the root hash)")
    for number, extension in enumerate(extensions, 4):
        if not extension:
            raise ValueError(f"checkpoint line {number} (an extension) is empty")
    return Checkpoint(origin, int(size), raw, tuple(extensions))


def format_tlog_proof(
    index: int, proof: Sequence[bytes], checkpoint_note: str, extra: bytes | None = None
) -> str:
    lines = [PROOF_HEADER]
    if extra is not None:
        lines.append(f"extra {base64.b64encode(bytes(extra)).decode()}")
    lines.append(f"index {_count(index, 'the index')}")
    lines += [base64.b64encode(_hash(h, f"hash {i}")).decode() for i, h in enumerate(proof)]
    if not checkpoint_note or not checkpoint_note.endswith("\n"):
        raise ValueError("the checkpoint is a signed note, ending in a newline")
    return "\n".join(lines) + "\n\n" + checkpoint_note


def parse_tlog_proof(text: str) -> TlogProof:
    """The parts of a tlog-proof; ValueError naming the line that is wrong. The checkpoint is
    returned verbatim, for open_note to check."""
    head, blank, checkpoint_note = text.partition("\n\n")
    lines = head.split("\n")
    if lines[0] != PROOF_HEADER:
        raise ValueError(f"line 1 is not {PROOF_HEADER!r}")
    if not blank:
        raise ValueError("the proof has no blank line before its checkpoint")
    number, extra = 2, None
    if len(lines) > 1 and lines[1].startswith("extra"):
        if not lines[1].startswith("extra "):
            raise ValueError("line 2 is not 'extra <base64>'")
        try:
            extra = b64decode_canonical(lines[1][len("extra ") :])
        except ValueError as e:
            raise ValueError(f"line 2 (extra) is {e}") from None
        number = 3
    if len(lines) < number or not lines[number - 1].startswith("index "):
        raise ValueError(f"line {number} is not 'index <decimal>'")
    index = lines[number - 1][len("index ") :]
    if not _DECIMAL.fullmatch(index):
        raise ValueError(f"line {number} (the index) {index!r} is not a decimal")
    proof = []
    for number, line in enumerate(lines[number:], number + 1):
        proof.append(_hash_line(line, f"line {number} (a proof hash)"))
    if not checkpoint_note:
        raise ValueError("the proof has no checkpoint after its blank line")
    return TlogProof(int(index), proof, checkpoint_note, extra)
