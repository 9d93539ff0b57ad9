"""Signing checkpoints (C2SP tlog-checkpoint, docs/api.md §9) without ever signing a rewritten log.

The service keeps the last checkpoint it signed outside the database, in a file beside its
key (`<key>.<origin>.checkpoint`, the signed note itself). Before it signs a tree of N leaves it takes
that checkpoint (M leaves, root R) and checks that the log still extends it: the stored
subtrees of the first M leaves must fold to R, every leaf from M to N must be recomputed from
its event's stored values and salts, those leaves appended to that verified edge must give
the stored tree's root at N, and the stored tree's consistency proof from M to N must verify.
Only then is N signed and the file replaced. Otherwise it refuses (409, and an error in the
log) until an operator looks: a database edited or restored behind the service's back must
not be signed as if nothing happened.

Several processes may share one key and file: a file lock orders their signing."""

from __future__ import annotations

import base64
import fcntl
import logging
import os
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, NoReturn

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from domain import log_meta
from domain.errors import RuleViolation
from domain.log_audit import SignedSize, recomputed_leaf
from domain.merkle import Frontier, ProofError, consistency_nodes, consistency_proof, leaf_hash, root_from, \
    root_nodes, verify_consistency
from domain.signed_note import NoteError, open_note, parse_verifier_key, sign_note, verifier_key
from domain.signing_key import SigningKeyError, load_or_create
from domain.storage.log import EventLog
from domain.storage.tree import read_nodes, root_at, tree_size
from domain.tlog_formats import checkpoint_text, parse_checkpoint_text

log = logging.getLogger("negotiation_log")
PAGE = 1000


class CheckpointRefused(RuleViolation):
    """The log no longer extends the last checkpoint this service signed (409)."""

    title = "Checkpoint refused"


@dataclass(frozen=True)
class SignedCheckpoint:
    size: int
    root: bytes
    note: str  # the C2SP signed note, as served and stored


