"""Tampering behind the service's back (docs/api.md §6): `verify` recomputes every leaf from the
stored values and salts and every tree node from the leaves, so each kind of edit shows at
the position it touched; a log rewritten consistently, or cut back, shows against a checkpoint
signed before. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest
from domain.log_audit import SignedSize, verify_log
from tests.conftest import OPENING
from tests.raw_db import RawDB

ROUNDS = [{"type": "round.scheduled", "occurred_at": f"2025-02-{10 + i}", "round_id": f"r{i}",
           "venue": {"city": "Istanbul"}, "sources": [{"title": f"TASS {i}"}, {"title": f"AP {i}"}]}
          for i in range(9)]


@pytest.fixture
def stored(services: Services, settings: Settings) -> Iterator[tuple[Services, RawDB]]:
    """Ten events at positions 1 to 10 (log_index 0 to 9)."""
    nid = services.log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    services.log.append(AppendRequest(principal="alice", negotiation_id=nid, events=ROUNDS, batch=True))
    with RawDB(settings.db) as raw:
        yield services, raw


def bad_position(services: Services, signed: SignedSize | None = None) -> int | None:
    result = verify_log(services.log.event_log, signed=signed, chunk=4, page=3)
    return result["first_bad_position"]


def edit_record(raw: RawDB, position: int, edit: Callable[[dict[str, Any]], None]) -> None:
    state = json.loads(raw.state(position))
    edit(state["record"])
    raw.set_state(position, json.dumps(state).encode())


def test_an_intact_log_verifies_with_its_size_and_root(stored: tuple[Services, RawDB]) -> None:
    services, _ = stored
    result = verify_log(services.log.event_log, chunk=4, page=3)
    assert result["ok"] and result["checked"] == result["tree_size"] == 10 and result["first_bad_position"] is None
    assert result["head"] == services.log.event_log.head()
    assert result["root"] == services.signer.latest().note.splitlines()[2]


TAMPERING: dict[str, tuple[Callable[[RawDB], None], int]] = {
    "an edited value": (lambda raw: edit_record(raw, 4, lambda r: r.update(round_id="r-edited")), 4),
    "an edited source": (lambda raw: edit_record(raw, 5, lambda r: r["sources"][1].update(title="Reuters")), 5),
    "an edited envelope value": (lambda raw: edit_record(raw, 3, lambda r: r.update(recorded_by="mallory")), 3),
    "an edited recorded time": (lambda raw: raw.execute("UPDATE nl_leaves SET recorded_at = '2024-01-01T00:00:00Z' "
                                                        "WHERE position = 6"), 6),
    "an edited salt": (lambda raw: raw.execute("UPDATE nl_leaves SET salts = replace(salts, substr(salts, 9, 4), "
                                               "'AAAA') WHERE position = 7"), 7),
    "an edited leaf hash": (lambda raw: raw.execute("UPDATE nl_leaves SET leaf_hash = ? WHERE position = 8",
                                                    [b"\x00" * 32]), 8),
    "an edited tree node": (lambda raw: raw.execute("UPDATE nl_tree SET hash = ? WHERE level = 1 AND idx = 2",
                                                    [b"\x01" * 32]), 6),
    "a deleted tree node": (lambda raw: raw.execute("DELETE FROM nl_tree WHERE level = 2 AND idx = 0"), 4),
    "an inserted tree node": (lambda raw: raw.execute("INSERT INTO nl_tree (level, idx, hash) VALUES (3, 1, ?)",
                                                      [b"\x02" * 32]), 10),
    "a deleted event": (lambda raw: raw.execute("DELETE FROM stored_events WHERE rowid = 5"), 5),
    "a deleted event and its leaf": (lambda raw: (raw.execute("DELETE FROM stored_events WHERE rowid = 5"),
                                                  raw.execute("DELETE FROM nl_leaves WHERE position = 5")), 6),
    "swapped events": (lambda raw: _swap_states(raw, 3, 9), 3),
    "a moved event": (lambda raw: raw.execute("UPDATE stored_events SET rowid = 40 WHERE rowid = 3"), 3),
    "an inserted event": (lambda raw: raw.execute(
        "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) SELECT 30, "
        "originator_id, 99, topic, state FROM stored_events WHERE rowid = 4"), 30),
}


def _swap_states(raw: RawDB, a: int, b: int) -> None:
    first, second = raw.state(a), raw.state(b)
    raw.set_state(a, second)
    raw.set_state(b, first)


@pytest.mark.parametrize("kind", TAMPERING)
def test_each_kind_of_edit_is_found_at_its_position(stored: tuple[Services, RawDB], kind: str) -> None:
    services, raw = stored
    tamper, position = TAMPERING[kind]
    tamper(raw)
    result = verify_log(services.log.event_log, chunk=4, page=3)
    assert not result["ok"] and result["first_bad_position"] == position, result
    assert result["problems"]


def rewrite_consistently(raw: RawDB) -> None:
    """Edit a value, then recompute its leaf and every tree node: only a checkpoint signed
    before can tell."""
    edit_record(raw, 4, lambda r: r.update(round_id="r-edited"))
    raw.recompute_leaves_and_tree()


def truncate(raw: RawDB) -> None:
    for table, column in (("stored_events", "rowid"), ("nl_leaves", "position")):
        raw.execute(f"DELETE FROM {table} WHERE {column} > 6")
    raw.execute("DELETE FROM nl_tree WHERE (level = 1 AND idx >= 3) OR (level = 2 AND idx >= 1) OR level >= 3")


@pytest.mark.parametrize("tamper, problem", [(rewrite_consistently, "rewritten"), (truncate, "cut back")])
def test_a_consistent_rewrite_or_a_cut_shows_only_against_a_checkpoint_signed_before(
        stored: tuple[Services, RawDB], tamper: Callable[[RawDB], None], problem: str) -> None:
    services, raw = stored
    signed = services.signer.latest()
    tamper(raw)
    assert verify_log(services.log.event_log)["ok"]  # the log alone cannot tell
    result = verify_log(services.log.event_log, signed=SignedSize(signed.size, signed.root))
    assert not result["ok"] and not result["checkpoint"]["extends"]
    assert problem in result["problems"][0]


@pytest.mark.parametrize("kind", ["an edited value", "an edited tree node", "a deleted event and its leaf"])
def test_worker_processes_find_what_one_process_finds(stored: tuple[Services, RawDB], settings: Settings,
                                                      kind: str) -> None:
    services, raw = stored
    assert verify_log(services.log.event_log, url=settings.db, chunk=2, workers=2)["ok"]
    tamper, position = TAMPERING[kind]
    tamper(raw)
    alone = verify_log(services.log.event_log, chunk=2)
    shared = verify_log(services.log.event_log, url=settings.db, chunk=2, workers=2)
    assert shared == alone and shared["first_bad_position"] == position
