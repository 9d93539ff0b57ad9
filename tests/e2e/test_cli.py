"""End to end through the `negotiation-log` command."""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import OPENING
from tests.processes import new_log, run_cli

ROUND = {"type": "round.scheduled", "occurred_at": "2025-02-20", "round_id": "r1"}


def test_a_new_user_creates_a_token_appends_and_reads_back(tmp_path: Path, start_server: Any) -> None:
    db = str(tmp_path / "log.db")
    created = run_cli("token", "create", "alice", "--role", "recorder", "--db", db)
    token = created.stdout.strip().splitlines()[-1]
    server = start_server("--db", db)
    auth = {"Authorization": f"Bearer {token}"}
    opened = httpx.post(f"{server.url}/negotiations", json=OPENING, headers=auth)
    assert opened.status_code == 201
    appended = httpx.post(f"{server.url}/negotiations/{opened.json()['id']}/events", json=ROUND, headers=auth)
    assert appended.status_code == 201 and appended.json()["recorded_by"] == "alice"
    read = httpx.get(f"{server.url}/events/{appended.json()['event_id']}", headers=auth)
    assert read.json()["round_id"] == "r1"


def test_serve_demo_loads_the_istanbul_talks_and_opens_reads(tmp_path: Path, start_server: Any) -> None:
    server = start_server("--db", str(tmp_path / "demo.db"), "--demo")
    listed = httpx.get(f"{server.url}/negotiations").json()["items"]
    assert [n["title"] for n in listed] == ["Russia–US consultations on embassy operations"]
    assert listed[0]["counts"]["rounds"] == 2
    output = server.output()
    token = output.split("Bearer <token>'):\n", 1)[1].splitlines()[0]
    assert token.startswith("nl_")


@pytest.mark.parametrize("stop", ["terminate", "interrupt"])
def test_a_stopped_server_leaves_the_database_whole_in_its_one_file(tmp_path: Path, start_server: Any,
                                                                   stop: str) -> None:
    """SIGTERM (kill, systemd, docker stop) and Ctrl+C alike: the connections are closed, so
    SQLite folds its WAL into the file and removes it; a copy of the file alone holds every
    append that was answered 201."""
    db = tmp_path / "log.db"
    token = run_cli("token", "create", "alice", "--role", "recorder", "--db", str(db)).stdout.strip().splitlines()[-1]
    server = start_server("--db", str(db))
    auth = {"Authorization": f"Bearer {token}"}
    opened = httpx.post(f"{server.url}/negotiations", json=OPENING, headers=auth)
    appended = httpx.post(f"{server.url}/negotiations/{opened.json()['id']}/events", json=[{**ROUND, "round_id": f"r{k}"} for k in range(1, 40)], headers=auth)
    assert appended.status_code == 201, appended.text
    server.process.send_signal(signal.SIGTERM if stop == "terminate" else signal.SIGINT)
    server.process.wait(timeout=20)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("log.db-")) == []
    copy = tmp_path / "copy.db"
    copy.write_bytes(db.read_bytes())
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0] == 40


def test_the_db_can_be_given_by_environment_variable(tmp_path: Path) -> None:
    db = str(tmp_path / "env.db")
    run_cli("token", "create", "eve", "--role", "auditor", env={"NEGOTIATION_LOG_DB": db, "PATH": ""})
    assert Path(db).exists()


def test_verify_exits_0_when_intact_and_1_with_the_first_bad_position(tmp_path: Path) -> None:
    db = str(tmp_path / "log.db")
    demo = Path(__file__).parents[2] / "api" / "demo" / "istanbul-2025.jsonl"
    new_log(db)
    run_cli("import", str(demo), "--as", "archivist", "--db", db)
    intact = run_cli("verify", "--db", db)
    assert json.loads(intact.stdout)["ok"] is True
    with sqlite3.connect(db) as conn:
        state = conn.execute("SELECT state FROM stored_events WHERE rowid = 7").fetchone()[0]
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = 7", (state.replace(b"2025", b"2024", 1),))
    broken = run_cli("verify", "--db", db, check=False)
    assert broken.returncode == 1
    assert json.loads(broken.stdout)["first_bad_position"] == 7


def test_export_and_import_round_trip_through_the_command_line(tmp_path: Path) -> None:
    demo = Path(__file__).parents[2] / "api" / "demo" / "istanbul-2025.jsonl"
    first, second = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    new_log(first)
    new_log(second)
    imported = run_cli("import", str(demo), "--as", "archivist", "--db", first)
    assert "Imported 31 events as archivist" in imported.stdout
    exported = tmp_path / "export.jsonl"
    exported.write_text(run_cli("export", "--db", first).stdout)
    run_cli("import", str(exported), "--as", "restorer", "--db", second)
    a = [json.loads(line) for line in exported.read_text().splitlines()]
    b = [json.loads(line) for line in run_cli("export", "--db", second).stdout.splitlines()]
    same = {"event_id", "negotiation_id", "version", "type", "occurred_at", "occurred_from"}
    assert [{k: e.get(k) for k in same} for e in a] == [{k: e.get(k) for k in same} for e in b]
    assert {e["recorded_by"] for e in b} == {"restorer"}


def test_a_bad_import_line_is_reported_with_its_number(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**OPENING, "type": "negotiation.opened"}) + "\n"
                   + json.dumps({"type": "round.started", "occurred_at": "yesterday", "round_id": "r1"}) + "\n")
    new_log(str(tmp_path / "c.db"))
    result = run_cli("import", str(bad), "--as", "x", "--db", str(tmp_path / "c.db"), check=False)
    assert result.returncode == 1 and "line 2" in result.stderr and "occurred_at" in result.stderr


