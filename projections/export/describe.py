"""One line saying what a fact records, in words, as the web page says it (api/web/app.js,
describe): the headline of a TimelineJS slide, the `summary` column of the CSV. Pure."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from projections.export.dates import display_date

Names = Mapping[str, str]  # participant id → name


def names_of(negotiation: Mapping[str, Any] | None) -> dict[str, str]:
    return {p["id"]: p["name"] for p in (negotiation or {}).get("participants", [])}


def venue_text(venue: Mapping[str, Any] | None) -> str:
    return ", ".join(str(venue[k]) for k in ("name", "city", "country") if venue and venue.get(k))


def _hours(duration: Mapping[str, Any]) -> str:
    low, high = duration.get("min_hours"), duration.get("max_hours")
    if low is not None and high is not None and low != high:
        return f"{low}–{high} hours"
    if high is None:
        return f"more than {low} hours"
    if low is None:
        return f"up to {high} hours"
    return f"{low} hours"


class _Say:
    def __init__(self, names: Names) -> None:
        self.names = names

    def name(self, pid: str | None) -> str:
        return self.names.get(pid or "", pid or "?")

    def by(self, pid: str | None, word: str = "by") -> str:
        return f" {word} {self.name(pid)}" if pid else ""

    @staticmethod
    def text(value: str | None) -> str:
        return f": {value}" if value else ""

    @staticmethod
    def round(e: Mapping[str, Any]) -> str:
        return f"Round {e.get('round_id')}"

    @staticmethod
    def dispute(e: Mapping[str, Any]) -> str:
        return f"Dispute {e.get('dispute_id')}"


_LINES: dict[str, Callable[[Mapping[str, Any], _Say], str]] = {
    "negotiation.opened": lambda e, s: f"Negotiation opened: {e['title']}",
    "participant.joined": lambda e, s: f"{e['participant']['name']} joined as {e['participant']['role']}",
    "participant.left": lambda e, s: f"{s.name(e['participant_id'])} left the negotiation",
    "negotiation.suspended": lambda e, s: f"Negotiation suspended{s.text(e.get('reason'))}",
    "negotiation.resumed": lambda e, s: f"Negotiation resumed{s.text(e.get('reason'))}",
    "negotiation.concluded": lambda e, s: f"Negotiation concluded{s.text(e.get('outcome'))}",
    "negotiation.collapsed": lambda e, s: f"Negotiation collapsed{s.text(e.get('outcome'))}",
    "round.proposed": lambda e, s: f"{s.round(e)} proposed{s.by(e.get('proposed_by'))}",
    "round.scheduled": lambda e, s: (f"{s.round(e)} scheduled"
                                + (f" for {display_date(e['scheduled_for'])}" if e.get("scheduled_for") else "")
                                + (f" at {venue_text(e['venue'])}" if e.get("venue") else "")
                                + (" (provisional)" if e.get("provisional") else "")),
    "round.postponed": lambda e, s: f"{s.round(e)} postponed{s.text(e.get('reason'))}{s.by(e.get('requested_by'), 'at the request of')}",
    "round.cancelled": lambda e, s: f"{s.round(e)} cancelled{s.text(e.get('reason'))}{s.by(e.get('cancelled_by'))}",
    "delegation.named": lambda e, s: (f"{s.name(e['participant_id'])} delegation to {s.round(e)} headed by {e['head']['name']}"
                                 + (f", {e['head']['title']}" if e["head"].get("title") else "")),
    "round.started": lambda e, s: f"{s.round(e)} began" + (f" at {venue_text(e['venue'])}" if e.get("venue") else ""),
    "round.concluded": lambda e, s: f"{s.round(e)} concluded" + (f" after {_hours(e['duration'])}" if e.get("duration") else ""),
    "dispute.raised": lambda e, s: f"Dispute raised: {e['title']}{s.by(e.get('raised_by'))}",
    "dispute.discussed": lambda e, s: f"{s.dispute(e)} discussed at {s.round(e)}{s.text(e.get('summary'))}",
    "dispute.excluded": lambda e, s: f"{s.dispute(e)} kept off the agenda{s.by(e.get('excluded_by'))}{s.text(e.get('reason'))}",
    "position.stated": lambda e, s: (f"{s.name(e['participant_id'])} ({e['stance'].replace('_', ' ')}) on {s.dispute(e)}: "
                                f"“{e['text']}”"),
    "proposal.tabled": lambda e, s: f"{s.name(e['proposed_by'])} tabled a proposal{s.by(e.get('via'), 'via')}: “{e['text']}”",
    "proposal.responded": lambda e, s: (f"{s.name(e['participant_id'])} {e['response'].replace('_', ' ')} proposal "
                                   f"{e['proposal_id']}{s.text(e.get('text'))}"),
    "proposal.withdrawn": lambda e, s: f"Proposal {e['proposal_id']} withdrawn",
    "commitment.agreed": lambda e, s: f"{' and '.join(s.name(p) for p in e['parties'])} agreed: “{e['text']}”",
    "commitment.progress_reported": lambda e, s: f"Progress on {e['commitment_id']}{s.text(e.get('text'))}",
    "commitment.fulfilled": lambda e, s: f"Commitment {e['commitment_id']} fulfilled{s.text(e.get('text'))}",
    "commitment.breach_alleged": lambda e, s: (f"{s.name(e['alleged_by'])} alleged a breach of {e['commitment_id']}"
                                          f"{s.text(e.get('text'))}"),
    "commitment.breached": lambda e, s: f"Commitment {e['commitment_id']} breached{s.text(e.get('text'))}",
    "commitment.withdrawn": lambda e, s: f"Commitment {e['commitment_id']} withdrawn{s.by(e.get('by'))}{s.text(e.get('reason'))}",
    "statement.issued": lambda e, s: (f"{e['speaker']['name']}"
                                 + (f" ({e['speaker']['title']})" if e["speaker"].get("title") else "")
                                 + f": “{e['text']}”"),
}


def headline(e: Mapping[str, Any], names: Names) -> str:
    say = _Say(names)
    line = _LINES.get(e["type"])
    if line is not None:
        return line(e, say)
    if e["type"].startswith("dispute."):
        return f"{say.dispute(e)} {e['type'][8:]}{say.text(e.get('summary'))}"
    return str(e["type"])
