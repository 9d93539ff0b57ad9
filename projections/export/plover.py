"""PLOVER event records, one JSON object a line (PLOVER manual, "PLOVER JSON"): `id`, `date`,
`actor`, `event` always; `enddate`, `time`, `recipient`, `mode`, `context`, `quad_code`,
`event_text`, `event_loc`, `cite_info`, `coder`, `coded_date`, `coded_time`, `link` and
`comment` where known. Which facts become which event: plover_mapping. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from domain import jsonfast

from projections.export.dates import display_date
from projections.export.describe import venue_text
from projections.export.plover_mapping import CODINGS, CONTEXT, QUAD_CODES, Coding, event_of
from projections.export.record import Record

_OPEN_START, _OPEN_END = "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"


class _Negotiation:
    """What the records need to know beyond the fact itself."""

    def __init__(self, record: Record) -> None:
        negotiation = record.negotiation or {}
        self.people: dict[str, dict[str, Any]] = {p["id"]: p for p in negotiation.get("participants", [])}
        self.parties = [p["id"] for p in self.people.values() if p["role"] == "party"]
        self.third_party = negotiation.get("format") == "mediated" or any(
            p["role"] in ("mediator", "host") for p in self.people.values())
        self.multilateral = negotiation.get("format") == "multilateral" or len(self.parties) > 2
        self.venues = {r["round_id"]: r["venue"] for r in record.rounds() if r.get("venue")}
        self.proposers: dict[str, str] = {}
        self.commitments: dict[str, list[str]] = {}

    def entity(self, pid: str) -> dict[str, Any]:
        person = self.people.get(pid, {"id": pid, "name": pid})
        entity = {"code": person["code"]} if person.get("code") else {}
        entity["entity_text"] = person["name"]
        if person.get("wikidata"):
            entity.update(identifier_id=person["wikidata"], identifier_text=person["name"])
        return entity

    def host_party(self, round_id: str | None) -> str | None:
        """The party on whose ground a round was held, if its venue says so."""
        country = str((self.venues.get(round_id or "") or {}).get("country") or "").casefold()
        for pid in self.parties if country else ():
            person = self.people[pid]
            if country in (str(person["name"]).casefold(), str(person.get("code") or "").casefold()):
                return pid
        return None


def render(record: Record) -> Iterator[str]:
    negotiation = _Negotiation(record)
    for fact in record.facts():
        if fact["type"] == "proposal.tabled":
            negotiation.proposers[fact["proposal_id"]] = fact["proposed_by"]
        elif fact["type"] == "commitment.agreed":
            negotiation.commitments[fact["commitment_id"]] = list(fact["parties"])
        coded = plover_record(fact, negotiation)
        if coded is not None:
            yield jsonfast.dumps(coded).decode() + "\n"


def plover_record(fact: Mapping[str, Any], n: _Negotiation) -> dict[str, Any] | None:
    coding = CODINGS.get(fact["type"])
    event = event_of(coding, fact) if coding else None
    actors = _actors(coding, fact, n) if coding else []
    if coding is None or event is None or not actors:
        return None
    modes = [coding.mode] if coding.mode else []
    recipients = _recipients(coding, fact, n, actors)
    if event == "CONSULT":
        modes, actors, recipients = _consult(fact, n, actors)
    record: dict[str, Any] = {"id": fact["event_id"], **_dates(fact), "actor": [n.entity(a) for a in actors]}
    if recipients:
        record["recipient"] = [n.entity(r) for r in recipients]
    record.update(event=[event], mode=modes, context=list(CONTEXT), quad_code=QUAD_CODES[event])
    if not modes:
        del record["mode"]
    sources = fact.get("sources") or []
    quotes = [s["quote"] for s in sources if s.get("quote")]
    if quotes:
        record["event_text"] = quotes
    # Where a round was held; an agreement to meet somewhere did not happen there.
    venue = (fact.get("venue") or n.venues.get(fact.get("round_id") or "")) if event == "CONSULT" else None
    if venue:
        record["event_loc"] = {k: v for k, v in (("extracted_place", venue_text(venue)), ("city", venue.get("city")),
                                                 ("country", venue.get("country"))) if v}
    citations = [_citation(s) for s in sources]
    if any(citations):
        record["cite_info"] = [c for c in citations if c]
    record.update(coder=fact["recorded_by"], coded_date=fact["recorded_at"][:10], coded_time=fact["recorded_at"][11:],
                  link=fact["negotiation_id"])
    comment = _comment(fact, n)
    if comment:
        record["comment"] = comment
    return record


def _ids(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _actors(coding: Coding, fact: Mapping[str, Any], n: _Negotiation) -> list[str]:
    return list(n.parties) if coding.actor == "*parties" else _ids(fact.get(coding.actor))


def _recipients(coding: Coding, fact: Mapping[str, Any], n: _Negotiation, actors: Sequence[str]) -> list[str]:
    if coding.recipient == "*others":
        found = n.parties
    elif coding.recipient == "*proposer":
        found = _ids(n.proposers.get(fact.get("proposal_id") or ""))
    elif coding.recipient == "*commitment":
        found = n.commitments.get(fact.get("commitment_id") or "", [])
    else:
        found = _ids(fact.get(coding.recipient)) if coding.recipient else []
    return [r for r in found if r not in actors]


def _consult(fact: Mapping[str, Any], n: _Negotiation, actors: list[str]) -> tuple[list[str], list[str], list[str]]:
    """PLOVER's CONSULT modes: `visit` when held on one party's ground (the visitors are the
    actor, the host the recipient), `third-party` when a mediator or a non-party host takes
    part (or the format is mediated), `multilateral` with more than two parties."""
    modes = []
    host = n.host_party(fact.get("round_id"))
    if host is not None and len(actors) > 1:
        modes.append("visit")
        return modes, [a for a in actors if a != host], [host]
    if n.third_party:
        modes.append("third-party")
    if n.multilateral:
        modes.append("multilateral")
    return modes, actors, []


def _dates(fact: Mapping[str, Any]) -> dict[str, str]:
    """`date` and `enddate` (YYYY-MM-DD, UTC) from the strict bounds of the valid time, `time`
    for a moment; an open start gives the one known date, an open end no enddate."""
    start, end, text = fact["occurred_from"], fact["occurred_until"], fact["occurred_at"]
    if start == _OPEN_START:
        return {"date": end[:10]}
    dates = {"date": start[:10]}
    if start == end and "T" in text:
        dates["time"] = start[11:]
    if end != _OPEN_END and end[:10] != start[:10]:
        dates["enddate"] = end[:10]
    return dates


def _citation(source: Mapping[str, Any]) -> dict[str, Any]:
    named = (("title", "title"), ("url", "url"), ("publication", "publisher"), ("published_at", "published_at"),
             ("reliability", "reliability"))
    return {ours: source[theirs] for ours, theirs in named if source.get(theirs)}


def _comment(fact: Mapping[str, Any], n: _Negotiation) -> str:
    said = []
    text = fact["occurred_at"]
    qualified = fact.get("approximate") or fact.get("uncertain")
    if qualified or ".." in text or "X" in text:
        flags = " and ".join(f for f in ("approximate", "uncertain") if fact.get(f))
        said.append(f"occurred_at {text} ({display_date(text)}{'; ' + flags if flags else ''}): "
                    "date and enddate are the first and last day it allows")
    if fact.get("attributed_to"):
        who = n.people.get(fact["attributed_to"], {}).get("name", fact["attributed_to"])
        said.append(f"recorded as the claim of {who}, not as an established fact")
    if fact.get("corrected_by"):
        said.append(f"as corrected by {', '.join(fact['corrected_by'])}")
    return "; ".join(said)
