"""Valid time (docs/api.md §2, §11): the `occurred_at` forms a client may give, and the UTC bounds
derived from them.

Every form denotes a closed range of instants. A date-time is a point; a year, month or day
covers the whole period; `START/END` runs from the start of START to the end of END. Ends are
inclusive at microsecond precision (`2025` ends at 2025-12-31T23:59:59.999999Z) so that a
period's end never spills into year 10000 and "at or before" comparisons work without
half-open arithmetic.

Dates may also be written as analysts write them, in EDTF (ISO 8601-2) level 1: a qualifier
(`2025-05~`), unspecified digits (`2025-05-XX`) and open interval ends (`2025-05-23/..`); see
domain.date_forms. Their bounds are strict: a qualifier never widens them, `2025-05~` spans
May exactly, and the qualifier is kept as the `approximate` / `uncertain` flags.

The grammar is deliberately narrower than `datetime.fromisoformat`: a record that outlives
any one client should hold only the forms the contract promises to read back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from domain.date_forms import (
    EDTF_FORMS, EARLIEST, LATEST, OPEN, SINGLE_FORMS, Bounds, parse_extended, parse_plain,
)

__all__ = ["ACCEPTED_FORMS", "DERIVED_FIELDS", "SINGLE_FORMS", "ValidTime", "format_utc", "from_micros", "micros",
           "parse_instant", "parse_period", "parse_valid_time"]

DATE_FORMS = f"{SINGLE_FORMS}; {EDTF_FORMS}"
ACCEPTED_FORMS = (DATE_FORMS + "; or an interval START/END of two of those (without X), either end (not both) "
                  "may be '..' (open: 2025-05-23/..)")
# What the server derives from `occurred_at` and stores beside it; a client never sends them,
# and a correction of `occurred_at` replaces all of them.
DERIVED_FIELDS = ("occurred_from", "occurred_until", "approximate", "uncertain")


@dataclass(frozen=True)
class ValidTime:
    text: str  # exactly as given
    start: datetime  # tz-aware UTC, first instant covered
    end: datetime  # tz-aware UTC, last instant covered (inclusive)
    approximate: bool = False  # a `~` or `%` qualifier
    uncertain: bool = False  # a `?` or `%` qualifier

    def as_fields(self) -> dict[str, str | bool]:
        """The derived fields stored with the event. The flags appear only when true, so an
        event with a plain date is stored exactly as before EDTF was accepted."""
        fields: dict[str, str | bool] = {"occurred_from": format_utc(self.start), "occurred_until": format_utc(self.end)}
        if self.approximate:
            fields["approximate"] = True
        if self.uncertain:
            fields["uncertain"] = True
        return fields


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def micros(at: datetime) -> int:
    """Microseconds since 1970 (UTC): how times are compared in SQL and held in arrays (the
    text form drops `.000000`, so it does not sort)."""
    return (at - _EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


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
    """Any §2 or §11 form, including an interval. Raises ValueError saying what is accepted."""
    if not isinstance(text, str):
        raise ValueError(f"a time must be a string; accepted forms: {ACCEPTED_FORMS}")
    return _parse_valid_time(text)


# Every event's time is parsed when it is validated, checked and indexed, and most events
# name a day that others name too. ValidTime is frozen, so sharing one is safe.
@lru_cache(maxsize=4096)
def _parse_valid_time(text: str) -> ValidTime:
    parts = text.split("/")
    if len(parts) == 1:
        return _valid_time(text, parse_extended(text))
    if len(parts) > 2:
        raise ValueError(f"{text!r} has more than one '/'; accepted forms: {ACCEPTED_FORMS}")
    first, last = (_interval_end(part, role) for part, role in zip(parts, ("interval start", "interval end")))
    if first is OPEN and last is OPEN:
        raise ValueError(f"interval {text!r} is open at both ends; give at least one date")
    start = EARLIEST if first is OPEN else first.start
    end = LATEST if last is OPEN else last.end
    if end < start:
        raise ValueError(f"interval {text!r} ends before it starts")
    ends = [b for b in (first, last) if b is not OPEN]
    return ValidTime(text, start, end, any(b.approximate for b in ends), any(b.uncertain for b in ends))


def _interval_end(text: str, role: str) -> Bounds:
    if text == "..":
        return OPEN
    if not text:
        raise ValueError(f"{role} is empty; write '..' for an open end; accepted forms: {ACCEPTED_FORMS}")
    return parse_extended(text, role=role, unspecified=False)


def _valid_time(text: str, bounds: Bounds) -> ValidTime:
    return ValidTime(text, bounds.start, bounds.end, bounds.approximate, bounds.uncertain)


def parse_instant(text: str) -> datetime:
    """One instant for query parameters such as `as_of`: a date-time is itself; a day, month or
    year means the last microsecond of that period, so `as_of=2025-02-27` includes all of the
    27th. Only the plain forms: a query names a point, it is not a fuzzy date."""
    return parse_period(text)[1]


def parse_period(text: str) -> tuple[datetime, datetime]:
    """The first and last instant of one plain time (no interval, no EDTF qualifier)."""
    if isinstance(text, str) and "/" in text:
        raise ValueError(f"{text!r} is an interval, not one time; accepted forms: {SINGLE_FORMS}")
    bounds = parse_plain(text)
    return bounds.start, bounds.end
