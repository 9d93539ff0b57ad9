"""Every rule an event must satisfy against what the log already knows, in one place.

A rule that fails raises RuleViolation (HTTP 409) with the rule's name and a sentence saying
what contradicts what. The README's "Rules" section lists these; keep the two in step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.errors import RuleViolation
from domain.participant_refs import participant_refs
from domain.knowledge import Knowledge

Rule = Callable[[Knowledge, dict[str, Any], datetime, "str | None"], None]


def _refuse(rule: str, detail: str) -> None:
    raise RuleViolation(detail, rule=rule)


def _require(k: Knowledge, kind: str, key: str, exclude: str | None, rule: str = "entity-known") -> None:
    if not k.exists((kind, key), exclude=exclude):
        _refuse(rule, f"{kind} '{key}' is not in the record of this negotiation; "
                      f"record the event that introduces it first")


def _refuse_if_exists(k: Knowledge, kind: str, key: str, exclude: str | None) -> None:
    if k.exists((kind, key), exclude=exclude):
        _refuse("entity-unique", f"{kind} '{key}' already exists in this negotiation")


def _types(k: Knowledge, kind: str, key: str, exclude: str | None) -> dict[str, list[datetime]]:
    seen: dict[str, list[datetime]] = {}
    for fact in k.history((kind, key), exclude=exclude):
        seen.setdefault(fact.type, []).append(fact.start)
    return seen


def check_participant_refs(k: Knowledge, fields: dict[str, Any]) -> None:
    for path, pid in participant_refs(fields):
        if pid not in k.participants:
            _refuse("participant-known", f"{path}: participant '{pid}' is not in this negotiation")
    via = fields.get("via")
    if via is not None and k.participants[via].get("role") != "mediator":
        _refuse("via-mediator", f"via: participant '{via}' is not a mediator")


# -- negotiation and participants -------------------------------------------------------------

def _opened(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    if any(fact.type == "negotiation.opened" for fact in k.membership_changes(exclude=ex)):
        _refuse("opened-once", "the negotiation is already open; negotiation.opened comes once")


def _joined(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    pid = f["participant"]["id"]
    if k.is_present(pid, at, exclude=ex):
        _refuse("participant-joins-once", f"participant.id: '{pid}' is already taking part at that time")


def _left(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    pid = f["participant_id"]
    if not k.is_present(pid, at, exclude=ex):
        _refuse("participant-leaves-once", f"participant_id: '{pid}' is not taking part at that time")


# -- rounds -----------------------------------------------------------------------------------

def _round_not_over_before(k: Knowledge, key: str, at: datetime, ex: str | None, what: str) -> None:
    seen = _types(k, "round", key, ex)
    for ending in ("round.cancelled", "round.concluded"):
        if any(t < at for t in seen.get(ending, ())):
            state = ending.split(".")[1]
            _refuse("round-over", f"round '{key}' was {state} before that; it cannot be {what}")


def _round_proposed(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    _refuse_if_exists(k, "round", f["round_id"], ex)


def _round_scheduled(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    _round_not_over_before(k, f["round_id"], at, ex, "scheduled")


def _round_postponed(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    _require(k, "round", f["round_id"], ex)
    _round_not_over_before(k, f["round_id"], at, ex, "postponed")


def _round_cancelled(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    key = f["round_id"]
    _require(k, "round", key, ex)
    seen = _types(k, "round", key, ex)
    if "round.concluded" in seen:
        _refuse("round-over", f"round '{key}' was concluded; a held round cannot be cancelled")
    if "round.cancelled" in seen:
        _refuse("round-over", f"round '{key}' was already cancelled")


def _round_started(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    key = f["round_id"]
    seen = _types(k, "round", key, ex)
    if "round.cancelled" in seen:
        _refuse("round-over", f"round '{key}' was cancelled; a cancelled round cannot start")
    if any(t <= at for t in seen.get("round.concluded", ())):
        _refuse("round-over", f"round '{key}' was concluded; a concluded round cannot start again")


def _round_concluded(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    key = f["round_id"]
    _require(k, "round", key, ex)
    seen = _types(k, "round", key, ex)
    if "round.cancelled" in seen:
        _refuse("round-over", f"round '{key}' was cancelled; a cancelled round cannot conclude")
    if "round.concluded" in seen:
        _refuse("round-over", f"round '{key}' was already concluded")


def _delegation(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    _require(k, "round", f["round_id"], ex)


# -- disputes, proposals, commitments ---------------------------------------------------------

def _dispute_raised(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    _refuse_if_exists(k, "dispute", f["dispute_id"], ex)


def _dispute_known(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    _require(k, "dispute", f["dispute_id"], ex)


def _dispute_discussed(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    _require(k, "dispute", f["dispute_id"], ex)
    _require(k, "round", f["round_id"], ex)


def _proposal_tabled(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    _refuse_if_exists(k, "proposal", f["proposal_id"], ex)
    if f.get("dispute_id") is not None:
        _require(k, "dispute", f["dispute_id"], ex)


def _proposal_live(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    key = f["proposal_id"]
    _require(k, "proposal", key, ex)
    if any(t <= at for t in _types(k, "proposal", key, ex).get("proposal.withdrawn", ())):
        _refuse("proposal-withdrawn", f"proposal '{key}' was withdrawn before that")


def _commitment_agreed(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    _refuse_if_exists(k, "commitment", f["commitment_id"], ex)
    if f.get("round_id") is not None:
        _require(k, "round", f["round_id"], ex)
    if f.get("dispute_id") is not None:
        _require(k, "dispute", f["dispute_id"], ex)


def _commitment_live(k: Knowledge, f: dict[str, Any], at: datetime, ex: str | None) -> None:
    key = f["commitment_id"]
    _require(k, "commitment", key, ex)
    if any(t <= at for t in _types(k, "commitment", key, ex).get("commitment.withdrawn", ())):
        _refuse("commitment-withdrawn", f"commitment '{key}' was withdrawn before that")


RULES: dict[str, Rule] = {
    "negotiation.opened": _opened,
    "participant.joined": _joined,
    "participant.left": _left,
    "round.proposed": _round_proposed,
    "round.scheduled": _round_scheduled,
    "round.postponed": _round_postponed,
    "round.cancelled": _round_cancelled,
    "round.started": _round_started,
    "round.concluded": _round_concluded,
    "delegation.named": _delegation,
    "dispute.raised": _dispute_raised,
    "dispute.discussed": _dispute_discussed,
    "position.stated": _dispute_known,
    **{t: _dispute_known for t in ("dispute.excluded", "dispute.resolved", "dispute.deadlocked",
                                   "dispute.deferred", "dispute.dropped", "dispute.reopened")},
    "proposal.tabled": _proposal_tabled,
    "proposal.responded": _proposal_live,
    "proposal.withdrawn": _proposal_live,
    "commitment.agreed": _commitment_agreed,
    **{t: _commitment_live for t in ("commitment.progress_reported", "commitment.fulfilled",
                                     "commitment.breach_alleged", "commitment.breached",
                                     "commitment.withdrawn")},
}


def check_event(k: Knowledge, event_type: str, fields: dict[str, Any], at: datetime,
                *, exclude: str | None = None) -> None:
    """Raises RuleViolation if the event contradicts the record. `exclude` leaves one event
    out of the record: the one a correction is rewriting."""
    if event_type != "negotiation.opened":
        check_participant_refs(k, fields)
    rule = RULES.get(event_type)
    if rule is not None:
        rule(k, fields, at, exclude)
