"""docs/api.md §11: EDTF level 1 dates in occurred_at (qualifiers, unspecified digits, open
interval ends), their strict bounds and the approximate / uncertain flags."""

from __future__ import annotations

import calendar
import time
from datetime import date, datetime, timezone

import pytest
from edtf import parse_edtf
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.valid_time import parse_instant, parse_valid_time

UTC = timezone.utc
END = {"hour": 23, "minute": 59, "second": 59, "microsecond": 999999}


def utc(*args: int, **kw: int) -> datetime:
    return datetime(*args, tzinfo=UTC, **kw)


@pytest.mark.parametrize(("text", "start", "end", "approximate", "uncertain"), [
    ("2025-05~", utc(2025, 5, 1), utc(2025, 5, 31, **END), True, False),
    ("2025-05?", utc(2025, 5, 1), utc(2025, 5, 31, **END), False, True),
    ("2025-05-11%", utc(2025, 5, 11), utc(2025, 5, 11, **END), True, True),
    ("2025~", utc(2025, 1, 1), utc(2025, 12, 31, **END), True, False),
    ("2025-05-XX", utc(2025, 5, 1), utc(2025, 5, 31, **END), False, False),
    ("2024-02-XX", utc(2024, 2, 1), utc(2024, 2, 29, **END), False, False),
    ("2025-XX", utc(2025, 1, 1), utc(2025, 12, 31, **END), False, False),
    ("2025-XX-XX", utc(2025, 1, 1), utc(2025, 12, 31, **END), False, False),
    ("202X", utc(2020, 1, 1), utc(2029, 12, 31, **END), False, False),
    ("20XX", utc(2000, 1, 1), utc(2099, 12, 31, **END), False, False),
    ("2025-05-23/..", utc(2025, 5, 23), utc(9999, 12, 31, **END), False, False),
    ("../2025-05", utc(1, 1, 1), utc(2025, 5, 31, **END), False, False),
    ("2025-05~/2025-06?", utc(2025, 5, 1), utc(2025, 6, 30, **END), True, True),
    ("2025-05-23~/..", utc(2025, 5, 23), utc(9999, 12, 31, **END), True, False),
    ("2025-04-10T10:00+03:00/..", utc(2025, 4, 10, 7), utc(9999, 12, 31, **END), False, False),
])
def test_each_edtf_form_has_strict_bounds_and_its_flags(text: str, start: datetime, end: datetime,
                                                        approximate: bool, uncertain: bool) -> None:
    vt = parse_valid_time(text)
    assert (vt.start, vt.end, vt.approximate, vt.uncertain) == (start, end, approximate, uncertain)


def test_flags_are_stored_only_when_true() -> None:
    assert parse_valid_time("2025-05").as_fields() == {"occurred_from": "2025-05-01T00:00:00Z",
                                                       "occurred_until": "2025-05-31T23:59:59.999999Z"}
    assert parse_valid_time("2025-05%").as_fields() == {"occurred_from": "2025-05-01T00:00:00Z",
                                                        "occurred_until": "2025-05-31T23:59:59.999999Z",
                                                        "approximate": True, "uncertain": True}


@pytest.mark.parametrize(("text", "why"), [
    ("2025-13~", "month 13 is out of range"),
    ("~2025", "a qualifier goes after the whole date"),
    ("2025-05~~", "one qualifier at most"),
    ("2025~-05", "a qualifier goes after the whole date"),
    ("2025-XX~", "EDTF level 2"),
    ("2025-05-XX/2025-06", "EDTF level 2"),
    ("2X25", "only the last digits"),
    ("20XX-05", "cannot have a month or day"),
    ("2025-XX-05", "month is unspecified"),
    ("2025-xx", "capital X"),
    ("2025-21", "seasons"),
    ("2025-04-10T10:00~", "not to a date-time"),
    ("Y170000002", "0001..9999"),
    ("-0100", "0001..9999"),
    ("000X", "between 0001 and 9999"),
    ("../..", "open at both ends"),
    ("2025/", "write '..' for an open end"),
    ("/2025", "write '..' for an open end"),
    ("2025-06-01/2025-05~", "ends before it starts"),
])
def test_forms_outside_level_1_or_malformed_are_refused_saying_why(text: str, why: str) -> None:
    with pytest.raises(ValueError, match="accepted forms|open at both|ends before") as refused:
        parse_valid_time(text)
    assert why in str(refused.value)


