"""Clients that keep appending through a storage fault as a careful client would: each append
has its own Idempotency-Key, and a 503 or a dropped connection is retried with the same key
and body (after Retry-After) until it gets its 201. Everything they saw is kept for the test to
judge: statuses, how long each attempt took, what each key was finally answered."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.processes import run_cli

# No attempt may take longer than this (the lock and connect timeouts are 5 s each).
LONGEST_ATTEMPT = 12.0


def statement(n: int) -> dict[str, Any]:
    return {"type": "statement.issued", "occurred_at": "2025-03-01", "text": f"statement {n}",
            "speaker": {"name": "Spokesperson", "participant_id": "ru"}}


@dataclass
class Seen:
    statuses: list[int] = field(default_factory=list)
    attempts: list[float] = field(default_factory=list)
    unavailable: list[httpx.Response] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # anything but 201, 503 or a dropped connection
    acknowledged: dict[str, list[str]] = field(default_factory=dict)  # key -> event ids of its 201
    lock: threading.Lock = field(default_factory=threading.Lock)


class RetryingWriters:
    def __init__(self, urls: list[str], auth: dict[str, str], negotiations: list[str], count: int) -> None:
        self.urls, self.auth, self.negotiations = urls, auth, negotiations
        self.seen = Seen()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._write, args=(w,), daemon=True) for w in range(count)]
        for t in self._threads:
            t.start()

    def stop(self) -> Seen:
        """Stops after each writer's append in hand got its 201 (or 60 s passed)."""
        self._stop.set()
        for t in self._threads:
            t.join(60)
        return self.seen

    def _write(self, w: int) -> None:
        rng = random.Random(w)
        with httpx.Client(headers=self.auth, timeout=LONGEST_ATTEMPT + 5) as client:
            n = 0
            while not self._stop.is_set():
                key = f"w{w}-{n}-{uuid.uuid4().hex[:8]}"
                body = statement(w * 100_000 + n)
                negotiation = self.negotiations[(w + n) % len(self.negotiations)]
                self._until_acknowledged(client, rng, key, negotiation, body)
                n += 1

    def _until_acknowledged(self, client: httpx.Client, rng: random.Random, key: str, negotiation: str,
                            body: dict[str, Any]) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            url = f"{rng.choice(self.urls)}/negotiations/{negotiation}/events"
            started = time.monotonic()
            try:
                response = client.post(url, json=body, headers={"Idempotency-Key": key})
            except httpx.TransportError:
                self._saw(time.monotonic() - started, None)
                time.sleep(0.2)
                continue
            self._saw(time.monotonic() - started, response)
            if response.status_code == 201:
                with self.seen.lock:
                    self.seen.acknowledged[key] = [response.json()["event_id"]]
                return
            if response.status_code != 503:
                return
            time.sleep(float(response.headers.get("retry-after", "1")) * rng.uniform(0.2, 1.0))

    def _saw(self, took: float, response: httpx.Response | None) -> None:
        with self.seen.lock:
            self.seen.attempts.append(took)
            if response is None:
                return
            self.seen.statuses.append(response.status_code)
            if response.status_code == 503:
                self.seen.unavailable.append(response)
            elif response.status_code != 201:
                self.seen.refused.append(f"{response.status_code} {response.text}")


def judge(seen: Seen, db: str) -> dict[str, Any]:
    """The guarantees under a fault: no status but 201 and 503 (problem+json, Retry-After), no
    attempt past the timeouts, every acknowledged event stored exactly once, versions without
    gaps, the chain intact. Returns figures for the test to print."""
    assert not seen.refused, seen.refused[:3]
    assert set(seen.statuses) <= {201, 503}, set(seen.statuses)
    for response in seen.unavailable:
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["retry-after"]) >= 1
        assert response.json()["status"] == 503
    assert max(seen.attempts) < LONGEST_ATTEMPT, max(seen.attempts)
    stored = [json.loads(line) for line in run_cli("export", "--db", db).stdout.splitlines()]
    ids = [e["event_id"] for e in stored]
    assert len(ids) == len(set(ids)), "an event stored twice"
    acknowledged = [i for event_ids in seen.acknowledged.values() for i in event_ids]
    assert not set(acknowledged) - set(ids), "an acknowledged event lost"
    # One stored event per key: a retry that got through twice would show as an extra statement.
    texts = [e["text"] for e in stored if e["type"] == "statement.issued"]
    assert len(texts) == len(set(texts)), "one append stored twice"
    per_stream: dict[str, list[int]] = {}
    for e in stored:
        per_stream.setdefault(e["negotiation_id"], []).append(e["version"])
    assert all(v == list(range(1, len(v) + 1)) for v in per_stream.values())
    assert json.loads(run_cli("verify", "--db", db).stdout)["ok"] is True
    return {"acknowledged": len(acknowledged), "stored": len(ids), "503": len(seen.unavailable),
            "dropped": len(seen.attempts) - len(seen.statuses), "longest attempt": round(max(seen.attempts), 2)}
