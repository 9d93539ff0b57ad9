"""Valid time (CONTRACT §2): the `occurred_at` forms a client may give, and the UTC bounds
derived from them.

Every form denotes a closed range of instants. A date-time is a point; a year, month or day
covers the whole period; `START/END` runs from the start of START to the end of END. Ends are
inclusive at microsecond precision (`2025` ends at 2025-12-31T23:59:59.999999Z) so that a
period's end never spills into year 10000 and "at or before" comparisons work without
half-open arithmetic.

The grammar is deliberately narrower than `datetime.fromisoformat`: a record that outlives
any one client should hold only the forms the contract promises to read back.
"""

from __future__ import annotations

import calendar
import re
from functools import lru_cache
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

SINGLE_FORMS = (
    "YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS[.fraction]] followed by Z, by an offset "
    "±HH:MM, or by nothing (meaning UTC)"
)
ACCEPTED_FORMS = SINGLE_FORMS + "; or an interval START/END of two of those"

# Anchored with \Z rather than $ so a trailing newline is refused, and [0-9] rather than \d so
# non-ASCII digits (which int() would happily read) are refused too.
_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("year", re.compile(r"(?P<y>[0-9]{4})\Z")),
    ("month", re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})\Z")),
    ("day", re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})\Z")),
    (
        "instant",
        re.compile(
            r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"
            r"T(?P<H>[0-9]{2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]{1,9}))?)?"
            r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?\Z"
        ),
    ),
)

_END_OF_DAY = {"hour": 23, "minute": 59, "second": 59, "microsecond": 999999}


@dataclass(frozen=True)
class ValidTime:
    text: str  # exactly as given
    start: datetime  # tz-aware UTC, first instant covered
    end: datetime  # tz-aware UTC, last instant covered (inclusive)

    def as_fields(self) -> dict[str, str]:
        return {"occurred_from": format_utc(self.start), "occurred_until": format_utc(self.end)}


@lru_cache(maxsize=4096)  # events of one request share their recorded time; dates repeat
def format_utc(dt: datetime) -> str:
    """`2025-02-27T00:00:00Z`, with `.ffffff` only when there are microseconds. A naive value
    is taken to be UTC already, matching the contract's "no offset means UTC"."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    # isoformat zero-pads the year (strftime("%Y") does not on every platform) and writes
    # `.ffffff` only when there are microseconds: exactly this format, at a fraction of the cost.
    return dt.isoformat() + "Z"


def parse_valid_time(text: str) -> ValidTime:
    """Any §2 form, including an interval. Raises ValueError saying what is accepted."""
    if not isinstance(text, str):
        raise ValueError(f"a time must be a string; accepted forms: {ACCEPTED_FORMS}")
    return _parse_valid_time(text)


# Every event's time is parsed when it is validated, checked and indexed, and most events
# name a day that others name too. ValidTime is frozen, so sharing one is safe.
@lru_cache(maxsize=4096)
def _parse_valid_time(text: str) -> ValidTime:
    parts = text.split("/")
    if len(parts) == 1:
        start, end = _parse_single(text)
        return ValidTime(text, start, end)
    if len(parts) > 2:
        raise ValueError(f"{text!r} has more than one '/'; accepted forms: {ACCEPTED_FORMS}")
    start, _ = _parse_single(parts[0], role="interval start")
    _, end = _parse_single(parts[1], role="interval end")
    if end < start:
        raise ValueError(f"interval {text!r} ends before it starts")
    return ValidTime(text, start, end)


def parse_instant(text: str) -> datetime:
    """One instant for query parameters such as `as_of`: a date-time is itself; a day, month or
    year means the last microsecond of that period, so `as_of=2025-02-27` includes all of the
    27th."""
    if isinstance(text, str) and "/" in text:
        raise ValueError(f"{text!r} is an interval, not one time; accepted forms: {SINGLE_FORMS}")
    return _parse_single(text)[1]


def _parse_single(text: str, role: str = "") -> tuple[datetime, datetime]:
    if not isinstance(text, str):
        raise ValueError(f"a time must be a string; accepted forms: {SINGLE_FORMS}")
    shown = f"{role} {text!r}" if role else repr(text)
    for kind, pattern in _FORMS:
        match = pattern.match(text)
        if match:
            try:
                return _bounds(kind, match)
            except ValueError as exc:
                raise ValueError(f"{shown}: {exc}; accepted forms: {SINGLE_FORMS}") from None
    if not text:
        raise ValueError(f"{role or 'time'} is empty; accepted forms: {SINGLE_FORMS}")
    raise ValueError(f"{shown} is not a recognised time; accepted forms: {SINGLE_FORMS}")


def _bounds(kind: str, match: re.Match[str]) -> tuple[datetime, datetime]:
    g = match.groupdict()
    year = int(g["y"])
    if year < 1:
        raise ValueError("year must be between 0001 and 9999")
    month = int(g.get("m") or 1)
    if not 1 <= month <= 12:
        raise ValueError(f"month {g['m']} is out of range 01..12")
    last_day = calendar.monthrange(year, month)[1]
    day = int(g.get("d") or 1)
    if not 1 <= day <= last_day:
        raise ValueError(f"day {g['d']} does not exist in {year:04d}-{month:02d}")
    utc = timezone.utc
    if kind == "year":
        return datetime(year, 1, 1, tzinfo=utc), datetime(year, 12, 31, tzinfo=utc, **_END_OF_DAY)
    if kind == "month":
        first = datetime(year, month, 1, tzinfo=utc)
        return first, datetime(year, month, last_day, tzinfo=utc, **_END_OF_DAY)
    if kind == "day":
        first = datetime(year, month, day, tzinfo=utc)
        return first, first.replace(**_END_OF_DAY)
    point = _instant(year, month, day, g)
    return point, point


def _instant(year: int, month: int, day: int, g: dict[str, str | None]) -> datetime:
    hour, minute, second = int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("time of day must be within 00:00:00..23:59:59")
    # Beyond microseconds (e.g. nanosecond clocks) the digits are truncated, not refused.
    micro = int((g["f"] or "").ljust(6, "0")[:6])
    offset = timedelta(0)
    tz = g["tz"]
    if tz and tz != "Z":
        oh, om = int(tz[1:3]), int(tz[4:6])
        if oh > 23 or om > 59:
            raise ValueError(f"offset {tz} is out of range (at most ±23:59)")
        offset = timedelta(hours=oh, minutes=om) * (-1 if tz[0] == "-" else 1)
    try:
        local = datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone(offset))
        return local.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("falls outside years 0001..9999 once converted to UTC") from None
