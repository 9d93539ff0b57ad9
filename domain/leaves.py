"""The committed form of an event: its leaf in the log's Merkle tree (CONTRACT §9).

A leaf holds the envelope values and, for every field the client sent, a salted digest
instead of the value:

    {"v": 1, "event_id": …, "negotiation_id": …, "log_index": …, "version": …, "type": …,
     "occurred_at": …, "recorded_at": …, "recorded_by": …, "fields": {NAME: DIGEST, …}}

in canonical JSON. DIGEST is base64url (no padding) of SHA-256 over the canonical JSON of the
field's *disclosure* `[salt, NAME, VALUE]`, the salt 128 random bits, one per field per event.
So a leaf reveals no value, a disclosure proves one, and a field can be erased (its value and
salt deleted, its digest kept) without changing the leaf. `sources` is committed entry by
entry (`sources[0]`, `sources[1]`, …) so that one source can be erased alone.

Pure: no I/O beyond the system's random source for salts."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from domain.canonical import canonical

LEAF_VERSION = 1
# The envelope values a leaf carries, in the API's own form.
ENVELOPE = ("event_id", "negotiation_id", "log_index", "version", "type", "occurred_at", "recorded_at",
            "recorded_by")
# What an event as served carries beside its committed fields and envelope: derived from
# committed values (valid-time bounds and qualifiers), or the storage's own (position, hash),
# or about the record rather than in it (erasures, corrections).
NOT_COMMITTED = frozenset({"occurred_from", "occurred_until", "approximate", "uncertain", "position", "hash",
                           "prev_hash", "erased", "corrections", "retracted"})
SALT_BYTES = 16
SOURCE_NAME = re.compile(r"^sources\[(0|[1-9][0-9]{0,5})\]$")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def committed_fields(event: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(name, value) of every committed field the event still carries, `sources` entry by
    entry. An erased field is absent, an erased source entry is null: neither is yielded."""
    for name, value in event.items():
        if name in NOT_COMMITTED or name in ENVELOPE:
            continue
        if name == "sources":
            if isinstance(value, list):  # a stored event from before v2 may hold null
                for i, entry in enumerate(value):
                    if entry is not None:
                        yield f"sources[{i}]", entry
            continue
        yield name, value


def committed_names(event: Mapping[str, Any]) -> list[str]:
    return [name for name, _ in committed_fields(event)]


def new_salts(names: Iterable[str]) -> dict[str, str]:
    """A fresh salt per name, from one read of the system's random source."""
    names = list(names)
    raw = os.urandom(SALT_BYTES * len(names))
    return {name: b64url(raw[i * SALT_BYTES:(i + 1) * SALT_BYTES]) for i, name in enumerate(names)}


def disclosure_bytes(salt: str, name: str, value: Any) -> bytes:
    # Salts are base64url and names are field names (`sources[3]`): neither needs escaping,
    # so the array's canonical bytes are these (tests hold them to canonical([salt, name, value])).
    return b'["' + salt.encode() + b'","' + name.encode() + b'",' + canonical(value) + b"]"


def digest(salt: str, name: str, value: Any) -> str:
    return b64url(hashlib.sha256(disclosure_bytes(salt, name, value)).digest())


def field_digests(event: Mapping[str, Any], salts: Mapping[str, str],
                  erased: Mapping[str, str] | None = None) -> dict[str, str]:
    """NAME → DIGEST for the leaf: computed from the values still present and their salts,
    and taken as stored for erased fields (whose values and salts are gone). A field with
    no salt raises KeyError: the stored form is incomplete."""
    digests = {name: digest(salts[name], name, value) for name, value in committed_fields(event)}
    if erased:
        digests.update(erased)
    return digests


def leaf_bytes(event: Mapping[str, Any], digests: Mapping[str, str]) -> bytes:
    """The leaf: canonical JSON of the envelope values and the field digests."""
    leaf = {name: event[name] for name in ENVELOPE}
    leaf["v"] = LEAF_VERSION
    leaf["fields"] = dict(digests)
    return canonical(leaf)


def disclosures(event: Mapping[str, Any], salts: Mapping[str, str]) -> list[list[Any]]:
    """`[salt, NAME, VALUE]` of every field the event still carries (none for erased ones)."""
    return [[salts[name], name, value] for name, value in committed_fields(event)]
