"""A database written by v1 (hash chain, no tree) opens with this version: nothing is lost,
every event gains its log_index and leaf and the tree is built, once, with a progress line;
then it verifies and signs. A v1 database whose chain is broken is refused, not vouched for.

The fixtures were written by v1 itself (commit 702be8a): the demo data set on SQLite and on
PostgreSQL (a `pg_dump --inserts`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest

from api.services import Services
from api.settings import Settings
from domain.log_audit import verify_log
from domain.storage.upgrade_v1 import UpgradeRefused
from projections.store.queries import ReadModels
from tests.raw_db import RawDB

FIXTURES = Path(__file__).parent.parent / "fixtures"
DEMO = "5d0c2a4e-7f3b-4c1e-9a59-2b8f1e6d4a10"


@pytest.fixture
def v1_db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        shutil.copy(FIXTURES / "v1-demo.sqlite3", tmp_path / "v1.db")
        return str(tmp_path / "v1.db")
    url: str = request.getfixturevalue("pg_url")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute((FIXTURES / "v1-demo.pg.sql").read_text())
    return url


def v1_rows(url: str) -> list[tuple[int, str, bytes]]:
    with RawDB(url) as raw:
        rows = raw.execute("SELECT rowid AS p, originator_version AS v, state FROM stored_events ORDER BY rowid")
        return [(r["p"], r["v"], bytes(r["state"])) for r in rows.fetchall()]


def test_a_v1_database_gains_leaves_and_a_tree_and_loses_nothing(v1_db: str, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    before = v1_rows(v1_db)
    with RawDB(v1_db) as raw:
        chain = {r["position"]: r for r in raw.execute("SELECT * FROM nl_chain").fetchall()}
    services = Services.open(Settings(db=v1_db, signing_key=tmp_path / "key.ed25519"))
    try:
        assert "upgrading the log to the Merkle tree: 31/31 events" in capsys.readouterr().err
        assert v1_rows(v1_db) == before  # the stored events themselves are untouched
        events = list(services.log.event_log.iterate())
        assert [e["log_index"] for e in events] == list(range(31))
        assert [e["position"] for e in events] == [p for p, _, _ in before]
        for event in events:  # the recorded time v1 stamped is kept, envelope and all
            record = json.loads(dict((p, s) for p, _, s in before)[event["position"]])["record"]
            assert event["recorded_at"] == record["recorded_at"] and event["event_id"] == chain[event["position"]][
                "event_id"]
        result = verify_log(services.log.event_log)
        assert result["ok"] and result["tree_size"] == 31
        assert services.signer.latest().size == 31
        assert ReadModels(services.log).entity(DEMO, "round", "r2")["status"] == "concluded"
        with RawDB(v1_db) as raw:
            assert raw.one("SELECT COUNT(*) FROM nl_leaves") == 31
    finally:
        services.close()
    again = Services.open(Settings(db=v1_db, signing_key=tmp_path / "key.ed25519"))  # upgraded once only
    try:
        assert "upgrading" not in capsys.readouterr().err
        assert verify_log(again.log.event_log)["ok"]
    finally:
        again.close()


def test_a_v1_database_with_a_broken_chain_is_refused(v1_db: str, tmp_path: Path) -> None:
    with RawDB(v1_db) as raw:
        raw.set_state(7, raw.state(7).replace(b"Istanbul", b"Ankara", 1))
    with pytest.raises(UpgradeRefused, match="broken at position 7"):
        Services.open(Settings(db=v1_db, signing_key=tmp_path / "key.ed25519"))
    with RawDB(v1_db) as raw:  # and nothing was half done
        assert raw.one("SELECT COUNT(*) FROM nl_leaves") == 0
        assert raw.one("SELECT COUNT(*) FROM nl_chain") == 31


def test_an_older_database_opens_with_every_negotiation_and_token_in_default(v1_db: str, tmp_path: Path) -> None:
    """v1 (and v2 before workspaces) had neither nl_workspaces nor a token limit: every
    negotiation is then in `default`, and every token reaches all workspaces."""
    with RawDB(v1_db) as raw:
        raw.execute("INSERT INTO nl_tokens (token_id, name, role, token_hash, created_at) VALUES "
                    "('t1', 'old', 'reader', 'h', '2025-01-01T00:00:00Z')")
    services = Services.open(Settings(db=v1_db, signing_key=tmp_path / "key.ed25519"))
    try:
        assert services.log.workspaces.workspace(services.log.database, DEMO) == "default"
        assert ReadModels(services.log).negotiation(DEMO)["workspace"] == "default"
        assert {t["workspaces"] for t in services.principals.list()} == {None}
        default_only = services.principals.create("team", "reader", ["default"])[1]
        principal = services.principals.authenticate(default_only)
        assert principal is not None and services.reading.as_seen_by(principal).negotiations(0, 10)["items"]
        elsewhere = services.principals.authenticate(services.principals.create("else", "reader", ["other"])[1])
        assert elsewhere is not None and not services.reading.as_seen_by(elsewhere).negotiations(0, 10)["items"]
    finally:
        services.close()


def test_an_upgraded_v1_database_gains_snapshots_as_appends_go_on(v1_db: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from domain import application
    from domain.appending import AppendRequest
    from domain.errors import RuleViolation
    from tests.app.test_refusals_keep_the_cache import StoredReads

    monkeypatch.setattr(application, "SNAPSHOT_EVERY", 10)
    said = {"type": "statement.issued", "occurred_at": "2025-05-01", "text": "After the upgrade.",
            "speaker": {"name": "A spokesperson"}}
    settings = Settings(db=v1_db, signing_key=tmp_path / "key.ed25519")
    services = Services.open(settings)
    try:
        with RawDB(v1_db) as raw:
            assert raw.one("SELECT COUNT(*) FROM nl_snapshots") == 0  # none yet: replayed once
        services.log.append(AppendRequest(principal="alice", negotiation_id=DEMO, events=[said] * 10, batch=True))
        with RawDB(v1_db) as raw:
            assert raw.one("SELECT COUNT(*) FROM nl_snapshots") == 1
    finally:
        services.close()
    again = Services.open(settings)
    try:
        reads = StoredReads(again.log, monkeypatch)
        with pytest.raises(RuleViolation, match="r2"):  # the demo's round r2 is known from the snapshot
            again.log.append(AppendRequest(principal="alice", negotiation_id=DEMO, events=[
                {"type": "round.proposed", "occurred_at": "2025-05-02", "round_id": "r2"}]))
        assert again.log.append(AppendRequest(principal="alice", negotiation_id=DEMO, events=[said])).events
        assert reads.count == 0
    finally:
        again.close()
