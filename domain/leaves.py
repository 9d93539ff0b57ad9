"""The committed form of an event: its leaf in the log's Merkle tree (docs/api.md §9).

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

import binascii
import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from domain import random_pool
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
_SMALL = 2**53 - 1
SOURCE_NAME = re.compile(r"^sources\[(0|[1-9][0-9]{0,5})\]$")


_URLSAFE = bytes.maketrans(b"+/", b"-_")
_b2a, _sha256 = binascii.b2a_base64, hashlib.sha256
# What a leaf does not take from the event beside its envelope, in one set for the hot loop.
_NOT_FIELDS = NOT_COMMITTED | frozenset(ENVELOPE)


def b64url(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode("ascii")


def committed_fields(event: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(name, value) of every committed field the event still carries, `sources` entry by
    entry. An erased field is absent, an erased source entry is null: neither is given. A list
    rather than a generator: this runs for every event appended."""
    fields = []
    for name, value in event.items():
        if name in _NOT_FIELDS:
            continue
        if name != "sources":
            fields.append((name, value))
        elif isinstance(value, list):  # a stored event from before v2 may hold null
            fields += [(f"sources[{i}]", entry) for i, entry in enumerate(value) if entry is not None]
    return fields


def committed_names(event: Mapping[str, Any]) -> list[str]:
    return [name for name, _ in committed_fields(event)]


def new_salts(names: Iterable[str]) -> dict[str, str]:
    """A fresh salt per name, from the system's random source (domain.random_pool)."""
    names = list(names)
    raw = random_pool.POOL.take(SALT_BYTES * len(names))
    return {name: b64url(raw[i * SALT_BYTES:(i + 1) * SALT_BYTES]) for i, name in enumerate(names)}


def disclosure_bytes(salt: str, name: str, value: Any) -> bytes:
    # Salts are base64url and names are field names (`sources[3]`): neither needs escaping,
    # so the array's canonical bytes are these (tests hold them to canonical([salt, name, value])).
    return b'["%s","%s",%s]' % (salt.encode(), name.encode(),
                                 orjson.dumps(value) if type(value) is str else canonical(value))


def digest(salt: str, name: str, value: Any) -> str:
    # b64url of the 32-byte hash: 43 characters once the one padding "=" is dropped.
    return _b2a(_sha256(disclosure_bytes(salt, name, value)).digest(), newline=False).translate(_URLSAFE)[:43].decode()


def field_digests(event: Mapping[str, Any], salts: Mapping[str, str],
                  erased: Mapping[str, str] | None = None) -> dict[str, str]:
    """NAME → DIGEST for the leaf: computed from the values still present and their salts,
    and taken as stored for erased fields (whose values and salts are gone). A field with
    no salt raises KeyError: the stored form is incomplete."""
    digests = {}
    for name, value in event.items():  # committed_fields, inlined: this runs for every event verify reads
        if name in _NOT_FIELDS:
            continue
        if name == "sources" and type(value) is list:
            for i, entry in enumerate(value):
                if entry is not None:
                    entry_name = f"sources[{i}]"
                    digests[entry_name] = digest(salts[entry_name], entry_name, entry)
        elif name != "sources":
            digests[name] = digest(salts[name], name, value)
    if erased:
        digests.update(erased)
    return digests


def leaf_bytes(event: Mapping[str, Any], digests: Mapping[str, str]) -> bytes:
    """The leaf: canonical JSON of the envelope values and the field digests."""
    leaf = {"v": LEAF_VERSION, "event_id": event["event_id"], "negotiation_id": event["negotiation_id"],
            "log_index": event["log_index"], "version": event["version"], "type": event["type"],
            "occurred_at": event["occurred_at"], "recorded_at": event["recorded_at"],
            "recorded_by": event["recorded_by"], "fields": digests}
    if (type(leaf["log_index"]) is int and type(leaf["version"]) is int and leaf["log_index"] <= _SMALL
            and leaf["version"] <= _SMALL):
        # The service's own values (text, small integers) and digests (ASCII text): orjson's
        # sorted bytes are JCS, and only the integers can tell them apart.
        try:
            return orjson.dumps(leaf, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS)
        except TypeError:
            pass
    return canonical(leaf)


def disclosures(event: Mapping[str, Any], salts: Mapping[str, str]) -> list[list[Any]]:
    """`[salt, NAME, VALUE]` of every field the event still carries (none for erased ones)."""
    return [[salts[name], name, value] for name, value in committed_fields(event)]
