"""The service's Ed25519 signing key, kept in a file the operator can back up and move.

Where: `--signing-key` / NEGOTIATION_LOG_SIGNING_KEY when set; otherwise next to a SQLite
database (`<db>.ed25519`, e.g. `./negotiation-log.db.ed25519`), or `./negotiation-log.ed25519`
for PostgreSQL (relative to the working directory). Several API processes must share one key
file, or each signs with its own key.

Format: unencrypted PKCS#8 PEM, mode 0600, created on first start. Creation writes a private
temporary file and hard-links it into place, so two processes starting at once end up with
the same key and nobody ever reads a half-written file. A key file that other users may read
(they could sign as the service) or write (they could replace it) is refused: `refuse_shared`."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding, NoEncryption, PrivateFormat, load_pem_private_key,
)

from domain.storage.backend import is_postgres

log = logging.getLogger("negotiation_log")


class SigningKeyError(Exception):
    pass


def key_path(db: str, configured: Path | None) -> Path | None:
    """None for an in-memory database: a log that vanishes with the process gets a key that
    does too, rather than a file left in the working directory."""
    if configured is not None:
        return configured
    if db == ":memory:" or db.startswith("file:") and "mode=memory" in db:
        return None
    if is_postgres(db) or db.startswith("file:"):
        return Path("negotiation-log.ed25519")
    return Path(f"{db}.ed25519")


def refuse_shared(path: Path) -> None:
    """Raises SigningKeyError, saying how to fix it, if group or others may read or write the
    key file (or the file it links to)."""
    loose = stat.S_IMODE(path.stat().st_mode)
    if loose & (stat.S_IRWXG | stat.S_IRWXO):
        raise SigningKeyError(
            f"the signing key {path} is open to other users (mode {loose:04o}): whoever can read it can sign "
            f"checkpoints as this service, whoever can write it can replace it. Restrict it with: chmod 600 "
            f"{path} and start again. If others may have had it, treat the key as compromised: move it away, "
            f"start again to create a new one, and tell those who hold checkpoints signed with it.")


def load(path: Path) -> Ed25519PrivateKey:
    try:
        refuse_shared(path)
        key = load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise SigningKeyError(f"no signing key at {path}") from None
    except (OSError, ValueError, TypeError) as e:
        raise SigningKeyError(f"the signing key at {path} cannot be read: {e}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"the key at {path} is not an Ed25519 private key")
    return key


def load_or_create(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        return load(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    # A random name, not the PID: replicas in containers are all PID 1 on one shared volume.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(temporary, path)
            log.info("created signing key %s", path)
        except FileExistsError:
            pass  # another process created it first: use theirs
    finally:
        temporary.unlink(missing_ok=True)
    return load(path)
