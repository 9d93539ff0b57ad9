"""An iCalendar (RFC 5545) with a VEVENT per round that has a date: known to the day or finer
(held: from its start to its end; otherwise the date it is scheduled for). A date is an all-day
event, a moment a timed one in UTC; the venue is the LOCATION, a cancelled round is
STATUS:CANCELLED, a provisional, proposed or postponed one TENTATIVE; the UID is made from the
round and negotiation ids, so it stays the same from one export to the next. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from domain.valid_time import parse_valid_time

from projections.export.dates import display_date
from projections.export.describe import names_of, venue_text
from projections.export.record import Record

PRODID = "-//negotiation-log//export//EN"
_DAY = timedelta(days=1)
_STATUS = {"cancelled": "CANCELLED", "proposed": "TENTATIVE", "postponed": "TENTATIVE"}


def render(record: Record) -> Iterator[str]:
    negotiation = record.negotiation or {}
    names = names_of(negotiation)
    stamp = _utc(parse_valid_time(record.recorded_until).start) if record.recorded_until else None
    yield from _lines(["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
                       "METHOD:PUBLISH", f"X-WR-CALNAME:{_text(negotiation.get('title') or 'Negotiation')}"])
    for round_ in record.rounds():
        lines = vevent(round_, negotiation, names, stamp)
        if lines:
            yield from _lines(lines)
    yield from _lines(["END:VCALENDAR"])


def when(round_: Mapping[str, Any]) -> tuple[str, str, str | None] | None:
    """("DATE" or "DATE-TIME", start, end) in iCalendar form, or None if the round has no date
    known to the day. A held round runs from its start to its conclusion."""
    begun = round_.get("started_at") or round_.get("scheduled_for")
    if not begun:
        return None
    ended = round_.get("concluded_at") if round_.get("started_at") else None
    parts = [p for text in (begun, ended) if text for p in text.split("/") if p != ".."]
    bounds = [parse_valid_time(p) for p in parts]
    if any(b.end - b.start >= _DAY for b in bounds):
        return None
    start, end = bounds[0].start, bounds[-1].end
    if all("T" in p for p in parts):
        return "DATE-TIME", _utc(start), (_utc(end) if end > start else None)
    # DTEND of an all-day event is the day after its last.
    return "DATE", start.strftime("%Y%m%d"), (end.date() + _DAY).strftime("%Y%m%d")


def vevent(round_: Mapping[str, Any], negotiation: Mapping[str, Any], names: Mapping[str, str],
           stamp: str | None) -> list[str]:
    dated = when(round_)
    if dated is None:
        return []
    kind, start, end = dated
    value = ";VALUE=DATE" if kind == "DATE" else ""
    label = round_.get("label") or (f"Round {round_['number']}" if round_.get("number") else f"Round {round_['round_id']}")
    status = _STATUS.get(round_.get("status") or "", "TENTATIVE" if round_.get("provisional") else "CONFIRMED")
    lines = ["BEGIN:VEVENT", f"UID:{round_['round_id']}.{negotiation.get('id')}@negotiation-log"]
    if stamp:
        lines.append(f"DTSTAMP:{stamp}")
    lines.append(f"DTSTART{value}:{start}")
    if end:
        lines.append(f"DTEND{value}:{end}")
    lines.append(f"SUMMARY:{_text(negotiation.get('title') or 'Negotiation')}: {_text(label)}")
    if round_.get("venue"):
        lines.append(f"LOCATION:{_text(venue_text(round_['venue']))}")
    lines.append(f"DESCRIPTION:{_text(_description(round_, names))}")
    lines += [f"STATUS:{status}", "END:VEVENT"]
    return lines


def _description(round_: Mapping[str, Any], names: Mapping[str, str]) -> str:
    said = [f"Status: {(round_.get('status') or 'unknown').replace('_', ' ')}"]
    for name, title in (("scheduled_for", "Scheduled for"), ("started_at", "Began"), ("concluded_at", "Concluded")):
        if round_.get(name):
            said.append(f"{title}: {display_date(round_[name])}")
    heads = [f"{names.get(pid, pid)}: {d['head']['name']}" for pid, d in (round_.get("delegations") or {}).items()]
    if heads:
        said.append("Delegations headed by " + "; ".join(heads))
    if round_.get("disputes_discussed"):
        said.append("Disputes discussed: " + ", ".join(round_["disputes_discussed"]))
    if round_.get("summary"):
        said.append(round_["summary"])
    for name in ("postponement", "cancellation"):
        change = round_.get(name)
        if change and change.get("reason"):
            said.append(f"{name.capitalize()}: {change['reason']}")
    return "\n".join(said)


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _lines(lines: list[str]) -> Iterator[str]:
    for line in lines:
        yield fold(line) + "\r\n"


def fold(line: str) -> str:
    """Lines longer than 75 octets folded (RFC 5545 3.1): CRLF and a space, never inside a
    UTF-8 character."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            pieces.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n".join(pieces)
