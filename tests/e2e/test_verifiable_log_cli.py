"""The verifiable log as a third party uses it: a receipt downloaded from a running service is
checked offline with `negotiation-log receipt verify` and the key alone; the service's C2SP
tiles are read by Go's tlog, which computes the same roots and proofs; `verify` holds a log to
a checkpoint saved before, and a missing key is never quietly replaced."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from api.services import Services
from api.settings import Settings
from domain.merkle import Frontier, leaf_hash
from domain.signed_note import verifier_key

from tests.conftest import OPENING
from tests.independent.go_verifier import GoVerifier
from tests.processes import new_log, run_cli

DEMO = "5d0c2a4e-7f3b-4c1e-9a59-2b8f1e6d4a10"


def write_events(path: Path, count: int) -> Path:
    """A JSON Lines file of one negotiation: its opening and `count - 1` rounds proposed."""
    lines = [json.dumps({**OPENING, "type": "negotiation.opened", "negotiation_id": DEMO.replace("5d", "6e")})]
    lines += [json.dumps({"type": "round.proposed", "occurred_at": "2025-03", "round_id": f"r{i}"})
              for i in range(count - 1)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_downloaded_receipt_verifies_offline_and_a_changed_one_does_not(tmp_path: Path, start_server: Any) -> None:
    db = str(tmp_path / "demo.db")
    server = start_server("--db", db, "--demo")
    events = httpx.get(f"{server.url}/negotiations/{DEMO}/timeline").json()["items"]
    statement = next(e for e in events if e["type"] == "statement.issued")
    receipt = tmp_path / "statement.receipt.json"
    receipt.write_bytes(httpx.get(f"{server.url}/events/{statement['event_id']}/receipt").content)
    vkey = httpx.get(f"{server.url}/log/key").text.strip()
    (tmp_path / "log.vkey").write_text(vkey + "\n")
    server.stop()

    for key in (vkey, f"@{tmp_path / 'log.vkey'}"):
        checked = run_cli("receipt", "verify", str(receipt), "--key", key)
        proved = json.loads(checked.stdout)
        assert proved["ok"] and proved["event_id"] == statement["event_id"] and proved["tree_size"] == 31

    changed = json.loads(receipt.read_text())
    changed["event"]["text"] = changed["event"]["text"].replace("contacts", "contracts")
    (tmp_path / "changed.json").write_text(json.dumps(changed))
    refused = run_cli("receipt", "verify", str(tmp_path / "changed.json"), "--key", vkey, check=False)
    assert refused.returncode == 1 and json.loads(refused.stdout)["check"] == "event" and "text" in refused.stderr

    another = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    other_key = verifier_key(vkey.split("+")[0], another)  # the same name, another key
    other = run_cli("receipt", "verify", str(receipt), "--key", other_key, check=False)
    assert other.returncode == 1 and json.loads(other.stdout)["check"] == "checkpoint signature"
    (tmp_path / "broken.json").write_text(receipt.read_text()[:-5])
    assert run_cli("receipt", "verify", str(tmp_path / "broken.json"), "--key", vkey, check=False).returncode == 1
    assert run_cli("receipt", "verify", str(receipt), "--key", "not a key", check=False).returncode == 2
    assert run_cli("receipt", "verify", str(tmp_path / "absent.json"), "--key", vkey, check=False).returncode == 2


def tiles_agree_with_go(go_verifier: GoVerifier, tmp_path: Path, start_server: Any, count: int) -> None:
    db = str(tmp_path / "log.db")
    new_log(db)
    run_cli("import", str(write_events(tmp_path / "events.jsonl", count)), "--as", "importer", "--db", db)
    server = start_server("--db", db, "--public-read")
    note = httpx.get(f"{server.url}/log/checkpoint").text
    vkey = httpx.get(f"{server.url}/log/key").text.strip()
    _, size, root = go_verifier.verify_note(vkey, note).splitlines()
    assert int(size) == count
    indexes = sorted({0, 255, 256, count // 2, count - 1} & set(range(count)))
    firsts = sorted({1, 256, 257, count - 1} & set(range(1, count)))
    tree = go_verifier.tree_from_tiles(server.url, count, indexes, firsts)
    assert tree.root == base64.b64decode(root)
    for index, go_proof in zip(indexes, tree.inclusion, strict=True):
        event = httpx.get(f"{server.url}/events", params={"after": index, "limit": 1}).json()["items"][0]
        assert event["log_index"] == index
        ours = httpx.get(f"{server.url}/events/{event['event_id']}/proof", params={"tree_size": count}).json()
        assert [base64.b64decode(h) for h in ours["inclusion"]] == go_proof
    for first, go_proof in zip(firsts, tree.consistency, strict=True):
        ours = httpx.get(f"{server.url}/log/consistency", params={"first": first, "second": count}).json()
        assert [base64.b64decode(h) for h in ours["consistency"]] == go_proof


@pytest.mark.parametrize("count", [256, 257])
def test_go_reads_the_same_tree_from_the_services_tiles(go_verifier: GoVerifier, tmp_path: Path,
                                                        start_server: Any, count: int) -> None:
    tiles_agree_with_go(go_verifier, tmp_path, start_server, count)


def test_go_reads_the_same_tree_across_a_level_two_tile(go_verifier: GoVerifier, tmp_path: Path,
                                                        start_server: Any) -> None:
    """65,537 leaves: full tiles on levels 0 and 1, a partial one on level 2. Storing that many
    events takes minutes here, and tiles and consistency proofs need only the tree: the leaves
    are written straight into the tables an append writes, through the same tree code."""
    db, count = str(tmp_path / "log.db"), 65_537
    Services.open(Settings(db=db)).close()
    frontier, leaves, nodes = Frontier.empty(), [], []
    for i in range(count):
        hashed = leaf_hash(i.to_bytes(8, "big"))
        leaves.append((i + 1, i, f"synthetic-{i}", "2025-01-01T00:00:00Z", hashed, "{}"))
        nodes += [(level, idx, h) for (level, idx), h in frontier.append(hashed) if level]
    with sqlite3.connect(db) as conn:
        conn.executemany("INSERT INTO nl_leaves (position, log_index, event_id, recorded_at, leaf_hash, salts) "
                         "VALUES (?, ?, ?, ?, ?, ?)", leaves)
        conn.executemany("INSERT INTO nl_tree (level, idx, hash) VALUES (?, ?, ?)", nodes)
    server = start_server("--db", db, "--public-read")
    firsts = [1, 256, 257, 65_535, 65_536]
    tree = go_verifier.tree_from_tiles(server.url, count, [0, 65_535, 65_536], firsts)
    assert tree.root == frontier.root()
    assert tree.leaf_hashes == [leaves[i][4] for i in (0, 65_535, 65_536)]
    assert any(path.startswith("tile/2/") for path in tree.fetched)
    for first, go_proof in zip(firsts, tree.consistency, strict=True):
        ours = httpx.get(f"{server.url}/log/consistency", params={"first": first, "second": count}).json()
        assert [base64.b64decode(h) for h in ours["consistency"]] == go_proof


def test_verify_holds_the_log_to_a_saved_checkpoint_and_to_the_last_one_signed(tmp_path: Path,
                                                                               start_server: Any) -> None:
    db = str(tmp_path / "log.db")
    new_log(db)
    run_cli("import", str(write_events(tmp_path / "events.jsonl", 6)), "--as", "importer", "--db", db)
    server = start_server("--db", db, "--public-read")
    (tmp_path / "checkpoint").write_text(httpx.get(f"{server.url}/log/checkpoint").text)
    vkey = httpx.get(f"{server.url}/log/key").text.strip()
    server.stop()
    run_cli("import", str(write_events(tmp_path / "more.jsonl", 1)), "--as", "importer", "--db", db, check=False)
    assert json.loads(run_cli("verify", "--db", db).stdout)["checkpoint"]["extends"]
    held = json.loads(run_cli("verify", "--db", db, "--checkpoint", str(tmp_path / "checkpoint"),
                              "--key", vkey).stdout)
    assert held["ok"] and held["checkpoint"]["tree_size"] == 6

    with sqlite3.connect(db) as conn:  # cut back to four events, tree and all
        conn.execute("DELETE FROM stored_events WHERE position > 4")
        conn.execute("DELETE FROM nl_leaves WHERE position > 4")
        conn.execute("DELETE FROM nl_tree WHERE idx * (1 << level) + (1 << level) > 4")
    for args in ((), ("--checkpoint", str(tmp_path / "checkpoint"), "--key", vkey)):
        cut = run_cli("verify", "--db", db, *args, check=False)
        assert cut.returncode == 1 and "cut back" in cut.stderr, cut.stderr
    bad = run_cli("verify", "--db", db, "--checkpoint", str(tmp_path / "checkpoint"), "--key", "x+y+z", check=False)
    assert bad.returncode == 2


def test_a_missing_key_refuses_to_start_for_a_log_that_signed(tmp_path: Path, start_server: Any) -> None:
    db = str(tmp_path / "log.db")
    server = start_server("--db", db, "--demo")
    assert httpx.get(f"{server.url}/log/checkpoint").status_code == 200
    server.stop()
    Path(f"{db}.ed25519").rename(tmp_path / "moved.ed25519")
    refused = run_cli("serve", "--db", db, check=False)
    assert refused.returncode == 2 and "missing" in refused.stderr and "restore" in refused.stderr
    assert not Path(f"{db}.ed25519").exists()
