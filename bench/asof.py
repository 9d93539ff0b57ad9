"""As-of benchmark (issue 3): the same time-travel query on one entity, in a negotiation of
1,000 events and in one of 10,000, through the real HTTP stack (in-process ASGI).

The asked-about dispute has the same 24 events in both; everything else is other rounds,
disputes and statements. Because an as_of/known_at query reads only the entity's own events
(found through the entity index), its latency should barely grow with the negotiation:
the target is a median ratio 10k/1k of at most 3.

    python bench/asof.py [--requests 300] [--sizes 1000 10000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore", message=".*httpx.*")  # Starlette's nag about its test client
from fastapi.testclient import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from api.services import Services  # noqa: E402
from api.settings import Settings  # noqa: E402
from domain.application import AppendRequest  # noqa: E402

OPENING = {"type": "negotiation.opened", "occurred_at": "2025-01", "title": "Benchmark talks",
           "participants": [{"id": "ru", "name": "Russia", "role": "party"},
                            {"id": "us", "name": "United States", "role": "party"}]}
BATCH = 500
TARGET = "property"


def day(n: int) -> str:
    return f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}"


def target_events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [{"type": "round.scheduled", "occurred_at": "2025-02-01", "round_id": "r0"},
                                    {"type": "dispute.raised", "occurred_at": "2025-02-02", "dispute_id": TARGET,
                                     "title": "Six properties", "raised_by": "ru"}]
    for i in range(22):
        events.append({"type": "position.stated", "occurred_at": f"2025-{3 + i // 4:02d}-{1 + i:02d}",
                       "dispute_id": TARGET, "participant_id": ("ru", "us")[i % 2],
                       "stance": ("demand", "reject", "offer", "accept")[i % 4], "text": f"position {i}"})
    return events


def filler(count: int) -> list[dict[str, Any]]:
    """Other business: disputes of ten events each, rounds of three, the rest statements."""
    events: list[dict[str, Any]] = []
    n = 0
    while len(events) < count:
        n += 1
        if n % 10 == 0:
            events += [{"type": "round.scheduled", "occurred_at": day(n), "round_id": f"r{n}"},
                       {"type": "round.started", "occurred_at": day(n + 1), "round_id": f"r{n}"},
                       {"type": "round.concluded", "occurred_at": day(n + 1), "round_id": f"r{n}"}]
        elif n % 3 == 0:
            events.append({"type": "statement.issued", "occurred_at": day(n), "text": f"statement {n}",
                           "speaker": {"name": "Spokesperson", "participant_id": "ru"}})
        else:
            events.append({"type": "dispute.raised", "occurred_at": day(n), "dispute_id": f"d{n}", "title": f"D{n}"})
            events += [{"type": "position.stated", "occurred_at": day(n + k), "dispute_id": f"d{n}",
                        "participant_id": ("ru", "us")[k % 2], "stance": "offer", "text": f"{n}/{k}"}
                       for k in range(1, 10)]
    return events[:count]


def build(services: Services, size: int) -> str:
    nid = services.log.append(AppendRequest(principal="bench", events=[OPENING])).negotiation_id
    events = target_events()
    events += filler(size - 1 - len(events))
    # The target's events are spread through the log, as a real negotiation's would be.
    step = max(1, len(events) // len(target_events()))
    ordered = list(events[len(target_events()):])
    for i, event in enumerate(target_events()):
        ordered.insert(min(i * step, len(ordered)), event)
    for start in range(0, len(ordered), BATCH):
        services.log.append(AppendRequest(principal="bench", negotiation_id=nid,
                                          events=ordered[start:start + BATCH], batch=True))
    assert services.log.version(nid) == size
    return nid


def measure(size: int, requests: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=str(Path(tmp) / "bench.db"))
        services = Services.open(settings)
        try:
            started = time.perf_counter()
            nid = build(services, size)
            built = time.perf_counter() - started
            _, token = services.principals.create("bench-reader", "reader")
            headers = {"Authorization": f"Bearer {token}"}
            now = services.log.stream(nid)[-1]["recorded_at"]
            with TestClient(create_app(settings, services)) as client:
                url = f"/negotiations/{nid}/disputes/{TARGET}"
                timings = {}
                for name, path, params in (
                        ("as_of", url, {"as_of": "2025-05-15"}),
                        ("as_of+known_at", url, {"as_of": "2025-05-15", "known_at": now}),
                        ("stored (no axes)", url, {}),
                        # For contrast: the negotiation itself as of a date counts over its whole
                        # index in SQL (no replay), so it grows with the negotiation.
                        ("negotiation as_of", f"/negotiations/{nid}", {"as_of": "2025-05-15"})):
                    runs = requests if name != "negotiation as_of" else max(10, requests // 10)
                    samples = []
                    for i in range(runs + 20):
                        t0 = time.perf_counter()
                        response = client.get(path, params=params, headers=headers)
                        elapsed = time.perf_counter() - t0
                        assert response.status_code == 200, response.text
                        if i >= 20:  # warm-up
                            samples.append(elapsed)
                    timings[name] = statistics.median(samples) * 1000
                assert client.get(url, params={"as_of": "2025-05-15"}, headers=headers).json()["status"] == \
                    "under_discussion"
        finally:
            services.close()
    return {"build_s": built, **timings}


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--sizes", type=int, nargs=2, default=[1000, 10000])
    args = parser.parse_args()
    small, large = (measure(size, args.requests) for size in args.sizes)
    print(f"GET /negotiations/{{id}}/disputes/{TARGET} (last row: GET /negotiations/{{id}}): median latency, "
          f"{args.requests} requests after 20 warm-up, in-process ASGI")
    print(f"{'query':<18}{args.sizes[0]:>10,} ev{args.sizes[1]:>10,} ev{'ratio':>9}")
    for name in ("as_of", "as_of+known_at", "stored (no axes)", "negotiation as_of"):
        print(f"{name:<18}{small[name]:>10.2f} ms{large[name]:>10.2f} ms{large[name] / small[name]:>9.2f}")
    print(f"setup (appends in batches of {BATCH}): {small['build_s']:.1f} s and {large['build_s']:.1f} s")
    ratio = large["as_of"] / small["as_of"]
    print(f"as_of ratio {args.sizes[1]:,}/{args.sizes[0]:,} = {ratio:.2f} (target <= 3): {'OK' if ratio <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
