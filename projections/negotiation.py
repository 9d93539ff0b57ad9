"""The negotiation read model: title, status, participants, counts. A pure fold."""

from __future__ import annotations

from typing import Any

from domain.workspaces import workspace_of_opening

from projections.replay import known, replay_input

STATUS_BY_TYPE = {
    "negotiation.opened": "active",
    "negotiation.resumed": "active",
    "negotiation.suspended": "suspended",
    "negotiation.concluded": "concluded",
    "negotiation.collapsed": "collapsed",
}

# Entities counted, by the event that introduces them.
COUNTED = {
    "round.proposed": ("rounds", "round_id"), "round.scheduled": ("rounds", "round_id"),
    "round.started": ("rounds", "round_id"), "dispute.raised": ("disputes", "dispute_id"),
    "proposal.tabled": ("proposals", "proposal_id"), "commitment.agreed": ("commitments", "commitment_id"),
}


def initial(negotiation_id: str) -> dict[str, Any]:
    return {"id": negotiation_id, "title": None, "workspace": None, "status": None, "participants": [],
            "subject": None, "format": None, "outcome": None, "counts": {"rounds": 0, "disputes": 0, "proposals": 0,
                                                        "commitments": 0, "statements": 0, "events": 0},
            "_seen": {}}


def apply(state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    t = event["type"]
    state = {**state, "counts": {**state["counts"], "events": state["counts"]["events"] + 1}}
    if t == "negotiation.opened":
        state.update(title=event.get("title"), workspace=workspace_of_opening(event),
                     subject=event.get("subject"), format=event.get("format"),
                     participants=[{**p, "present": True} for p in event.get("participants") or []])
    elif t == "participant.joined" and event.get("participant"):
        joined = {**event["participant"], "present": True}
        state["participants"] = [p for p in state["participants"] if p["id"] != joined["id"]] + [joined]
    elif t == "participant.left":
        state["participants"] = [{**p, "present": False} if p["id"] == event["participant_id"] else p
                                 for p in state["participants"]]
    elif t == "statement.issued":
        state["counts"]["statements"] += 1
    if t in STATUS_BY_TYPE:
        state["status"] = STATUS_BY_TYPE[t]
        if "outcome" in event:
            state["outcome"] = event["outcome"]
    if t in COUNTED:
        kind, key_field = COUNTED[t]
        seen = state["_seen"].get(kind, frozenset())
        if event[key_field] not in seen:
            state["_seen"] = {**state["_seen"], kind: seen | {event[key_field]}}
            state["counts"][kind] += 1
    return state


def view(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if not k.startswith("_")}


def summarize(negotiation_id: str, events: list[dict[str, Any]], *, as_of: Any = None,
              known_at: Any = None) -> dict[str, Any] | None:
    """The negotiation at a point on both axes, or None if it was not open then."""
    facts = replay_input(events, as_of=as_of, known_at=known_at)
    state = initial(negotiation_id)
    for event in facts:
        state = apply(state, event)
    if state["status"] is None:
        return None
    seen = known(events, known_at)
    return {**view(state), "version": max(e["version"] for e in seen),
            "position": max(e["position"] for e in seen)}
