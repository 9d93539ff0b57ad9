"""One time as text → the first and last instant it can denote (UTC, inclusive), for the forms
of docs/api.md §2 and the EDTF (ISO 8601-2) level 1 dates of §11:

- plain: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.f]]` with `Z`, `±HH:MM` or
  nothing (UTC);
- a qualifier after a whole date: `?` uncertain, `~` approximate, `%` both (`2025-05~`);
- unspecified digits from the right: `202X`, `20XX`, `2025-XX`, `2025-05-XX`, `2025-XX-XX`.

Bounds are strict: they contain exactly the instants the text allows, so `2025-05~` is May and
`202X` is 2020-01-01 to the end of 2029. Level 1 forms this log does not take are refused by
name: seasons (`2025-21`: their months depend on the hemisphere), years beyond 0001..9999
(`Y170000002`, `-0100`), a qualifier on a date-time or together with X (EDTF level 2), and a
qualifier on part of a date (`~2025`, `2025~-05`, level 2).

The `edtf` package parses these too, but its bounds are days (no times or offsets), it gives
none for open intervals and guesses ten years for unknown ends, and a parse costs milliseconds
where an append budget is microseconds; tests hold these bounds to its strict ones."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

SINGLE_FORMS = (
    "YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS[.fraction]] followed by Z, by an offset "
    "±HH:MM, or by nothing (meaning UTC)"
)
EDTF_FORMS = (
    "a date may end in one qualifier, ? (uncertain), ~ (approximate) or % (both), as in 2025-05~; "
    "digits may be unspecified with X from the right: 202X, 20XX, 2025-XX, 2025-05-XX, 2025-XX-XX "
    "(EDTF level 1)"
)

_UTC = timezone.utc
EARLIEST = datetime(1, 1, 1, tzinfo=_UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=_UTC)
_END_OF_DAY = {"hour": 23, "minute": 59, "second": 59, "microsecond": 999999}

# Anchored with \Z rather than $ so a trailing newline is refused, and [0-9] rather than \d so
# non-ASCII digits (which int() would happily read) are refused too.
_DATE = re.compile(r"(?P<y>[0-9]{4}|[0-9]{3}X|[0-9]{2}XX)(?:-(?P<m>[0-9]{2}|XX)(?:-(?P<d>[0-9]{2}|XX))?)?"
                   r"(?P<q>[?~%])?\Z")
_INSTANT = re.compile(
    r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"
    r"T(?P<H>[0-9]{2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]{1,9}))?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)
_QUALIFIERS = "?~%"


@dataclass(frozen=True)
class Bounds:
    start: datetime
    end: datetime
    approximate: bool = False
    uncertain: bool = False


OPEN = Bounds(EARLIEST, LATEST)  # an interval's `..` end


def parse_plain(text: str, role: str = "") -> Bounds:
    """The §2 forms only: what query parameters take."""
    return _parse(text, role, SINGLE_FORMS, extended=False, unspecified=False)


def parse_extended(text: str, role: str = "", *, unspecified: bool = True) -> Bounds:
    """The §2 forms and the EDTF level 1 dates; `unspecified` is false for interval ends,
    where EDTF takes X digits only from level 2 on."""
    return _parse(text, role, f"{SINGLE_FORMS}; {EDTF_FORMS}", extended=True, unspecified=unspecified)


def _parse(text: str, role: str, forms: str, *, extended: bool, unspecified: bool) -> Bounds:
    if not isinstance(text, str):
        raise ValueError(f"a time must be a string; accepted forms: {forms}")
    shown = f"{role} {text!r}" if role else repr(text)
    try:
        match = _INSTANT.match(text)
        if match:
            return _instant(match)
        match = _DATE.match(text)
        if match:
            return _date(match, extended=extended, unspecified=unspecified)
    except ValueError as exc:
        raise ValueError(f"{shown}: {exc}; accepted forms: {forms}") from None
    if not text:
        raise ValueError(f"{role or 'time'} is empty; accepted forms: {forms}")
    raise ValueError(f"{shown} is not a recognised time{_hint(text) if extended else ''}; accepted forms: {forms}")


def _hint(text: str) -> str:
    """Why a text that looks like EDTF is refused, where a reason can be named."""
    body = text.rstrip(_QUALIFIERS)
    if len(text) - len(body) > 1:
        return " (one qualifier at most)"
    if text[:1] in _QUALIFIERS or any(c in _QUALIFIERS for c in body):
        return " (a qualifier goes after the whole date, as in 2025-05~; on a part of a date it is EDTF level 2)"
    if _INSTANT.match(body):
        return " (a qualifier applies to a date, not to a date-time)"
    if text[:1] in "-Y" or re.fullmatch(r"[0-9]{5,}.*", text):
        return " (years must be 0001..9999)"
    if "x" in text:
        return " (unspecified digits are written with a capital X)"
    if "X" in text:
        return " (only the last digits of the year, the month or the day may be X, as in 20XX or 2025-XX)"
    return ""


def _date(match: re.Match[str], *, extended: bool, unspecified: bool) -> Bounds:
    y, m, d, q = match.group("y", "m", "d", "q")
    fuzzy = "X" in match.group(0)
    if not extended and (fuzzy or q):
        raise ValueError("is a fuzzy date (EDTF); give a plain date or date-time here")
    if fuzzy:
        if not unspecified:
            raise ValueError("unspecified digits (X) in an interval are EDTF level 2; write the period, "
                             "e.g. 2025-05 for 2025-05-XX")
        if q:
            raise ValueError("a qualifier together with unspecified digits (X) is EDTF level 2")
        if "X" in y and m is not None:
            raise ValueError("a year with unspecified digits (20XX) cannot have a month or day")
        if m == "XX" and d is not None and d != "XX":
            raise ValueError("a day cannot be given when the month is unspecified (XX)")
    first_year, last_year = int(y.replace("X", "0")), int(y.replace("X", "9"))
    if first_year < 1:
        raise ValueError("year must be between 0001 and 9999")
    first_month, last_month = (1, 12) if m in (None, "XX") else (_month(m), _month(m))
    last_day = calendar.monthrange(last_year, last_month)[1]
    if d in (None, "XX"):
        first_day = 1
    else:
        first_day = last_day = int(d)
        if not 1 <= first_day <= calendar.monthrange(first_year, first_month)[1]:
            raise ValueError(f"day {d} does not exist in {y}-{m}")
    start = datetime(first_year, first_month, first_day, tzinfo=_UTC)
    end = datetime(last_year, last_month, last_day, tzinfo=_UTC, **_END_OF_DAY)
    return Bounds(start, end, approximate=q in ("~", "%"), uncertain=q in ("?", "%"))


def _month(text: str) -> int:
    month = int(text)
    if 21 <= month <= 24:
        raise ValueError(f"seasons ({text}) are not accepted: which months they cover depends on the hemisphere; "
                         "give the months as an interval, e.g. 2025-03/2025-05")
    if not 1 <= month <= 12:
        raise ValueError(f"month {text} is out of range 01..12")
    return month


def _instant(match: re.Match[str]) -> Bounds:
    g = match.groupdict()
    year, month, day = int(g["y"]), int(g["m"]), int(g["d"])
    if year < 1:
        raise ValueError("year must be between 0001 and 9999")
    month = _month(g["m"])
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"day {g['d']} does not exist in {year:04d}-{month:02d}")
    hour, minute, second = int(g["H"]), int(g["M"]), int(g["S"] or 0)
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
        point = datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone(offset)).astimezone(_UTC)
    except OverflowError:
        raise ValueError("falls outside years 0001..9999 once converted to UTC") from None
    return Bounds(point, point)
