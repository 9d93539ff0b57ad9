"""Several processes starting at once on an empty PostgreSQL database (the compose file's two
replicas, or replicas and a `token create`) all come up: creating the tables is done by one of
them at a time, and the others find them made."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PROCESSES = 4


def _open(db: str, key: str, start: multiprocessing.synchronize.Barrier, errors: multiprocessing.Queue) -> None:
    from api.services import Services
    from api.settings import Settings

    try:
        start.wait(timeout=30)
        services = Services.open(Settings(db=db, signing_key=Path(key)))
        services.signer.private_key()
        services.principals.create("starter", "recorder")
        services.close()
    except BaseException as e:  # noqa: BLE001 - reported to the test
        errors.put(f"{type(e).__name__}: {e}")
    else:
        errors.put("")


def test_processes_starting_together_on_an_empty_database_all_come_up(pg_url: str, tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    start, errors = context.Barrier(PROCESSES), context.Queue()
    key = str(tmp_path / "shared.ed25519")
    processes = [context.Process(target=_open, args=(pg_url, key, start, errors)) for _ in range(PROCESSES)]
    for p in processes:
        p.start()
    outcomes = [errors.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(timeout=30)
    assert outcomes == [""] * PROCESSES
