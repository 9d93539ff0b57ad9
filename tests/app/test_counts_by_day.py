"""The counts of plain facts by day of valid time (projections.store.counts): kept in step by
every append, correction and retraction, equal to counting the facts again; a negotiation's
counts at any point read from them equal a replay of its whole stream; and counts that are
missing or of another shape are counted again at start, never trusted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest
from domain.valid_time import parse_instant
from projections.negotiation import summarize
from projections.store import counts
from projections.store.loading import rows
from projections.store.queries import ReadModels
from tests.conftest import OPENING


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    services = Services.open(settings)
    yield services
    services.close()


def statement(at: str, n: int = 0) -> dict[str, Any]:
    return {"type": "statement.issued", "occurred_at": at, "text": f"Statement {n}",
            "speaker": {"name": "Spokesperson"}}


def append(svc: Services, nid: str | None, *events: dict[str, Any]) -> list[dict[str, Any]]:
    return svc.log.append(AppendRequest(principal="t", negotiation_id=nid, events=list(events), batch=True)).events


def history(svc: Services) -> str:
    """A negotiation with facts on several days (one before 1970, several at moments within
    one day), a round, a fact corrected to another day and one retracted."""
    nid = append(svc, None, {**OPENING, "occurred_at": "1965-03"})[0]["negotiation_id"]
    facts = append(svc, nid, statement("1969-12-31T23:00:00Z", 1), statement("2025-03-04T10:00:00Z", 2),
                   statement("2025-03-04T14:00:00Z", 3), statement("2025-03-05", 4), statement("2025-04", 5),
                   {"type": "round.scheduled", "round_id": "r1", "occurred_at": "2025-03-04T12:00:00Z",
                    "scheduled_for": "2025-03-10"})
    append(svc, nid, {"type": "record.corrected", "occurred_at": "2025-05", "target_event_id": facts[1]["event_id"],
                      "changes": {"occurred_at": "2025-03-20"}, "reason": "wrong day"},
           {"type": "record.retracted", "occurred_at": "2025-05", "target_event_id": facts[3]["event_id"],
            "reason": "never said"})
    return nid


def stored_counts(svc: Services) -> list[tuple[str, int, int, int]]:
    with svc.log.database.transaction(commit=False) as cursor:
        found = rows(cursor, svc.log.database.dialect,
                     "SELECT negotiation_id, day_us, events, statements FROM nl_read_counts WHERE events <> 0 "
                     "OR statements <> 0 ORDER BY negotiation_id, day_us")
    return [(r["negotiation_id"], int(r["day_us"]), int(r["events"]), int(r["statements"])) for r in found]


def recounted(svc: Services) -> list[tuple[str, int, int, int]]:
    with svc.log.database.write_transaction() as cursor:
        counts.recount(cursor, svc.log.database.dialect)
    return stored_counts(svc)


POINTS = ["1969-12-31", "1969-12-31T22:59:59Z", "1970-01-01", "2025-03-03", "2025-03-04T09:59:59Z",
          "2025-03-04T10:00:00Z", "2025-03-04T13:00:00Z", "2025-03-04", "2025-03-05T00:00:00Z", "2025-03-31",
          "2025-04-30", None]


def counts_at(svc: Services, nid: str, as_of: str | None, known_at: datetime | None = None) -> dict[str, int]:
    at = parse_instant(as_of) if as_of else None
    return ReadModels(svc.log).negotiation(nid, as_of=at, known_at=known_at)["counts"]  # type: ignore[no-any-return]


def replayed_counts(svc: Services, nid: str, as_of: str | None, known_at: datetime | None = None) -> dict[str, int]:
    at = parse_instant(as_of) if as_of else None
    return summarize(nid, svc.log.stream(nid), as_of=at, known_at=known_at)["counts"]  # type: ignore[index]


def test_a_day_begins_at_midnight_utc_before_1970_too() -> None:
    day = 86_400_000_000
    assert counts.day_of(0) == 0 and counts.day_of(day - 1) == 0 and counts.day_of(day) == day
    assert counts.day_of(-1) == -day and counts.day_of(-day) == -day and counts.day_of(-day - 1) == -2 * day


def test_appends_corrections_and_retractions_keep_the_counts_equal_to_counting_again(svc: Services) -> None:
    history(svc)
    kept = stored_counts(svc)
    assert kept == recounted(svc)
    # The statement moved away from 4 March and the retracted one are not plain: replayed instead.
    assert sum(events for _, _, events, _ in kept) == 5 and sum(s for *_, s in kept) == 3


def test_counts_at_any_point_equal_a_replay_of_the_stream(svc: Services) -> None:
    nid = history(svc)
    for as_of in POINTS:
        assert counts_at(svc, nid, as_of) == replayed_counts(svc, nid, as_of), as_of


def test_counts_known_at_a_moment_equal_a_replay(svc: Services) -> None:
    nid = history(svc)
    for event in svc.log.stream(nid):
        for nudge in (-1, 0):
            known_at = parse_instant(event["recorded_at"]) + timedelta(microseconds=nudge)
            if known_at < parse_instant(svc.log.stream(nid)[0]["recorded_at"]):
                continue  # the log did not hold the negotiation yet: a 404, not counts
            for as_of in ("2025-03-04T13:00:00Z", None):
                assert counts_at(svc, nid, as_of, known_at) == replayed_counts(svc, nid, as_of, known_at)


def test_a_day_cut_through_is_counted_right_without_the_timeline_index(svc: Services) -> None:
    nid = history(svc)
    with svc.log.database.write_transaction() as cursor:
        cursor.execute("DELETE FROM nl_timeline")  # its mark goes too: the index is not whole
    for as_of in POINTS:
        assert counts_at(svc, nid, as_of) == replayed_counts(svc, nid, as_of), as_of


@pytest.mark.parametrize("damage", ["missing", "of another shape"])
def test_counts_missing_or_of_another_shape_are_counted_again_at_start(settings: Settings, damage: str) -> None:
    with closing(Services.open(settings)) as services:
        nid = history(services)
        expected = stored_counts(services)
        with services.log.database.write_transaction() as cursor:
            dialect = services.log.database.dialect
            # Wrong rows that a start trusting them would serve.
            cursor.execute("UPDATE nl_read_counts SET events = events + 100, statements = statements + 7")
            if damage == "missing":
                cursor.execute(dialect.sql("DELETE FROM nl_read_meta WHERE name = ?"), (counts.COUNTED,))
            else:
                cursor.execute(dialect.sql("UPDATE nl_read_meta SET value = ? WHERE name = ?"), ("0", counts.COUNTED))
        # Until then, readers do not trust them either: they count the facts.
        assert counts_at(services, nid, "2025-03-31") == replayed_counts(services, nid, "2025-03-31")
    with closing(Services.open(settings)) as services:
        assert stored_counts(services) == expected
        for as_of in POINTS:
            assert counts_at(services, nid, as_of) == replayed_counts(services, nid, as_of), as_of


def test_a_database_from_before_the_counts_gets_them_at_start(settings: Settings) -> None:
    with closing(Services.open(settings)) as services:
        nid = history(services)
        expected = stored_counts(services)
        with services.log.database.write_transaction() as cursor:
            cursor.execute("DROP TABLE nl_read_counts")
            cursor.execute(services.log.database.dialect.sql("DELETE FROM nl_read_meta WHERE name = ?"),
                           (counts.COUNTED,))
    with closing(Services.open(settings)) as services:
        assert stored_counts(services) == expected
        assert counts_at(services, nid, "2025-03-04T13:00:00Z") == \
            replayed_counts(services, nid, "2025-03-04T13:00:00Z")
        now = datetime.now(timezone.utc)
        assert counts_at(services, nid, None, now) == replayed_counts(services, nid, None, now)
