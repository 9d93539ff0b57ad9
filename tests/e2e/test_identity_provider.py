"""`serve --jwks FILE --jwt-issuer --jwt-audience`, as deployed: JWTs signed by keys made here
are accepted by a running server, and a key rotated into the file while it runs is used."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import bearer
from tests.jwt_keys import AUDIENCE, ISSUER, claims, ed25519_key, rsa_key, write_jwks


@pytest.mark.sqlite_only
def test_a_served_log_accepts_jwts_and_keys_rotated_into_its_jwks_file(start_server: Callable[..., Any],
                                                                       tmp_path: Path) -> None:
    old, new = rsa_key("2026-11"), ed25519_key("2026-12")
    jwks = tmp_path / "jwks.json"
    write_jwks(jwks, old)
    server = start_server("--db", str(tmp_path / "log.db"), "--jwks", str(jwks), "--jwt-issuer", ISSUER,
                          "--jwt-audience", AUDIENCE)
    me = httpx.get(f"{server.url}/me", headers=bearer(old.sign(claims(sub="ada", negotiation_log_role="admin"))))
    assert me.status_code == 200 and me.json() == {"name": "ada", "role": "admin", "workspaces": None}
    assert httpx.get(f"{server.url}/me", headers=bearer(new.sign(claims()))).status_code == 401
    write_jwks(jwks, old, new)
    rotated = httpx.get(f"{server.url}/me", headers=bearer(new.sign(claims(sub="bea"))))
    assert rotated.status_code == 200 and rotated.json()["name"] == "bea"
    wrong_audience = httpx.get(f"{server.url}/me", headers=bearer(new.sign(claims(sub="cy", aud="account"))))
    assert wrong_audience.status_code == 401 and "audience" in wrong_audience.json()["detail"]
