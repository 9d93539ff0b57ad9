"""Comparing the stored read models with what a full replay of the log says: the property
every path to the views (appends, corrections, retractions, crashes, several processes,
rebuild) must keep."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from api.services import Services
from api.settings import Settings
from projections.entities import KINDS, is_correction, touches, view
from projections.entities import states as replayed_states
from projections.negotiation import summarize
from projections.store.queries import ReadModels


def all_items(models: ReadModels, nid: str, kind: str, **axes: Any) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        page = models.entities(nid, kind, limit=3, cursor=cursor, **axes)
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


def stored_everything(models: ReadModels, nid: str, **axes: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"negotiation": models.negotiation(nid, **axes)}
    for kind in KINDS:
        found[kind] = {item[f"{kind}_id"]: models.entity(nid, kind, item[f"{kind}_id"], **axes)
                       for item in all_items(models, nid, kind, **axes)}
    return found


def replayed_everything(nid: str, stream: list[dict[str, Any]]) -> dict[str, Any]:
    """What a full replay of the stream says, with each entity's position from its events."""
    by_id = {e["event_id"]: e for e in stream}
    last: dict[tuple[str, str], int] = {}
    for event in stream:
        about = touches(by_id[event["target_event_id"]]) if is_correction(event) else touches(event)
        for entity in about:
            last[entity] = max(last.get(entity, 0), event["position"])
    found: dict[str, Any] = {"negotiation": summarize(nid, stream)}
    for kind in KINDS:
        found[kind] = {key: {**view(kind, state), "position": last[(kind, key)]}
                       for key, state in replayed_states(kind, stream).items()}
    return found


def views_match_replay(models: ReadModels, negotiation_id: str, stream: list[dict[str, Any]]) -> bool:
    return stored_everything(models, negotiation_id) == replayed_everything(negotiation_id, stream)


def every_view_matches_replay(db: str, negotiation_ids: Iterable[str], key_dir: Path) -> bool:
    """Opens the database afresh (as after a restart) and compares each negotiation's views."""
    services = Services.open(Settings(db=db, signing_key=key_dir / "signing.ed25519"))
    try:
        return all(views_match_replay(ReadModels(services.log), nid, services.log.stream(nid))
                   for nid in negotiation_ids)
    finally:
        services.close()
