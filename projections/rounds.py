"""The round read model (docs/api.md §5): one meeting's status, venue, dates, delegations and the
disputes discussed in it. A pure fold over the round's facts in valid-time order.

Status follows the latest status-moving event in valid time (see STATUS_BY_TYPE); the one
exception is `round.proposed`, which only gives a round its first status: being proposed
cannot come after being scheduled or held."""

from __future__ import annotations

from typing import Any

KIND = "round"
INTRODUCED_BY = frozenset({"round.proposed", "round.scheduled", "round.started"})
STATUS_BY_TYPE = {
    "round.scheduled": "scheduled",
    "round.postponed": "postponed",
    "round.started": "in_progress",
    "round.concluded": "concluded",
    "round.cancelled": "cancelled",
}
# Events about a round, beside its own: who came to it, and what was discussed there.
TYPES = frozenset({"round.proposed", *STATUS_BY_TYPE, "delegation.named", "dispute.discussed"})
_SCHEDULE_FIELDS = ("label", "number", "venue", "scheduled_for", "provisional")


def keys(event: dict[str, Any]) -> list[str]:
    return [event["round_id"]] if event["type"] in TYPES else []


def initial(round_id: str) -> dict[str, Any]:
    return {"round_id": round_id, "label": None, "number": None, "status": None, "venue": None,
            "scheduled_for": None, "provisional": None, "proposed_by": None, "started_at": None,
            "concluded_at": None, "duration": None, "delegations": {}, "disputes_discussed": [],
            "summary": None, "postponement": None, "cancellation": None, "_since": None}


def apply(state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    t = event["type"]
    state = {**state}
    if t in INTRODUCED_BY and state["_since"] is None:
        state["_since"] = event["occurred_from"]
    if t == "round.proposed":
        state["status"] = state["status"] or "proposed"
        _take(state, event, "label", "proposed_by")
    elif t == "round.scheduled":
        # A rescheduling event may give only what changed; the rest stands.
        _take(state, event, *_SCHEDULE_FIELDS)
    elif t == "round.postponed":
        state["postponement"] = {"at": event["occurred_at"], "reason": event.get("reason"),
                                 "requested_by": event.get("requested_by")}
    elif t == "round.cancelled":
        state["cancellation"] = {"at": event["occurred_at"], "reason": event.get("reason"),
                                 "cancelled_by": event.get("cancelled_by")}
    elif t == "round.started":
        state["started_at"] = event["occurred_at"]
        _take(state, event, "venue")
    elif t == "round.concluded":
        state["concluded_at"] = event["occurred_at"]
        _take(state, event, "duration", "summary")
    elif t == "delegation.named":
        state["delegations"] = {**state["delegations"],
                                event["participant_id"]: {"head": event.get("head"),
                                                          "members": event.get("members") or []}}
    elif t == "dispute.discussed" and event["dispute_id"] not in state["disputes_discussed"]:
        state["disputes_discussed"] = [*state["disputes_discussed"], event["dispute_id"]]
    if t in STATUS_BY_TYPE:
        state["status"] = STATUS_BY_TYPE[t]
    return state


def _take(state: dict[str, Any], event: dict[str, Any], *fields: str) -> None:
    for name in fields:
        if event.get(name) is not None:
            state[name] = event[name]


def exists(state: dict[str, Any]) -> bool:
    return state["_since"] is not None


def view(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if not k.startswith("_")}
