"""What changed in a negotiation's state between two valid times (docs/api.md §5 `changes`):
entities added, removed, and fields changed with their values before and after. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from projections import negotiation
from projections.entities import KINDS, since, states, view

Snapshot = dict[tuple[str, str], tuple[Any, dict[str, Any]]]  # (kind, key) -> (order, view)


def snapshot(negotiation_id: str, events: Sequence[dict[str, Any]], *, as_of: datetime | None,
             known_at: datetime | None) -> Snapshot:
    """Every entity at one point, the negotiation itself included, as views."""
    found: Snapshot = {}
    summary = negotiation.summarize(negotiation_id, events, as_of=as_of, known_at=known_at)
    if summary is not None:
        found[("negotiation", negotiation_id)] = negotiation_entry(summary)
    for kind in KINDS:
        for key, state in states(kind, events, as_of=as_of, known_at=known_at).items():
            found[(kind, key)] = entity_entry(kind, state)
    return found


def negotiation_entry(summary: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    # version and position say what the log held, not what the world was like: they are
    # the same on both sides of a comparison, so they are left out.
    return None, {k: v for k, v in summary.items() if k not in ("version", "position")}


def entity_entry(kind: str, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    return since(state), view(kind, state)


def _order(entry: tuple[tuple[str, str], Any]) -> tuple[int, Any, str]:
    (kind, key), (when, _) = entry
    rank = ("negotiation", *KINDS).index(kind)
    return rank, when.timestamp() if when else 0.0, key


def diff(before: Snapshot, after: Snapshot) -> dict[str, list[dict[str, Any]]]:
    added = [{"kind": kind, "id": key, "after": body}
             for (kind, key), (_, body) in sorted(after.items(), key=_order) if (kind, key) not in before]
    removed = [{"kind": kind, "id": key, "before": body}
               for (kind, key), (_, body) in sorted(before.items(), key=_order) if (kind, key) not in after]
    changed = []
    for (kind, key), (_, body) in sorted(after.items(), key=_order):
        if (kind, key) not in before:
            continue
        old = before[(kind, key)][1]
        fields = {name: {"before": old.get(name), "after": value}
                  for name, value in body.items() if old.get(name) != value}
        if fields:
            changed.append({"kind": kind, "id": key, "fields": fields})
    return {"added": added, "removed": removed, "changed": changed}
