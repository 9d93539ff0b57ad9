"""Named principals and their bearer tokens (docs/api.md §7).

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
TOKEN_PREFIX = "nl_"
# What `create` hands out: anything else is refused without a query.
TOKEN_SHAPE = re.compile(r"nl_[A-Za-z0-9_-]{43}\Z")

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
# Unknown tokens are remembered as briefly, so a client repeating a bad token costs one query a
# second. A token created by this process is dropped from that memory at once; one created by
# another process is accepted within this delay.
UNKNOWN_CACHE_SECONDS = 1.0


class Principals:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._unknown: dict[str, float] = {}  # digest: until when it is refused unasked

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
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        info = {"token_id": str(uuid.uuid4()), "name": name, "role": role,
                "created_at": _now(), "revoked_at": None}
        self.db.execute(
            "INSERT INTO nl_tokens (token_id, name, role, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            [info["token_id"], name, role, token_digest(token), info["created_at"]])
        self._unknown.pop(token_digest(token), None)
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

    def remembered(self, token: str) -> tuple[bool, Principal | None]:
        """(True, the answer) when it is known without asking the database: a remembered
        token, a remembered unknown one, or one of the wrong shape; else (False, None)."""
        if not TOKEN_SHAPE.match(token):
            return True, None
        digest, now = token_digest(token), time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[1] > now:
            return True, cached[0]
        if self._unknown.get(digest, 0.0) > now:
            return True, None
        return False, None

    def authenticate(self, token: str) -> Principal | None:
        """The token's principal; may query the database (blocking), see `remembered`."""
        settled, principal = self.remembered(token)
        if settled:
            return principal
        digest = token_digest(token)
        row = self.db.query_one("SELECT name, role, token_hash FROM nl_tokens "
                                "WHERE token_hash = ? AND revoked_at IS NULL", [digest])
        if row is None or not hmac.compare_digest(row["token_hash"], digest):
            _remember(self._unknown, digest, time.monotonic() + UNKNOWN_CACHE_SECONDS)
            return None
        principal = Principal(row["name"], row["role"])
        _remember(self._cache, digest, (principal, time.monotonic() + CACHE_SECONDS))
        return principal


def _remember(cache: dict[str, Any], digest: str, entry: Any) -> None:
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[digest] = entry


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
