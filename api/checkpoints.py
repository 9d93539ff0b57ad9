"""Issuing and checking signed checkpoints for one running service.

The service never signs a chain it has not verified. The first checkpoint a process issues
walks the chain from genesis; later ones walk on from the last event it signed (re-reading that
event too), carrying forward the hash this process computed itself: a row edited behind its
back afterwards cannot slip into a later checkpoint, and a log cut back below what it already
signed is refused rather than signed again at a lower position."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from domain.chain import GENESIS_HASH
from domain.errors import RuleViolation
from domain.storage.log import EventLog
from domain.valid_time import format_utc
from projections.chain_audit import verify_chain
from projections.checkpoint import Checkpoint, prove_extends, public_key_info, sign

from api import signing_key


class Checkpoints:
    def __init__(self, event_log: EventLog, key_file: Path | None) -> None:
        self.event_log = event_log
        self.key_file = key_file
        self._key: Ed25519PrivateKey | None = None
        self._lock = threading.Lock()
        # (position, hash) of the newest link this process verified itself, and of the one
        # before it, where the next walk starts.
        self._verified = (0, GENESIS_HASH)
        self._resume = (0, GENESIS_HASH)

    def private_key(self) -> Ed25519PrivateKey:
        """Loads the key, creating it if there is none yet."""
        with self._lock:
            if self._key is None:
                self._key = (signing_key.load_or_create(self.key_file) if self.key_file is not None
                             else Ed25519PrivateKey.generate())
            return self._key

    def public_key(self) -> Ed25519PublicKey:
        return self.private_key().public_key()

    def public_key_info(self) -> dict[str, str]:
        return public_key_info(self.public_key())

    def issue(self) -> Checkpoint:
        key = self.private_key()
        with self._lock:
            position, chain_hash = self._walk()
        return sign(key, position, chain_hash, format_utc(datetime.now(timezone.utc)))

    def _walk(self) -> tuple[int, str]:
        last_two: list[tuple[int, str]] = []

        def remember(position: int, chain_hash: str) -> None:
            last_two.append((position, chain_hash))
            del last_two[:-2]

        result = verify_chain(self.event_log, start=self._resume, on_link=remember)
        if not result["ok"]:
            raise RuleViolation(f"the hash chain is broken at position {result['first_bad_position']}; "
                                "no checkpoint is signed for a broken chain", rule="chain-intact")
        if result["head"]["position"] < self._verified[0]:
            raise RuleViolation(f"the log ends at position {result['head']['position']}, before position "
                                f"{self._verified[0]} that this service already verified: it was cut back",
                                rule="chain-intact")
        if last_two:
            self._verified = last_two[-1]
        if len(last_two) == 2:
            self._resume = last_two[0]
        return self._verified

    def prove(self, checkpoint: Checkpoint, key: Ed25519PublicKey | None = None) -> dict[str, Any]:
        return prove_extends(self.event_log, checkpoint, key or self.public_key())
