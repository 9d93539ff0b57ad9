"""docs/api.md §2 valid time: the accepted `occurred_at` forms and the UTC bounds they cover."""

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.valid_time import ValidTime, format_utc, parse_instant, parse_valid_time

UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def end_of(d: date) -> datetime:
    return datetime.combine(d, time(23, 59, 59, 999999), UTC)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025", utc(2025, 1, 1), utc(2025, 12, 31, 23, 59, 59, 999999)),
        ("2025-02", utc(2025, 2, 1), utc(2025, 2, 28, 23, 59, 59, 999999)),
        ("2024-02", utc(2024, 2, 1), utc(2024, 2, 29, 23, 59, 59, 999999)),
        ("2025-04", utc(2025, 4, 1), utc(2025, 4, 30, 23, 59, 59, 999999)),
        ("2025-12", utc(2025, 12, 1), utc(2025, 12, 31, 23, 59, 59, 999999)),
        ("2025-02-27", utc(2025, 2, 27), utc(2025, 2, 27, 23, 59, 59, 999999)),
        ("2024-02-29", utc(2024, 2, 29), utc(2024, 2, 29, 23, 59, 59, 999999)),
        ("2025-04-10T10:00:00+03:00", utc(2025, 4, 10, 7), utc(2025, 4, 10, 7)),
        ("2025-04-10T10:00+03:00", utc(2025, 4, 10, 7), utc(2025, 4, 10, 7)),
        ("2025-04-10T10:00:00Z", utc(2025, 4, 10, 10), utc(2025, 4, 10, 10)),
        ("2025-04-10T10:00Z", utc(2025, 4, 10, 10), utc(2025, 4, 10, 10)),
        ("2025-04-10T10:00:00", utc(2025, 4, 10, 10), utc(2025, 4, 10, 10)),
        ("2025-04-10T10:00", utc(2025, 4, 10, 10), utc(2025, 4, 10, 10)),
        ("2025-04-10T10:00:00-05:30", utc(2025, 4, 10, 15, 30), utc(2025, 4, 10, 15, 30)),
        ("2025-04-10T10:00:00-00:00", utc(2025, 4, 10, 10), utc(2025, 4, 10, 10)),
        ("2025-04-10T10:00:00.5Z", utc(2025, 4, 10, 10, 0, 0, 500000), utc(2025, 4, 10, 10, 0, 0, 500000)),
        ("2025-04-10T10:00:00.123456+01:00", utc(2025, 4, 10, 9, 0, 0, 123456), utc(2025, 4, 10, 9, 0, 0, 123456)),
        ("2025-04-10T10:00:00.123456789Z", utc(2025, 4, 10, 10, 0, 0, 123456), utc(2025, 4, 10, 10, 0, 0, 123456)),
        ("2025-01-01T01:00:00+03:00", utc(2024, 12, 31, 22), utc(2024, 12, 31, 22)),
        ("2025-05-23/2025-05-25", utc(2025, 5, 23), utc(2025, 5, 25, 23, 59, 59, 999999)),
        ("2025-02/2025-04-10T12:00Z", utc(2025, 2, 1), utc(2025, 4, 10, 12)),
        ("2025/2026", utc(2025, 1, 1), utc(2026, 12, 31, 23, 59, 59, 999999)),
        ("2025-04-10T10:00+03:00/2025-04-10T16:30+03:00", utc(2025, 4, 10, 7), utc(2025, 4, 10, 13, 30)),
        ("2025-04-10T10:00Z/2025-04-10T10:00Z", utc(2025, 4, 10, 10), utc(2025, 4, 10, 10)),
        ("2025-05-23T12:00Z/2025-05-23", utc(2025, 5, 23, 12), utc(2025, 5, 23, 23, 59, 59, 999999)),
        ("0001", utc(1, 1, 1), utc(1, 12, 31, 23, 59, 59, 999999)),
        ("9999", utc(9999, 1, 1), utc(9999, 12, 31, 23, 59, 59, 999999)),
        ("9999-12", utc(9999, 12, 1), utc(9999, 12, 31, 23, 59, 59, 999999)),
        ("9999-12-31", utc(9999, 12, 31), utc(9999, 12, 31, 23, 59, 59, 999999)),
        ("9999-12-31T23:59:59.999999Z", utc(9999, 12, 31, 23, 59, 59, 999999), utc(9999, 12, 31, 23, 59, 59, 999999)),
        ("0001-01-01T00:00Z", utc(1, 1, 1), utc(1, 1, 1)),
    ],
)
def test_each_accepted_form_covers_the_expected_utc_range(text: str, start: datetime, end: datetime) -> None:
    vt = parse_valid_time(text)
    assert (vt.start, vt.end) == (start, end)
    assert vt.start.tzinfo is not None and vt.start.utcoffset() == timedelta(0)
    assert vt.end.utcoffset() == timedelta(0)