def test_export_writes_each_format_of_one_negotiation_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    demo = Path(__file__).parents[2] / "api" / "demo" / "istanbul-2025.jsonl"
    db = str(tmp_path / "a.db")
    new_log(db)
    run_cli("import", str(demo), "--as", "archivist", "--db", db)
    nid = json.loads(demo.read_text(encoding="utf-8").splitlines()[0])["negotiation_id"]
    plover = run_cli("export", "--db", db, "--negotiation", nid, "--format", "plover").stdout.splitlines()
    assert {json.loads(line)["event"][0] for line in plover} == {"AGREE", "CONSULT", "REQUEST"}
    ics = run_cli("export", "--db", db, "--negotiation", nid, "--format", "ics", "--as-of", "2025-03-01").stdout
    assert ics.startswith("BEGIN:VCALENDAR\n") and ics.count("BEGIN:VEVENT") == 2
    unknown = run_cli("export", "--db", db, "--format", "xlsx", check=False)
    assert unknown.returncode == 2 and "jsonl, plover, timelinejs, csv, ics" in unknown.stderr
    whole = run_cli("export", "--db", db, "--format", "csv", check=False)
    assert whole.returncode == 2 and "--negotiation" in whole.stderr


def test_serve_demo_revokes_the_recorder_token_of_an_earlier_start_and_says_so(tmp_path: Path,
                                                                               start_server: Any) -> None:
    db = str(tmp_path / "demo.db")

    def demo_token(output: str) -> str:
        return output.split("Bearer <token>'):\n", 1)[1].splitlines()[0]

    first = start_server("--db", db, "--demo")
    first_token = demo_token(first.output())
    second = start_server("--db", db, "--demo")
    new = {"Authorization": f"Bearer {demo_token(second.output_so_far())}"}
    old = {"Authorization": f"Bearer {first_token}"}
    opened = httpx.post(f"{second.url}/negotiations", json=OPENING, headers=old)
    assert opened.status_code == 401
    assert httpx.post(f"{second.url}/negotiations", json=OPENING, headers=new).status_code == 201
    assert "revoked the demo recorder token of an earlier start" in second.output().lower()
    live = [json.loads(line) for line in run_cli("token", "list", "--db", db).stdout.splitlines()]
    assert [t["revoked_at"] is None for t in live if t["name"] == "demo-recorder"] == [False, True]


MISTYPED = [("verify",), ("export",), ("rebuild",), ("token", "list"), ("token", "revoke", "x")]


def test_commands_that_read_a_log_refuse_a_database_that_does_not_exist(tmp_path: Path) -> None:
    typo = tmp_path / "typo.db"
    lines = tmp_path / "events.jsonl"
    lines.write_text(json.dumps({**OPENING, "type": "negotiation.opened"}) + "\n")
    for command in [*MISTYPED, ("import", str(lines), "--as", "x")]:
        result = run_cli(*command, "--db", str(typo), check=False)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert str(typo) in result.stderr and "does not exist" in result.stderr
        assert f"negotiation-log serve --db {typo}" in result.stderr and "Traceback" not in result.stderr
        assert not typo.exists(), command


def test_token_create_makes_a_new_database_for_the_others(tmp_path: Path) -> None:
    db = str(tmp_path / "new.db")
    run_cli("token", "create", "alice", "--role", "recorder", "--db", db)
    assert json.loads(run_cli("verify", "--db", db).stdout)["checked"] == 0


@pytest.mark.postgres
def test_a_postgresql_database_without_a_log_is_refused_too(pg_url: str) -> None:
    result = run_cli("verify", "--db", pg_url, check=False)
    assert result.returncode == 2 and "holds no negotiation log" in result.stderr
    new_log(pg_url)
    assert json.loads(run_cli("verify", "--db", pg_url).stdout)["ok"] is True


def test_erase_erases_fields_of_an_event_and_refuses_what_cannot_be_erased(tmp_path: Path) -> None:
    demo = Path(__file__).parents[2] / "api" / "demo" / "istanbul-2025.jsonl"
    db = str(tmp_path / "a.db")
    new_log(db)
    run_cli("import", str(demo), "--as", "archivist", "--db", db)
    statement = "4eaf05b9-e8c1-4cd3-8914-719a0735278f"
    done = run_cli("erase", statement, "--field", "speaker", "--reason", "asked to be erased", "--as", "dpo",
                   "--db", db)
    erasure = json.loads(done.stdout)
    assert (erasure["type"], erasure["fields"], erasure["recorded_by"]) == ("record.erased", ["speaker"], "dpo")
    exported = [json.loads(line) for line in run_cli("export", "--db", db).stdout.splitlines()]
    stored = next(e for e in exported if e["event_id"] == statement)
    assert "speaker" not in stored and stored["erased"] == ["speaker"]
    again = run_cli("erase", statement, "--field", "speaker", "--reason", "twice", "--db", db, check=False)
    assert again.returncode == 1 and "already erased" in again.stderr
    unknown = run_cli("erase", statement, "--field", "colour", "--reason", "no such field", "--db", db, check=False)
    assert unknown.returncode == 2 and "colour" in unknown.stderr
    assert run_cli("verify", "--db", db).returncode == 0
