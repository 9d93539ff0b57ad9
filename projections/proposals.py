"""The proposal read model (docs/api.md §5): what a party tabled and each participant's latest
response. A pure fold over the proposal's facts in valid-time order.

How several responses combine into one status: a withdrawn proposal is `withdrawn`; with no
response yet it is `tabled`; otherwise each responding participant's latest response counts
(the proposer's own response is listed but does not count), and the strongest wins:
`rejected` > `countered` > `under_review` > `accepted`. So a proposal is `accepted` only when
every participant that answered it accepted, and one rejection is enough to reject it."""

from __future__ import annotations

from typing import Any

KIND = "proposal"
TYPES = frozenset({"proposal.tabled", "proposal.responded", "proposal.withdrawn"})
STRONGEST_FIRST = ("rejected", "countered", "under_review", "accepted")


def keys(event: dict[str, Any]) -> list[str]:
    return [event["proposal_id"]] if event["type"] in TYPES else []


def initial(proposal_id: str) -> dict[str, Any]:
    return {"proposal_id": proposal_id, "proposed_by": None, "text": None, "status": None,
            "responses": {}, "response_details": {}, "dispute_id": None, "via": None,
            "tabled_at": None, "withdrawn_at": None, "_since": None}


def apply(state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    t = event["type"]
    state = {**state}
    if t == "proposal.tabled":
        state.update(proposed_by=event.get("proposed_by"), text=event.get("text"), dispute_id=event.get("dispute_id"),
                     via=event.get("via"), tabled_at=event["occurred_at"])
        state["_since"] = state["_since"] or event["occurred_from"]
    elif t == "proposal.responded":
        who = event["participant_id"]
        state["responses"] = {**state["responses"], who: event.get("response")}
        state["response_details"] = {**state["response_details"], who: {
            "response": event.get("response"), "text": event.get("text"), "responded_at": event["occurred_at"]}}
    elif t == "proposal.withdrawn":
        state["withdrawn_at"] = event["occurred_at"]
    state["status"] = _status(state)
    return state


def _status(state: dict[str, Any]) -> str:
    if state["withdrawn_at"] is not None:
        return "withdrawn"
    counted = {r for who, r in state["responses"].items() if who != state["proposed_by"]}
    return next((r for r in STRONGEST_FIRST if r in counted), "tabled")


def exists(state: dict[str, Any]) -> bool:
    return state["_since"] is not None


def view(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if not k.startswith("_")}
