"""`serve --metrics-port`: the same metrics with no token on a port of their own, while the
API's /metrics still wants an admin; the live-stream gauge counts a real stream."""

from __future__ import annotations

import time
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.processes import free_port, run_cli
from tests.sse_client import EventStream


def gauge(text: str, name: str) -> float:
    [family] = [f for f in text_string_to_metric_families(text) if f.name == name]
    return float(family.samples[0].value)


def test_metrics_open_on_their_own_port_and_admin_only_on_the_api(tmp_path: Any, start_server: Any) -> None:
    db = str(tmp_path / "log.db")
    token = run_cli("token", "create", "reader", "--role", "reader", "--db", db).stdout.splitlines()[-1]
    port = free_port()
    server = start_server("--db", db, "--metrics-port", str(port), env={"NEGOTIATION_LOG_HEARTBEAT_SECONDS": "0.5"})
    assert httpx.get(f"{server.url}/metrics").status_code == 401
    open_metrics = f"http://127.0.0.1:{port}/metrics"
    assert gauge(httpx.get(open_metrics).text, "negotiation_log_live_stream_clients") == 0
    stream = EventStream(server.url, {"Authorization": f"Bearer {token}"})
    try:
        deadline = time.monotonic() + 5
        while gauge(httpx.get(open_metrics).text, "negotiation_log_live_stream_clients") != 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        stream.close()
