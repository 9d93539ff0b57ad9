"""Erasure (docs/api.md §10), the pure part: which fields of a stored event may be erased, and
the event as it reads once they are.

An erased field's value and salt are deleted; the digest its leaf committed to is kept, so the
leaf, every proof and every checkpoint stay valid (domain.leaves). The event then reads without
the field (an erased `sources` entry reads as null) and lists it in `erased`. What cannot be
erased: the envelope (type, ids, times, who recorded it), the keys the record is built on (the
entity a fact is about, a correction's target: a fact without them would not be that fact),
and a `record.erased` itself."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from domain.errors import FieldError, RuleViolation, ValidationFailed
from domain.knowledge import KEY_FIELDS
from domain.leaves import ENVELOPE, NOT_COMMITTED, SOURCE_NAME, committed_fields, committed_names, digest

ERASURE_TYPE = "record.erased"
MAX_FIELDS = 1000
_NAME = re.compile(r"^[a-z_]{1,64}$|^sources\[(0|[1-9][0-9]{0,5})\]$")


def check_erasable(target: Mapping[str, Any], names: Sequence[Any]) -> list[str]:
    """The field names to erase, once they may be: ValidationFailed (422) for a name that is
    not a field of the event, or not one that can be erased; RuleViolation (409) for a field
    already erased, or a target that is itself an erasure."""
    if target["type"] == ERASURE_TYPE:
        raise RuleViolation("target_event_id: a record.erased cannot be erased, corrected or retracted",
                            rule="erasure-stays")
    errors: list[FieldError] = []
    if not isinstance(names, list) or not names:
        raise ValidationFailed([FieldError("fields", "a list of one or more field names, e.g. [\"text\", \"sources[1]\"]")])
    if len(names) > MAX_FIELDS:
        raise ValidationFailed([FieldError("fields", f"at most {MAX_FIELDS} field names")])
    carried = set(committed_names(target))
    already = set(target.get("erased") or ())
    wanted: list[str] = []
    for i, name in enumerate(names):
        where = f"fields.{i}"
        if not isinstance(name, str) or not _NAME.match(name):
            errors.append(FieldError(where, "a field name: a data field, attributed_to, note, or sources[i]"))
        elif name in ENVELOPE or name in NOT_COMMITTED or name == "sources":
            shown = "sources is erased entry by entry, as sources[0], sources[1], …" if name == "sources" else \
                "is the event's envelope (or derived from it): it cannot be erased"
            errors.append(FieldError(where, f"{name}: {shown}"))
        elif name in KEY_FIELDS:
            errors.append(FieldError(where, f"{name}: the key the record is built on cannot be erased; retract "
                                            "the event instead"))
        elif target["type"] == "record.corrected" and name == "changes":
            # Without them the record would read as if never corrected: the corrected value back.
            errors.append(FieldError(where, "changes: a correction's changes cannot be erased (the record would "
                                            "read as never corrected); its reason and note can"))
        elif name in wanted:
            errors.append(FieldError(where, f"{name}: named twice"))
        elif name in already:
            continue  # reported below, as a conflict with the record
        elif name not in carried:
            errors.append(FieldError(where, f"{name}: the event carries no such field"))
        else:
            wanted.append(name)
    if errors:
        raise ValidationFailed(errors)
    again = [name for name in names if name in already]
    if again:
        raise RuleViolation(f"fields: {', '.join(again)} already erased", rule="already-erased")
    return wanted


def erased_record(record: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The record without the erased fields (an erased source entry left as null, so the
    others keep their index) and with them listed in `erased`."""
    result = dict(record)
    sources = list(result["sources"]) if isinstance(result.get("sources"), list) else None
    for name in names:
        match = SOURCE_NAME.match(name)
        if match and sources is not None:
            sources[int(match.group(1))] = None
        else:
            result.pop(name, None)
    if sources is not None:
        result["sources"] = sources
    result["erased"] = sorted({*(record.get("erased") or ()), *names})
    return result


def erased_digests(record: Mapping[str, Any], salts: Mapping[str, str], names: Sequence[str]) -> dict[str, str]:
    """The digests the leaf holds for the fields about to be erased: kept, once their values
    and salts are gone, so that the leaf can still be recomputed."""
    values = dict(committed_fields(record))
    return {name: digest(salts[name], name, values[name]) for name in names}