class CheckpointSigner:
    def __init__(self, log_: EventLog, origin: str, key_file: Path | None) -> None:
        self.log = log_
        self.origin = origin
        self.key_file = key_file
        self.last_file = last_checkpoint_file(key_file, origin) if key_file is not None else None
        self._key: Ed25519PrivateKey | None = None
        self._latest: SignedCheckpoint | None = None
        self._in_memory: SignedCheckpoint | None = None  # the last one, when there is no file
        self._lock = threading.Lock()

    # -- the key ------------------------------------------------------------------------------

    def private_key(self) -> Ed25519PrivateKey:
        """Loads the key (creating it for a log that never signed anything) and holds it to
        the verifier key the log first signed with."""
        with self._lock:
            if self._key is None:
                self._key = self._load_key()
            return self._key

    def _load_key(self) -> Ed25519PrivateKey:
        signed_with = log_meta.read(self.log.db, "verifier_key")
        if self.key_file is None:
            return Ed25519PrivateKey.generate()
        if signed_with is not None and not self.key_file.exists():
            raise SigningKeyError(
                f"the signing key {self.key_file} is missing, but this database holds checkpoints signed by "
                f"{signed_with}: restore that key file from a backup (or point NEGOTIATION_LOG_SIGNING_KEY at it); "
                "a new key would orphan every receipt and checkpoint already handed out")
        key = load_or_create(self.key_file)
        mine = verifier_key(self.origin, _raw(key))
        if signed_with is not None and signed_with != mine:
            raise SigningKeyError(f"the signing key {self.key_file} ({mine}) is not the one this database's "
                                  f"checkpoints were signed with ({signed_with}): point NEGOTIATION_LOG_SIGNING_KEY "
                                  "at the right key file")
        return key

    def verifier_key(self) -> str:
        return verifier_key(self.origin, _raw(self.private_key()))

    # -- checkpoints ---------------------------------------------------------------------------

    def latest(self) -> SignedCheckpoint:
        """A checkpoint covering every event committed before the call: the cached one while
        the tree has not grown, a new one (checked against the last) when it has."""
        latest = self._latest
        if latest is not None and latest.size == self._size():
            return latest
        key = self.private_key()
        vkey = verifier_key(self.origin, _raw(key))
        with self._lock, self._file_lock():
            last = self._read_last(vkey)
            size = self._size()
            if last is not None and last.size == size:
                # Nothing new to sign, but the tree must still be the one signed (a restart
                # after the database was rewritten finds out here).
                with self.log.db.transaction(commit=False) as cursor:
                    if root_at(cursor, self.log.db.dialect, size) != last.root:
                        self._refuse(f"the tree of {size} events is not the one this service signed: "
                                     "history was rewritten")
                self._latest = last
                return last
            root = self._check_extends(last, size)
            signed = SignedCheckpoint(size, root, sign_note(checkpoint_text(self.origin, size, root), self.origin, key))
            self._write_last(signed)
            log_meta.settle(self.log.db, "verifier_key", vkey)
            self._latest = signed
            return signed

    def last_signed(self) -> SignedSize | None:
        """What the last checkpoint this service signed says, for `verify` to hold the log to."""
        if self.last_file is not None and not self.last_file.exists():
            return None
        vkey = self.verifier_key()
        with self._lock:
            last = self._read_last(vkey)
        return SignedSize(last.size, last.root) if last is not None else None

    def _size(self) -> int:
        with self.log.db.transaction(commit=False) as cursor:
            return tree_size(cursor, self.log.db.dialect)

    def _check_extends(self, last: SignedCheckpoint | None, size: int) -> bytes:
        """The root at `size`, recomputed over leaves recomputed from their events, once the
        log was found to extend `last`; CheckpointRefused otherwise."""
        first, first_root = (last.size, last.root) if last is not None else (0, Frontier.empty().root())
        if size < first:
            self._refuse(f"the log holds {size} events but this service already signed a checkpoint of {first}: "
                         "it was cut back (restored from an older backup, or rows were deleted)")
        dialect = self.log.db.dialect
        with self.log.db.transaction(commit=False) as cursor:
            edge = read_nodes(cursor, dialect, Frontier.nodes(first))
            stored = read_nodes(cursor, dialect, [*root_nodes(size), *consistency_nodes(first, size)])
        try:
            frontier = Frontier.resume(first, edge)
        except (KeyError, ValueError):
            self._refuse(f"the tree nodes of the first {first} events are missing: rows were deleted")
        if frontier.root() != first_root:
            self._refuse(f"the first {first} events no longer hash to the root this service signed: "
                         "history up to there was rewritten")
        self._append_recomputed(frontier, first, size)
        try:
            stored_root = root_from(size, stored)
            verify_consistency(first, size, first_root, stored_root, consistency_proof(first, size, stored))
        except (KeyError, ProofError) as e:
            self._refuse(f"the stored tree is not consistent with the last signed checkpoint ({e})")
        if frontier.root() != stored_root:
            self._refuse("the stored tree nodes disagree with the leaves recomputed from the events")
        return frontier.root()

    def _append_recomputed(self, frontier: Frontier, start: int, end: int) -> None:
        while start < end:
            rows = self.log.leaves_between(start, end, PAGE)
            for row in rows:
                if row["log_index"] != frontier.size or row["state"] is None:
                    self._refuse(f"the event at log_index {frontier.size} is missing")
                try:
                    recomputed = leaf_hash(recomputed_leaf(row, row))
                except (ValueError, KeyError, TypeError):
                    recomputed = b""
                if recomputed != bytes(row["leaf_hash"]):
                    self._refuse(f"the event at log_index {row['log_index']} (position {row['position']}) does not "
                                 "match its leaf: it was edited behind the service's back")
                frontier.append(recomputed)
            if not rows:
                self._refuse(f"the event at log_index {frontier.size} is missing")
            start = frontier.size

    def _refuse(self, reason: str) -> NoReturn:
        log.error("NOT SIGNING A CHECKPOINT: %s. Run `negotiation-log verify` and look into the database before "
                  "anything else; %s holds the last checkpoint signed.", reason, self.last_file or "memory")
        raise CheckpointRefused(f"no checkpoint signed: {reason}", rule="log-extends-checkpoint")

    # -- the last signed checkpoint, outside the database ---------------------------------------

    def _read_last(self, vkey: str) -> SignedCheckpoint | None:
        if self.last_file is None:
            return self._in_memory
        try:
            note = self.last_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            body = parse_checkpoint_text(open_note(note, parse_verifier_key(vkey)))
        except (NoteError, ValueError) as e:
            self._refuse(f"{self.last_file} does not hold a checkpoint signed by this service's key ({e})")
        if body.origin != self.origin:
            self._refuse(f"{self.last_file} is a checkpoint of another log ({body.origin})")
        return SignedCheckpoint(body.size, body.root, note)

    def _write_last(self, signed: SignedCheckpoint) -> None:
        if self.last_file is None:
            self._in_memory = signed
            return
        temporary = self.last_file.with_name(f".{self.last_file.name}.{secrets.token_hex(8)}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(signed.note)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, self.last_file)
        finally:
            temporary.unlink(missing_ok=True)
        directory = os.open(self.last_file.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        if self.last_file is None:
            yield
            return
        self.last_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.last_file.with_name(self.last_file.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def last_checkpoint_file(key_file: Path, origin: str) -> Path:
    """Beside the key, named for the log: one key may sign for several logs (databases)."""
    return key_file.with_name(f"{key_file.name}.{origin.replace('/', '_')}.checkpoint")


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def root_base64(root: bytes) -> str:
    return base64.b64encode(root).decode()