def test_a_refusal_lists_the_edtf_forms_too() -> None:
    with pytest.raises(ValueError, match=r"2025-05~.*202X, 20XX, 2025-XX, 2025-05-XX"):
        parse_valid_time("2025-05~~")


@pytest.mark.parametrize("text", ["2025-05~", "2025-XX", "2025?", "2025-05-23/.."])
def test_query_instants_take_only_the_plain_forms(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text)


# -- properties: the bounds hold every instant the form allows, and nothing else -------------

years = st.integers(min_value=1, max_value=9999)
qualifiers = st.sampled_from(["", "?", "~", "%"])


@st.composite
def forms_with_a_day_they_allow(draw: st.DrawFn) -> tuple[str, date]:
    """A level 1 date form, and one day (drawn from all it allows) that it allows."""
    day = draw(st.dates(min_value=date(100, 1, 1)))  # 00XX would include year 0
    kind = draw(st.sampled_from(["year", "month", "day", "X1", "XX", "month-XX", "day-XX", "day-month-XX"]))
    y, m, d = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    text = {"year": y, "month": f"{y}-{m}", "day": f"{y}-{m}-{d}", "X1": y[:3] + "X", "XX": y[:2] + "XX",
            "month-XX": f"{y}-XX", "day-XX": f"{y}-{m}-XX", "day-month-XX": f"{y}-XX-XX"}[kind]
    if kind in ("year", "month", "day"):
        text += draw(qualifiers)
    return text, day


def allowed_days(text: str) -> tuple[date, date]:
    """The first and last day a date form allows, worked out by filling its digits in every
    way there is (the definition of the bounds, independent of the parser)."""
    body = text.rstrip("?~%")
    y, *rest = body.split("-")
    fills = [int(y.replace("X", str(k))) for k in range(10)] if "X" in y else [int(y)]
    years_ = sorted({f for f in fills if 1 <= f <= 9999}) if y.count("X") < 2 else \
        [int(y[:2] + f"{k:02d}") for k in range(100) if int(y[:2] + f"{k:02d}") >= 1]
    months = list(range(1, 13)) if not rest or rest[0] == "XX" else [int(rest[0])]
    days_of = (lambda yy, mm: range(1, calendar.monthrange(yy, mm)[1] + 1)) if len(rest) < 2 or rest[1] == "XX" \
        else (lambda yy, mm: [int(rest[1])])
    allowed = [date(yy, mm, dd) for yy in (years_[0], years_[-1]) for mm in months for dd in days_of(yy, mm)]
    return min(allowed), max(allowed)


@given(forms_with_a_day_they_allow())
def test_the_bounds_contain_every_day_a_form_allows_and_begin_and_end_on_allowed_days(case: tuple[str, date]) -> None:
    text, day = case
    vt = parse_valid_time(text)
    assert vt.start <= datetime(day.year, day.month, day.day, tzinfo=UTC) <= vt.end
    first, last = allowed_days(text)
    assert vt.start == datetime(first.year, first.month, first.day, tzinfo=UTC)
    assert vt.end == datetime(last.year, last.month, last.day, tzinfo=UTC, **END)
    assert vt.approximate == text.endswith(("~", "%")) and vt.uncertain == text.endswith(("?", "%"))


@settings(max_examples=60, deadline=None)  # edtf takes milliseconds a parse
@given(forms_with_a_day_they_allow())
def test_the_bounds_are_the_edtf_librarys_strict_bounds(case: tuple[str, date]) -> None:
    text, _ = case
    parsed = parse_edtf(text)
    vt = parse_valid_time(text)
    assert vt.start.date().isoformat() == time.strftime("%Y-%m-%d", parsed.lower_strict()).zfill(10)
    assert vt.end.date().isoformat() == time.strftime("%Y-%m-%d", parsed.upper_strict()).zfill(10)


@given(forms_with_a_day_they_allow(), st.booleans())
def test_an_open_end_keeps_the_closed_ends_bound_and_opens_the_other(case: tuple[str, date], open_end: bool) -> None:
    text, _ = case
    if "X" in text:
        return
    closed = parse_valid_time(text)
    vt = parse_valid_time(f"{text}/.." if open_end else f"../{text}")
    if open_end:
        assert (vt.start, vt.end) == (closed.start, utc(9999, 12, 31, **END))
    else:
        assert (vt.start, vt.end) == (utc(1, 1, 1), closed.end)
    assert (vt.approximate, vt.uncertain) == (closed.approximate, closed.uncertain)
