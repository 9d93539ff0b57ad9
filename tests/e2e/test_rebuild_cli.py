"""`negotiation-log rebuild` through the installed command: damaged views come back whole."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.processes import new_log, run_cli

DEMO = Path(__file__).parents[2] / "api" / "demo" / "istanbul-2025.jsonl"


def test_rebuild_recreates_the_read_models_from_the_log(tmp_path: Path) -> None:
    db = str(tmp_path / "log.db")
    new_log(db)
    run_cli("import", str(DEMO), "--as", "archivist", "--db", db)
    with sqlite3.connect(db) as conn:
        good = conn.execute("SELECT kind, key, body FROM nl_read_models ORDER BY kind, key").fetchall()
        conn.execute("UPDATE nl_read_models SET body = '{}' WHERE kind = 'round'")
        conn.execute("DELETE FROM nl_read_models WHERE kind = 'dispute'")
    result = run_cli("rebuild", "--db", db)
    assert "Rebuilt the read models from 31 events" in result.stdout
    assert "rebuilding" in result.stderr  # the progress bar
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT kind, key, body FROM nl_read_models ORDER BY kind, key").fetchall() == good
        r2 = conn.execute("SELECT body FROM nl_read_models WHERE kind = 'round' AND key = 'r2'").fetchone()[0]
    assert json.loads(r2)["status"] == "concluded"
