"""Named principals and their bearer tokens (CONTRACT §7).

Only a SHA-256 of each token is stored: tokens are 256-bit random strings, so a fast hash is
enough to make a stolen table useless, and lookups stay one indexed query."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from domain.errors import FieldError, NotFound, RuleViolation, ValidationFailed
from domain.storage.database import Database

ROLES = ("reader", "recorder", "auditor", "admin")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$")

# What each role may do; `admin` may do everything.
PERMISSIONS = {
    "reader": {"read"},
    "recorder": {"read", "append"},
    "auditor": {"read", "audit"},
    "admin": {"read", "append", "audit", "admin"},
}


@dataclass(frozen=True)
class Principal:
    name: str
    role: str

    def may(self, action: str) -> bool:
        return action in PERMISSIONS[self.role]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Authenticated tokens are remembered this long, so a busy client costs no query per request.
# A revocation is seen at once by the process that made it, and by other processes (another
# API replica, or a running server when `token revoke` runs from the CLI) within this delay.
CACHE_SECONDS = 1.0
CACHE_SIZE = 10_000


class Principals:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[str, tuple[Principal, float]] = {}

    def create(self, name: str, role: str) -> tuple[dict[str, Any], str]:
        """Returns the token's public description and the token itself (shown once)."""
        errors = []
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            errors.append(FieldError("name", "1-64 characters: letters, digits, space, . _ @ -; "
                                             "starting with a letter or digit"))
        if role not in ROLES:
            errors.append(FieldError("role", f"must be one of: {', '.join(ROLES)}"))
        if errors:
            raise ValidationFailed(errors)
        held = self.db.query_one("SELECT role FROM nl_tokens WHERE name = ? AND revoked_at IS NULL LIMIT 1", [name])
        if held is not None and held["role"] != role:
            raise RuleViolation(f"principal '{name}' already has the role '{held['role']}'; "
                                "a principal has one role", rule="one-role")
        token = "nl_" + secrets.token_urlsafe(32)
        info = {"token_id": str(uuid.uuid4()), "name": name, "role": role,
                "created_at": _now(), "revoked_at": None}
        self.db.execute(
            "INSERT INTO nl_tokens (token_id, name, role, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            [info["token_id"], name, role, token_digest(token), info["created_at"]])
        return info, token

    def list(self) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT token_id, name, role, created_at, revoked_at FROM nl_tokens "
                             "ORDER BY created_at, token_id")
        return [dict(r) for r in rows]

    def revoke(self, token_id: str) -> dict[str, Any]:
        changed = self.db.execute("UPDATE nl_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
                                  [_now(), token_id])
        row = self.db.query_one("SELECT token_id, name, role, created_at, revoked_at FROM nl_tokens "
                                "WHERE token_id = ?", [token_id])
        self._cache.clear()
        if row is None:
            raise NotFound(f"no token {token_id}", rule="token-exists")
        if not changed:
            raise RuleViolation(f"token {token_id} was already revoked", rule="token-live")
        return dict(row)

    def authenticate(self, token: str) -> Principal | None:
        digest = token_digest(token)
        cached = self._cache.get(digest)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        row = self.db.query_one("SELECT name, role, token_hash FROM nl_tokens "
                                "WHERE token_hash = ? AND revoked_at IS NULL", [digest])
        if row is None or not hmac.compare_digest(row["token_hash"], digest):
            return None
        principal = Principal(row["name"], row["role"])
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[digest] = (principal, time.monotonic() + CACHE_SECONDS)
        return principal


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
