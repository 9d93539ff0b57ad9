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


def headline(e: Mapping[str, Any], names: Names) -> str:
    def name(pid: str | None) -> str:
        return names.get(pid or "", pid or "?")

    def by(pid: str | None, word: str = "by") -> str:
        return f" {word} {name(pid)}" if pid else ""

    def text(value: str | None) -> str:
        return f": {value}" if value else ""

    round_ = f"Round {e.get('round_id')}"
    dispute = f"Dispute {e.get('dispute_id')}"
    lines: dict[str, Callable[[], str]] = {
        "negotiation.opened": lambda: f"Negotiation opened: {e['title']}",
        "participant.joined": lambda: f"{e['participant']['name']} joined as {e['participant']['role']}",
        "participant.left": lambda: f"{name(e['participant_id'])} left the negotiation",
        "negotiation.suspended": lambda: f"Negotiation suspended{text(e.get('reason'))}",
        "negotiation.resumed": lambda: f"Negotiation resumed{text(e.get('reason'))}",
        "negotiation.concluded": lambda: f"Negotiation concluded{text(e.get('outcome'))}",
        "negotiation.collapsed": lambda: f"Negotiation collapsed{text(e.get('outcome'))}",
        "round.proposed": lambda: f"{round_} proposed{by(e.get('proposed_by'))}",
        "round.scheduled": lambda: (f"{round_} scheduled"
                                    + (f" for {display_date(e['scheduled_for'])}" if e.get("scheduled_for") else "")
                                    + (f" at {venue_text(e['venue'])}" if e.get("venue") else "")
                                    + (" (provisional)" if e.get("provisional") else "")),
        "round.postponed": lambda: f"{round_} postponed{text(e.get('reason'))}{by(e.get('requested_by'), 'at the request of')}",
        "round.cancelled": lambda: f"{round_} cancelled{text(e.get('reason'))}{by(e.get('cancelled_by'))}",
        "delegation.named": lambda: (f"{name(e['participant_id'])} delegation to {round_} headed by {e['head']['name']}"
                                     + (f", {e['head']['title']}" if e["head"].get("title") else "")),
        "round.started": lambda: f"{round_} began" + (f" at {venue_text(e['venue'])}" if e.get("venue") else ""),
        "round.concluded": lambda: f"{round_} concluded" + (f" after {_hours(e['duration'])}" if e.get("duration") else ""),
        "dispute.raised": lambda: f"Dispute raised: {e['title']}{by(e.get('raised_by'))}",
        "dispute.discussed": lambda: f"{dispute} discussed at {round_}{text(e.get('summary'))}",
        "dispute.excluded": lambda: f"{dispute} kept off the agenda{by(e.get('excluded_by'))}{text(e.get('reason'))}",
        "position.stated": lambda: (f"{name(e['participant_id'])} ({e['stance'].replace('_', ' ')}) on {dispute}: "
                                    f"“{e['text']}”"),
        "proposal.tabled": lambda: f"{name(e['proposed_by'])} tabled a proposal{by(e.get('via'), 'via')}: “{e['text']}”",
        "proposal.responded": lambda: (f"{name(e['participant_id'])} {e['response'].replace('_', ' ')} proposal "
                                       f"{e['proposal_id']}{text(e.get('text'))}"),
        "proposal.withdrawn": lambda: f"Proposal {e['proposal_id']} withdrawn",
        "commitment.agreed": lambda: f"{' and '.join(name(p) for p in e['parties'])} agreed: “{e['text']}”",
        "commitment.progress_reported": lambda: f"Progress on {e['commitment_id']}{text(e.get('text'))}",
        "commitment.fulfilled": lambda: f"Commitment {e['commitment_id']} fulfilled{text(e.get('text'))}",
        "commitment.breach_alleged": lambda: (f"{name(e['alleged_by'])} alleged a breach of {e['commitment_id']}"
                                              f"{text(e.get('text'))}"),
        "commitment.breached": lambda: f"Commitment {e['commitment_id']} breached{text(e.get('text'))}",
        "commitment.withdrawn": lambda: f"Commitment {e['commitment_id']} withdrawn{by(e.get('by'))}{text(e.get('reason'))}",
        "statement.issued": lambda: (f"{e['speaker']['name']}"
                                     + (f" ({e['speaker']['title']})" if e["speaker"].get("title") else "")
                                     + f": “{e['text']}”"),
    }
    line = lines.get(e["type"])
    if line is not None:
        return line()
    if e["type"].startswith("dispute."):
        return f"{dispute} {e['type'][8:]}{text(e.get('summary'))}"
    return str(e["type"])
