"""The commitment read model (docs/api.md §5): what parties agreed to do, whether it was done,
and the history that says so. A pure fold over the commitment's facts in valid-time order.

Status follows the latest status-moving event in valid time, except that an established
outcome outranks later claims: once `fulfilled` or `breached`, neither a reported progress nor
an alleged breach moves the status (only another established outcome or a withdrawal does).
An alleged breach is a party's claim; a fulfilment or breach is the record's finding."""

from __future__ import annotations

from typing import Any

KIND = "commitment"
STATUS_BY_TYPE = {
    "commitment.agreed": "agreed",
    "commitment.progress_reported": "in_progress",
    "commitment.fulfilled": "fulfilled",
    "commitment.breach_alleged": "breach_alleged",
    "commitment.breached": "breached",
    "commitment.withdrawn": "withdrawn",
}
TYPES = frozenset(STATUS_BY_TYPE)
ESTABLISHED = frozenset({"fulfilled", "breached"})
CLAIMS = frozenset({"commitment.progress_reported", "commitment.breach_alleged"})
# What each history entry keeps of its event, beside type, time and status.
_HISTORY_FIELDS = ("text", "alleged_by", "by", "reason")


def keys(event: dict[str, Any]) -> list[str]:
    return [event["commitment_id"]] if event["type"] in TYPES else []


def initial(commitment_id: str) -> dict[str, Any]:
    return {"commitment_id": commitment_id, "parties": [], "text": None, "status": None, "round_id": None,
            "dispute_id": None, "due": None, "agreed_at": None, "history": [], "_since": None}


def apply(state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    t = event["type"]
    state = {**state}
    if t == "commitment.agreed":
        state.update(parties=event.get("parties") or [], text=event.get("text"), round_id=event.get("round_id"),
                     dispute_id=event.get("dispute_id"), due=event.get("due"), agreed_at=event["occurred_at"])
        state["_since"] = state["_since"] or event["occurred_from"]
    if not (t in CLAIMS and state["status"] in ESTABLISHED):
        state["status"] = STATUS_BY_TYPE[t]
    entry = {"event_id": event["event_id"], "type": t, "occurred_at": event["occurred_at"],
             "status": state["status"]}
    entry.update({f: event[f] for f in _HISTORY_FIELDS if event.get(f) is not None})
    state["history"] = [*state["history"], entry]
    return state


def exists(state: dict[str, Any]) -> bool:
    return state["_since"] is not None


def view(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if not k.startswith("_")}