def test_a_bare_year_covers_the_whole_year() -> None:
    assert parse_valid_time("2025").as_fields() == {
        "occurred_from": "2025-01-01T00:00:00Z",
        "occurred_until": "2025-12-31T23:59:59.999999Z",
    }


def test_the_text_is_kept_exactly_as_given() -> None:
    assert parse_valid_time("2025-04-10T10:00+03:00").text == "2025-04-10T10:00+03:00"


def test_valid_time_is_immutable() -> None:
    vt = parse_valid_time("2025")
    with pytest.raises(AttributeError):
        vt.text = "2026"  # type: ignore[misc]
    assert isinstance(vt, ValidTime)


def test_a_date_time_is_a_point() -> None:
    vt = parse_valid_time("2025-04-10T10:00:00+03:00")
    assert vt.start == vt.end
    assert vt.as_fields() == {"occurred_from": "2025-04-10T07:00:00Z", "occurred_until": "2025-04-10T07:00:00Z"}


@pytest.mark.parametrize(
    "text",
    [
        "", " ", " 2025", "2025 ", "2025\n", "\t2025-02-27",
        "2025-13", "2025-00", "2025-02-30", "2025-02-29", "2025-04-31", "2025-01-00", "0000", "0000-01-01",
        "25-01-01", "25", "20250", "2025-1", "2025-01-1", "+2025", "-2025", "12025",
        "20250227", "2025-02-27 10:00", "2025-02-27 10:00:00Z", "2025-02-27t10:00Z", "2025-02-27T10:00z",
        "2025-W09", "2025-W09-4", "2025-058", "10:00", "T10:00", "10:00:00Z",
        "2025-02-27T10", "2025-02-27T1000", "2025-02-27T10:00:60", "2025-02-27T24:00", "2025-02-27T10:60",
        "2025-02-27T10:00.5", "2025-02-27T10:00:00.", "2025-02-27T10:00:00.1234567890Z",
        "2025-02-27T10:00+24:00", "2025-02-27T10:00-24:00", "2025-02-27T10:00+03:60", "2025-02-27T10:00+0300",
        "2025-02-27T10:00+03", "2025-02-27T10:00:00+03:00:00", "2025-02-27T10:00:00Z+03:00",
        "２０２５", "2025-02-27T10:00:00+03:00[Europe/Istanbul]", "2025-02-27T",
        "0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00",
        "/", "2025/", "/2025", "2025//2026", "2025/2026/2027", "2025-05-25/2025-05-23",
        "2025-04-10T10:00Z/2025-04-10T09:59Z", "2026/2025", "2025-05-23/25",
    ],
)
def test_forms_the_contract_does_not_list_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_valid_time(text)


@pytest.mark.parametrize("text", ["", "2025-13", "20250227", "2025-02-27 10:00", "2025-02-27T10:00+25:00", "a/b/c"])
def test_refusals_say_which_forms_are_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="accepted forms: YYYY, YYYY-MM, YYYY-MM-DD"):
        parse_valid_time(text)


def test_refusals_name_the_broken_rule() -> None:
    with pytest.raises(ValueError, match="month 13"):
        parse_valid_time("2025-13")
    with pytest.raises(ValueError, match="day 30 does not exist in 2025-02"):
        parse_valid_time("2025-02-30")
    with pytest.raises(ValueError, match=r"offset \+24:00 is out of range"):
        parse_valid_time("2025-02-27T10:00+24:00")
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_valid_time("2025-05-25/2025-05-23")
    with pytest.raises(ValueError, match="interval end"):
        parse_valid_time("2025-05-25/x")


