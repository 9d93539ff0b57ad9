"""What one API process tells Prometheus (`GET /metrics`, or `--metrics-port`).

Counters and the latency histogram are this process's own (scrape every replica, not the
balancer); the gauges read shared state (log size, last good verification) or this process's
(live-stream clients, connections in use) when scraped. A gauge whose source fails reads NaN
rather than failing the scrape: a scrape during a database restart still shows the 503s."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server

from domain.storage.database import Database
from domain.storage.faults import storage_cause
from domain.verifications import last_good
from domain.storage.tree import tree_size as stored_tree_size

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
log = logging.getLogger("negotiation_log")


def tree_size(db: Database) -> int:
    """The log's Merkle tree size (every event ever stored), as the tree_size gauge shows it."""
    with db.transaction(commit=False) as cursor:
        return stored_tree_size(cursor, db.dialect)


def pool_in_use(datastore: Any) -> int:
    """Connections of the storage pool handed out right now (eventsourcing's SQLite pool, or
    psycopg's PostgreSQL pool)."""
    pool = datastore.pool
    if hasattr(pool, "get_stats"):
        stats = pool.get_stats()
        return int(stats.get("pool_size", 0)) - int(stats.get("pool_available", 0))
    return int(pool.num_in_use)


def _safe(read: Callable[[], float]) -> Callable[[], float]:
    def reading() -> float:
        try:
            return float(read())
        except Exception:  # noqa: BLE001 - a scrape must not fail because storage does
            log.debug("metrics: a gauge could not be read", exc_info=True)
            return math.nan
    return reading


class Metrics:
    def __init__(self, db: Database, datastore: Any, live_clients: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self.append_seconds = Histogram(
            "negotiation_log_append_seconds", "Time from an append request's body being read to its answer "
            "(the commit included), every outcome", registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.appends = Counter("negotiation_log_appends", "Append requests answered, by status and rule "
                               "(201 with rule ''; refusals with the rule of their problem+json)",
                               ["status", "rule"], registry=self.registry)
        self.unavailable = Counter("negotiation_log_unavailable", "503 answers (any request) by cause",
                                   ["cause"], registry=self.registry)
        gauges = {
            "negotiation_log_live_stream_clients": ("Connected /events/stream clients", live_clients),
            "negotiation_log_pool_connections_in_use": ("Storage connections in use", lambda: pool_in_use(datastore)),
            "negotiation_log_tree_size": ("Leaves of the log's Merkle tree: every event stored",
                                          lambda: tree_size(db)),
            "negotiation_log_seconds_since_last_good_verify": (
                "Seconds since the log was last verified intact, anywhere (+Inf: never)",
                lambda: self._since(last_good(db))),
        }
        for name, (doc, read) in gauges.items():
            Gauge(name, doc, registry=self.registry).set_function(_safe(read))

    @staticmethod
    def _since(at: float | None) -> float:
        return math.inf if at is None else max(0.0, time.time() - at)

    def answered_append(self, seconds: float, status: int, rule: str | None) -> None:
        self.append_seconds.observe(seconds)
        self.appends.labels(status=str(status), rule=rule or "").inc()

    def answered_unavailable(self, error: BaseException) -> None:
        self.unavailable.labels(cause=storage_cause(error)).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


def serve_metrics(metrics: Metrics, host: str, port: int) -> None:
    """`GET /metrics` with no token on a port of its own (a daemon thread), for a scraper on a
    network the API's clients do not reach."""
    start_http_server(port, addr=host, registry=metrics.registry)
