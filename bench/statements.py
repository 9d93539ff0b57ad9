"""The history the in-process benchmarks fill their logs with: negotiations of statements,
appended through the application in batches of 500, as an import would append them."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest, NegotiationLog

OPENING = {"type": "negotiation.opened", "occurred_at": "2025-01", "title": "Benchmark talks",
           "participants": [{"id": "ru", "name": "Russia", "role": "party"},
                            {"id": "us", "name": "United States", "role": "party"}]}
BATCH = 500


def statement(n: int, *, plain: bool = False) -> dict[str, Any]:
    """The n-th statement; `plain` leaves out the speaker's title and the source."""
    speaker = {"name": "Spokesperson", "participant_id": ("ru", "us")[n % 2]}
    event: dict[str, Any] = {"type": "statement.issued", "occurred_at": f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}",
                             "speaker": speaker, "text": f"Statement number {n} on the state of the talks."}
    if not plain:
        speaker["title"] = "Ministry"
        event["sources"] = [{"title": f"Briefing {n}", "publisher": "TASS", "reliability": "reported"}]
    return event


def open_negotiation(log: NegotiationLog) -> str:
    return log.append(AppendRequest(principal="bench", events=[OPENING])).negotiation_id


def append_statements(log: NegotiationLog, nid: str, first: int, count: int, *, plain: bool = False) -> str | None:
    """Statements `first` to `first + count - 1`, in batches; the event id of the first one."""
    first_id = None
    for start in range(first, first + count, BATCH):
        size = min(BATCH, first + count - start)
        result = log.append(AppendRequest(principal="bench", negotiation_id=nid, batch=True,
                                          events=[statement(start + i, plain=plain) for i in range(size)]))
        first_id = first_id or result.events[0]["event_id"]
    return first_id


@contextmanager
def small_and_big(prefix: str, events: int,
                  negotiation: Callable[[Services, int], Any]) -> Iterator[tuple[Services, Any, Any]]:
    """Services on a scratch SQLite log holding a negotiation of 1,000 events and one of
    `events`, made by `negotiation(services, size)`; the log is deleted afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        services = Services.open(Settings(db=str(scratch / "log.db"), signing_key=scratch / "signing.ed25519"))
        try:
            started = time.monotonic()
            small, big = negotiation(services, 1000), negotiation(services, events)
            print(f"filled {1000 + events:,} events in {time.monotonic() - started:.1f} s", flush=True)
            yield services, small, big
        finally:
            services.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
