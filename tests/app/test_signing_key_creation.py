"""The signing key on a volume shared by replicas that start together: every one of them ends
up with the same key, and none fails, even when they all have the same PID (in containers,
each is PID 1)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from domain import signing_key

REPLICAS = 3


def test_replicas_with_the_same_pid_creating_the_key_at_once_share_one(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "getpid", lambda: 1)
    fsync = os.fsync

    def slow_fsync(fd: int) -> None:  # each replica is still writing when the others start
        time.sleep(0.2)
        fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    path = tmp_path / "keys" / "negotiation-log.ed25519"
    keys: list[bytes] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            key = signing_key.load_or_create(path)
            keys.append(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=start) for _ in range(REPLICAS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(keys) == REPLICAS and len(set(keys)) == 1
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
