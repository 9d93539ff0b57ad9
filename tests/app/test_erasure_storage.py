"""An erased value and its salt are gone from storage itself (docs/api.md §10): on SQLite from the
bytes of the database file, its WAL and its shm once the service stopped; on PostgreSQL from a
`pg_dump` of the database. A value of the same event that was not erased is still found, so
the scan is real."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest
from domain.storage.backend import is_postgres
from projections.store.rebuild import rebuild
from projections.target_index import TargetIndex
from projections.timeline_index import TimelineIndex
from tests.conftest import OPENING

NAME = "Ivan Petrovich Sidorov"
SOURCE = "A source named Nadezhda Kuznetsova"
KEPT = "Public briefing at the consulate"


def stored_bytes(settings: Settings) -> bytes:
    if is_postgres(settings.db):
        dump = subprocess.run(["pg_dump", "--no-owner", settings.db], capture_output=True, check=True).stdout
        # bytea columns (the events' state, the leaves' hashes) are dumped as hex: decode them.
        return dump + b"".join(bytes.fromhex(h.decode()) for h in re.findall(rb"\\x((?:[0-9a-f]{2})+)", dump))
    files = [Path(settings.db), Path(settings.db + "-wal"), Path(settings.db + "-shm")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_erased_values_and_salts_are_gone_from_the_stored_bytes(settings: Settings) -> None:
    services = Services.open(settings)
    nid = services.log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    statement = {"type": "statement.issued", "occurred_at": "2025-04-10",
                 "speaker": {"name": NAME, "title": "Deputy head of delegation"}, "text": "Constructive.",
                 "sources": [{"title": KEPT}, {"title": SOURCE, "quote": "Sidorov said it twice"}]}
    [event] = services.log.append(AppendRequest(principal="alice", negotiation_id=nid, events=[statement])).events
    # Views and indexes hold the values too, refreshed many times over: appends to the same
    # negotiation after the statement, and a rebuild-style refresh of its read models.
    for i in range(30):
        services.log.append(AppendRequest(principal="alice", negotiation_id=nid, events=[
            {"type": "round.proposed", "occurred_at": "2025-04-11", "round_id": f"r{i}"}]))
    salts = {name: salt for salt, name, _ in services.proofs.committed(event["event_id"]).disclosures()}
    services.log.append(AppendRequest(principal="admin", negotiation_id=nid, erasure=True, events=[
        {"type": "record.erased", "occurred_at": "2025-06-01T00:00:00Z", "target_event_id": event["event_id"],
         "fields": ["speaker", "sources[1]"], "reason": "asked to be erased"}]))
    services.close()
    stored = stored_bytes(settings)
    assert KEPT.encode() in stored
    for secret in (NAME, "Kuznetsova", "Sidorov", salts["speaker"], salts["sources[1]"]):
        assert secret.encode() not in stored, secret


def test_a_value_in_views_a_rebuild_replaced_is_gone_once_erased(settings: Settings) -> None:
    """The rebuild drops the old views without zeroing only the tables that hold no values: the
    old bodies' pages, left free in the file, are zeroed."""
    services = Services.open(settings)
    nid = services.log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    position = {"type": "position.stated", "occurred_at": "2025-04-10", "dispute_id": "d1", "participant_id": "ru",
                "stance": "demand", "text": f"As {NAME} put it"}
    kept = {**position, "participant_id": "us", "text": KEPT}
    events = services.log.append(AppendRequest(principal="alice", negotiation_id=nid, events=[
        {"type": "dispute.raised", "occurred_at": "2025-04-10", "dispute_id": "d1", "title": "Prisoners"},
        position, kept])).events
    [view] = services.log.database.query("SELECT body FROM nl_read_models WHERE kind = 'dispute'")
    assert NAME in view["body"]
    rebuild(services.log.database, also=[TargetIndex(), TimelineIndex()])
    services.log.append(AppendRequest(principal="admin", negotiation_id=nid, erasure=True, events=[
        {"type": "record.erased", "occurred_at": "2025-06-01T00:00:00Z", "target_event_id": events[1]["event_id"],
         "fields": ["text"], "reason": "asked to be erased"}]))
    services.close()
    stored = stored_bytes(settings)
    assert KEPT.encode() in stored
    assert NAME.encode() not in stored
