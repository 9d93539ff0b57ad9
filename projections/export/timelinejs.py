"""A TimelineJS 3 document (its JSON format: a title slide, `events` of slides with
`start_date` / `end_date` date objects, `text {headline, text}`, `group`, `unique_id`, and
`eras`), so a newsroom can paste the export into a TimelineJS embed. Every live fact is a
slide, grouped by kind; a fuzzy date keeps its qualifier in the slide's `display_date`; the
rounds are eras. TimelineJS shows `text` as HTML: everything from the record is escaped.
Streamed: the slides are written as the facts come. Pure."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from collections.abc import Iterator, Mapping
from typing import Any

from domain import jsonfast
from domain.valid_time import parse_valid_time

from projections.export.dates import display_date
from projections.export.describe import headline, names_of
from projections.export.record import Record

GROUPS = {"round": "Rounds", "delegation": "Delegations", "dispute": "Disputes", "position": "Positions",
          "proposal": "Proposals", "commitment": "Commitments", "statement": "Statements",
          "negotiation": "Negotiation", "participant": "Negotiation"}
_PRECISION = {4: "year", 7: "month", 10: "day"}
_SAFE_URL = re.compile(r"https?://", re.IGNORECASE)


def render(record: Record) -> Iterator[str]:
    negotiation = record.negotiation or {}
    names = names_of(negotiation)
    title = {"text": {"headline": _e(negotiation.get("title") or "Negotiation"),
                      "text": _p(negotiation.get("subject"))},
             "unique_id": f"negotiation-{negotiation.get('id')}"}
    yield '{"title":' + _dumps(title) + ',"events":['
    separator = ""
    for fact in record.facts():
        yield separator + _dumps(slide(fact, names))
        separator = ","
    yield '],"eras":['
    separator = ""
    for round_ in record.rounds():  # one at a time: a long negotiation has many rounds
        shown = era(round_)
        if shown is not None:
            yield separator + _dumps(shown)
            separator = ","
    yield "]}\n"


def slide(fact: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    text = fact["occurred_at"]
    start, end = span(text)
    slide: dict[str, Any] = {"start_date": start}
    if end is not None:
        slide["end_date"] = end
    if fact.get("approximate") or fact.get("uncertain") or "X" in text or ".." in text:
        slide["display_date"] = display_date(text)
    slide["text"] = {"headline": _e(headline(fact, names)), "text": _details(fact, names)}
    slide["group"] = GROUPS.get(fact["type"].split(".")[0], "Record")
    slide["unique_id"] = fact["event_id"]
    return slide


def era(round_: Mapping[str, Any]) -> dict[str, Any] | None:
    """A round as an era: from its start (or the date it was scheduled for) to its end."""
    begun = round_.get("started_at") or round_.get("scheduled_for")
    if not begun:
        return None
    start, end = span(begun)
    ended = round_.get("concluded_at")
    if ended:
        end = span(ended)[1] or span(ended)[0]
    label = round_.get("label") or f"Round {round_['round_id']}"
    return {"start_date": start, "end_date": end or start, "text": {"headline": _e(label)}}


@lru_cache(maxsize=4096)  # dates repeat; the objects are only ever read (dumped)
def span(text: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """TimelineJS date objects for a valid time: a single period is one date at its own
    precision (`2025-05` is May 2025, no end); an interval, or digits left unspecified over
    several years (`202X`), has an end too; an open end has none."""
    parts = text.split("/")
    if len(parts) == 1:
        first, last = _date(text, end=False), _date(text, end=True)
        return first, (last if last != first else None)
    head, tail = parts
    if head == "..":
        return _date(tail, end=False), None
    return _date(head, end=False), (None if tail == ".." else _date(tail, end=True))


def _date(text: str, *, end: bool) -> dict[str, Any]:
    bounds = parse_valid_time(text)
    moment = bounds.end if end else bounds.start
    plain = text.rstrip("?~%")
    if "T" in plain:
        return {"year": moment.year, "month": moment.month, "day": moment.day, "hour": moment.hour,
                "minute": moment.minute, "second": moment.second}
    # What the text names: digits left unspecified (X) are not named.
    known = plain[:4] if "X" in plain[:4] else plain.split("-XX")[0]
    precision = _PRECISION.get(len(known), "day")
    date = {"year": moment.year}
    if precision in ("month", "day"):
        date["month"] = moment.month
    if precision == "day":
        date["day"] = moment.day
    return date


def _details(fact: Mapping[str, Any], names: Mapping[str, str]) -> str:
    parts = []
    if fact.get("attributed_to"):
        who = names.get(fact["attributed_to"], fact["attributed_to"])
        parts.append(f"<p><em>{_e(who)}’s claim, not an established fact.</em></p>")
    for source in fact.get("sources") or []:
        quote = f"“{_e(source['quote'])}” — " if source.get("quote") else ""
        title = _e(source.get("title") or source.get("publisher") or "source")
        url = source.get("url") or ""
        cited = f'<a href="{_e(url)}">{title}</a>' if _SAFE_URL.match(url) else title
        publisher = f", {_e(source['publisher'])}" if source.get("publisher") and source.get("title") else ""
        parts.append(f"<p>{quote}{cited}{publisher}</p>")
    if fact.get("note"):
        parts.append(_p(fact["note"]))
    return "".join(parts)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _p(text: Any) -> str:
    return f"<p>{_e(text)}</p>" if text else ""


def _dumps(value: Any) -> str:
    return jsonfast.dumps(value).decode()
