"""The dispute read model (docs/api.md §5): an agenda item's status, each participant's latest
position, and the rounds where it was discussed. A pure fold over the dispute's facts in
valid-time order.

Status follows the latest status-moving event in valid time. A stated position moves the
dispute to `under_discussion` only once it has been raised: a position recorded as taken
before the dispute was raised is kept in `positions` but moves nothing."""

from __future__ import annotations

from typing import Any

KIND = "dispute"
STATUS_BY_TYPE = {
    "dispute.raised": "open",
    "dispute.discussed": "under_discussion",
    "dispute.excluded": "excluded",
    "dispute.resolved": "resolved",
    "dispute.deadlocked": "deadlocked",
    "dispute.deferred": "deferred",
    "dispute.dropped": "dropped",
    "dispute.reopened": "open",
}
TYPES = frozenset({*STATUS_BY_TYPE, "position.stated"})


def keys(event: dict[str, Any]) -> list[str]:
    return [event["dispute_id"]] if event["type"] in TYPES else []


def initial(dispute_id: str) -> dict[str, Any]:
    return {"dispute_id": dispute_id, "title": None, "description": None, "status": None,
            "raised_by": None, "raised_at": None, "positions": {}, "rounds": [], "resolution": None,
            "excluded_by": None, "_since": None}


def apply(state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    t = event["type"]
    state = {**state}
    if t == "dispute.raised":
        state.update(title=event.get("title"), description=event.get("description"),
                     raised_by=event.get("raised_by"), raised_at=event["occurred_at"])
        state["_since"] = state["_since"] or event["occurred_from"]
    elif t == "position.stated":
        state["positions"] = {**state["positions"], event["participant_id"]: {
            "stance": event.get("stance"), "text": event.get("text"), "stated_at": event["occurred_at"]}}
        if state["_since"] is not None:
            state["status"] = "under_discussion"
    elif t == "dispute.discussed" and event["round_id"] not in state["rounds"]:
        state["rounds"] = [*state["rounds"], event["round_id"]]
    elif t == "dispute.excluded":
        state["excluded_by"] = event.get("excluded_by")
    elif t == "dispute.resolved":
        state["resolution"] = event.get("summary")
    elif t == "dispute.reopened":
        state["resolution"] = None
    if t in STATUS_BY_TYPE:
        state["status"] = STATUS_BY_TYPE[t]
    return state


def exists(state: dict[str, Any]) -> bool:
    return state["_since"] is not None


def view(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if not k.startswith("_")}
