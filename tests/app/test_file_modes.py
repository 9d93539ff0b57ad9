"""The files the service creates are its own: the SQLite database, its WAL and shared-memory
files and the signing key are created 0600 whatever the umask, and a signing key that other
users could read or write is refused at start, with the command that fixes it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from api.app import create_app
from api.services import Services
from api.settings import Settings
from domain.signing_key import SigningKeyError
from domain.appending import AppendRequest
from tests.conftest import OPENING
from tests.processes import CLI


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    old = os.umask(0o000)
    yield
    os.umask(old)


def write_key(path: Path, file_mode: int) -> None:
    path.write_bytes(Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    path.chmod(file_mode)


def test_a_new_database_its_wal_and_the_signing_key_are_created_private(tmp_path: Path,
                                                                        permissive_umask: None) -> None:
    db, key = tmp_path / "log.db", tmp_path / "signing.ed25519"
    services = Services.open(Settings(db=str(db), signing_key=key))
    try:
        create_app(services.settings, services)
        services.log.append(AppendRequest(principal="alice", events=[OPENING]))
        files = {p.name: oct(mode(p)) for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), key)}
    finally:
        services.close()
    assert files == {"log.db": "0o600", "log.db-wal": "0o600", "log.db-shm": "0o600", "signing.ed25519": "0o600"}


@pytest.mark.parametrize("file_mode", [0o644, 0o640, 0o604, 0o620, 0o602, 0o666])
def test_a_signing_key_others_may_read_or_write_is_refused(tmp_path: Path, file_mode: int) -> None:
    key = tmp_path / "signing.ed25519"
    write_key(key, file_mode)
    services = Services.open(Settings(db=str(tmp_path / "log.db"), signing_key=key))
    try:
        with pytest.raises(SigningKeyError, match=f"chmod 600 {key}"):
            create_app(services.settings, services)
    finally:
        services.close()


def test_serve_refuses_a_world_writable_key_with_exit_2_and_the_fix(tmp_path: Path) -> None:
    import subprocess

    key = tmp_path / "signing.ed25519"
    write_key(key, 0o666)
    result = subprocess.run([CLI, "serve", "--db", str(tmp_path / "log.db"), "--port", "0"], capture_output=True,
                            text=True, timeout=30, env={**os.environ, "NEGOTIATION_LOG_SIGNING_KEY": str(key)})
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"chmod 600 {key}" in result.stderr and "Traceback" not in result.stderr
