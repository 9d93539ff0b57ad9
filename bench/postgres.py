"""Append throughput on PostgreSQL with one and with two API processes, against the bare
eventsourcing PostgreSQL save rate measured in the same run.

    python bench/postgres.py [--url postgresql://postgres@127.0.0.1:5432/test] [--seconds 10]

`--url` names a database the script may create other databases from (default: the
NEGOTIATION_LOG_BENCH_POSTGRES or NEGOTIATION_LOG_TEST_POSTGRES variable); each measurement gets a
fresh database, dropped afterwards. Ratios are what to compare between runs and machines."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from harness import cli, real_server, wrk

from domain.storage.backend import eventsourcing_env

CONNECTIONS = 32
OPENING = {"title": "Benchmark", "occurred_at": "2025", "participants": [{"id": "ru", "name": "R", "role": "party"}]}
STATEMENT = json.dumps({"type": "statement.issued", "occurred_at": "2025-03-01", "text": "On the record.",
                        "speaker": {"name": "Spokesperson", "participant_id": "ru"}})


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    name = f"nl_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Counter(Aggregate):
    @event("Counted")
    def count(self) -> None:
        pass


def bare_save_rate(url: str, seconds: float) -> float:
    """Saves of one new event each, back to back, through eventsourcing's PostgreSQL recorder
    with the same settings the service uses (table lock, no database functions)."""
    env = {k: v for k, v in eventsourcing_env(url).items() if k != "APPLICATION_RECORDER_TOPIC"}
    app = Application(env=env)
    counter = Counter()
    app.save(counter)
    saves, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        counter.count()
        app.save(counter)
        saves += 1
    app.close()
    return saves / seconds


def api_rate(url: str, processes: int, seconds: float) -> float:
    token = cli("token", "create", "bench", "--role", "recorder", "--db", url).splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    keys = tempfile.mkdtemp()
    os.environ["NEGOTIATION_LOG_SIGNING_KEY"] = f"{keys}/signing.ed25519"  # one key, as in production
    servers = [real_server(url).start() for _ in range(processes)]
    try:
        targets = [f"{s.url}/negotiations/"
                   + httpx.post(f"{s.url}/negotiations", json=OPENING, headers=auth).json()["id"] + "/events"
                   for s in servers]
        with ThreadPoolExecutor(processes) as pool:  # one wrk per process, all at once
            rates = pool.map(lambda t: wrk(t, seconds=seconds, connections=CONNECTIONS // processes, threads=1,
                                           method="POST", body=STATEMENT, headers=auth), targets)
            return sum(rates)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(keys)


def parser_with_url(doc: str) -> argparse.ArgumentParser:
    """The arguments every PostgreSQL bench takes: `--url` of the database to create others from."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("NEGOTIATION_LOG_BENCH_POSTGRES")
                        or os.environ.get("NEGOTIATION_LOG_TEST_POSTGRES")
                        or "postgresql://postgres@127.0.0.1:5432/test")
    return parser


def main() -> None:
    parser = parser_with_url(__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with fresh_database(args.url) as url:
        bare = bare_save_rate(url, args.seconds)
    rates = {}
    for processes in (1, 2):
        with fresh_database(args.url) as url:
            rates[processes] = api_rate(url, processes, args.seconds)
    print(f"{'what':58} {'per second':>11} {'ratio':>7}")
    print(f"{'bare eventsourcing PostgreSQL save, 1 event, back to back':58} {bare:11,.0f} {1:7.2f}")
    for processes, rate in rates.items():
        label = f"POST one event, {CONNECTIONS} clients, {processes} API process{'es' if processes > 1 else ''}"
        print(f"{label:58} {rate:11,.0f} {rate / bare:7.2f}")


if __name__ == "__main__":
    main()
