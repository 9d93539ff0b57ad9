"""`negotiation-log rebuild` while real servers take appends and reads (one server on SQLite,
two on PostgreSQL): no append waits a second for it, no read sees a half-built read model,
and afterwards every view equals a full replay of the log."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.cli.transfer import import_events
from api.services import Services
from api.settings import Settings
from tests.conftest import OPENING
from tests.processes import CLI
from tests.views import every_view_matches_replay

pytestmark = pytest.mark.slow

NEGOTIATIONS = 3
EVENTS_EACH = 5000  # with 3 negotiations, enough that a rebuild holding the write lock throughout makes appends wait > 1 s
WRITERS = 2
LONGEST_WAIT = 1.0


def history() -> list[str]:
    nid = str(uuid.uuid4())
    lines = [json.dumps({**OPENING, "negotiation_id": nid, "type": "negotiation.opened"})]
    for i in range(EVENTS_EACH):
        if i % 4 == 0:
            event = {"type": "dispute.raised", "occurred_at": "2025-03-01", "dispute_id": f"d{i}", "title": f"D {i}"}
        else:
            event = {"type": "statement.issued", "occurred_at": "2025-03-02", "text": f"said {i}",
                     "speaker": {"name": "Spokesperson", "participant_id": "ru"}}
        lines.append(json.dumps({**event, "negotiation_id": nid}))
    return lines


def dispute(n: int) -> dict[str, Any]:
    return {"type": "dispute.raised", "occurred_at": "2025-04-01", "dispute_id": f"live-{n}", "title": f"Live {n}"}


def test_a_rebuild_while_serving_makes_no_append_wait_a_second_and_no_read_wrong(
        database_url: str, backend: str, tmp_path: Path, start_server: Any) -> None:
    key = tmp_path / "service.ed25519"
    histories = [history() for _ in range(NEGOTIATIONS)]
    services = Services.open(Settings(db=database_url, signing_key=key))
    try:
        for lines in histories:
            import_events(services.log, lines, "archivist")
        _, token = services.principals.create("ops", "admin")
    finally:
        services.close()
    auth = {"Authorization": f"Bearer {token}"}
    env = {"NEGOTIATION_LOG_SIGNING_KEY": str(key)}
    # Started side by side: each spends a second or more importing and opening the log.
    with ThreadPoolExecutor() as starting:
        servers = list(starting.map(lambda _: start_server("--db", database_url, env=env),
                                    range(2 if backend == "postgres" else 1)))
    own = [httpx.post(f"{servers[w % len(servers)].url}/negotiations", json=OPENING, headers=auth).json()["id"]
           for w in range(WRITERS)]
    acknowledged = {nid: 1 for nid in own}  # the version each writer last had a 201 for
    waits: list[float] = []
    wrong: list[str] = []
    stop = threading.Event()

    def write(w: int) -> None:
        with httpx.Client(headers=auth, timeout=30) as client:
            n = 0
            while not stop.is_set():
                started = time.monotonic()
                response = client.post(f"{servers[n % len(servers)].url}/negotiations/{own[w]}/events",
                                       json=dispute(n))
                waits.append(time.monotonic() - started)
                if response.status_code != 201:
                    wrong.append(f"append: {response.status_code} {response.text}")
                    return
                acknowledged[own[w]] = response.json()["version"]
                n += 1

    def read() -> None:
        with httpx.Client(headers=auth, timeout=30) as client:
            n = 0
            while not stop.is_set():
                nid = own[n % WRITERS]
                at_least = acknowledged[nid]
                response = client.get(f"{servers[n % len(servers)].url}/negotiations/{nid}")
                body = response.json()
                # Every event after the opening raised one dispute: a view built halfway, or
                # behind the log, would count fewer, or answer 404.
                if (response.status_code != 200 or body["version"] < at_least
                        or body["counts"]["disputes"] != body["version"] - 1):
                    wrong.append(f"read: {response.status_code} {body} (acknowledged {at_least})")
                n += 1

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)] + [threading.Thread(target=read)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        started = time.monotonic()
        rebuilt = subprocess.run([CLI, "rebuild", "--db", database_url], capture_output=True, text=True,
                                 timeout=300, env={**__import__("os").environ, **env})
        took = time.monotonic() - started
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert not wrong, wrong[:3]
    print(f"rebuild of {NEGOTIATIONS * (EVENTS_EACH + 1)}+ events took {took:.1f} s on {backend}; "
          f"{len(waits)} appends meanwhile, longest wait {max(waits):.3f} s")
    assert took > 2 * LONGEST_WAIT  # so that appends really ran while it did
    assert max(waits) < LONGEST_WAIT
    # Every negotiation in the log: the imported ones and the writers' own.
    everyone = {json.loads(lines[0])["negotiation_id"] for lines in histories} | set(own)
    assert every_view_matches_replay(database_url, everyone, tmp_path)