def test_a_non_string_is_refused_with_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_valid_time(2025)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        parse_instant(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025", utc(2025, 12, 31, 23, 59, 59, 999999)),
        ("2025-02", utc(2025, 2, 28, 23, 59, 59, 999999)),
        ("2025-02-27", utc(2025, 2, 27, 23, 59, 59, 999999)),
        ("2025-04-11T12:00:00+03:00", utc(2025, 4, 11, 9)),
        ("2025-04-11T12:00", utc(2025, 4, 11, 12)),
        ("9999-12-31", utc(9999, 12, 31, 23, 59, 59, 999999)),
    ],
)
def test_an_instant_of_a_period_is_the_last_microsecond_of_it(text: str, expected: datetime) -> None:
    assert parse_instant(text) == expected


@pytest.mark.parametrize("text", ["2025-02/2025-03", "", "2025-13", "yesterday", "2025-02-27 10:00"])
def test_an_instant_refuses_intervals_and_malformed_text(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text)


@pytest.mark.parametrize(
    ("dt", "text"),
    [
        (utc(2025, 2, 27), "2025-02-27T00:00:00Z"),
        (utc(2025, 2, 27, 10, 5, 7, 120), "2025-02-27T10:05:07.000120Z"),
        (datetime(2025, 2, 27, 10, tzinfo=timezone(timedelta(hours=3))), "2025-02-27T07:00:00Z"),
        (datetime(2025, 2, 27, 10), "2025-02-27T10:00:00Z"),
        (utc(1, 1, 1), "0001-01-01T00:00:00Z"),
        (utc(999, 3, 4), "0999-03-04T00:00:00Z"),
    ],
)
def test_format_utc_always_writes_z_and_microseconds_only_when_present(dt: datetime, text: str) -> None:
    assert format_utc(dt) == text


# -- properties -------------------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC))
offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


@given(instants)
def test_a_formatted_instant_parses_back_to_itself(dt: datetime) -> None:
    vt = parse_valid_time(format_utc(dt))
    assert vt.start == vt.end == dt
    assert parse_instant(format_utc(dt)) == dt


@given(instants, offsets)
def test_a_local_time_with_an_offset_parses_to_the_same_instant(dt: datetime, offset: timezone) -> None:
    local = dt.astimezone(offset)
    assert parse_valid_time(local.isoformat()).start == dt


@given(st.dates())
def test_a_date_covers_exactly_its_own_day(d: date) -> None:
    vt = parse_valid_time(d.isoformat())
    assert vt.start == datetime.combine(d, time(), UTC)
    assert vt.end == end_of(d)
    assert parse_instant(d.isoformat()) == end_of(d)


@given(st.dates())
def test_a_month_and_a_year_contain_each_of_their_days(d: date) -> None:
    for text in (f"{d.year:04d}-{d.month:02d}", f"{d.year:04d}"):
        vt = parse_valid_time(text)
        assert vt.start <= datetime.combine(d, time(), UTC) <= end_of(d) <= vt.end


@given(st.dates(), st.dates())
def test_an_interval_starts_at_its_start_and_ends_at_its_end(a: date, b: date) -> None:
    first, last = sorted((a, b))
    vt = parse_valid_time(f"{first.isoformat()}/{last.isoformat()}")
    assert vt.start == datetime.combine(first, time(), UTC)
    assert vt.end == end_of(last)


@given(st.one_of(
    st.dates().map(date.isoformat),
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}"),
    instants.map(format_utc),
    st.tuples(instants, instants).map(lambda p: "/".join(format_utc(x) for x in sorted(p))),
))
def test_start_is_never_after_end(text: str) -> None:
    vt = parse_valid_time(text)
    assert vt.start <= vt.end
    assert vt.start.utcoffset() == vt.end.utcoffset() == timedelta(0)


@given(st.text(max_size=40))
def test_arbitrary_text_either_parses_or_raises_value_error(text: str) -> None:
    try:
        vt = parse_valid_time(text)
    except ValueError:
        return
    assert vt.start <= vt.end
