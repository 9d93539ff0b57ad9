"""Named principals and their bearer tokens (docs/api.md §7).

Only a SHA-256 of each token is stored: tokens are 256-bit random strings, so a fast hash is
enough to make a stolen table useless, and lookups stay one indexed query."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from eventsourcing.persistence import PersistenceError

from domain.errors import FieldError, NotFound, RuleViolation, ValidationFailed
from domain.storage.database import Database
from domain.workspaces import Scope, admits, checked_keys

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
    # The workspaces it is limited to; None: all of them (docs/api.md §7).
    workspaces: Scope = None

    def may(self, action: str) -> bool:
        return action in PERMISSIONS[self.role]

    def sees(self, workspace: str | None) -> bool:
        return admits(self.workspaces, workspace)

    def sole_workspace(self) -> str | None:
        """Where its negotiations open when it names none: its one workspace, if it has one."""
        return next(iter(self.workspaces)) if self.workspaces is not None and len(self.workspaces) == 1 else None


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
        _add_workspaces_column(db)
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._unknown: dict[str, float] = {}  # digest: until when it is refused unasked

    def create(self, name: str, role: str, workspaces: Any = None) -> tuple[dict[str, Any], str]:
        """Returns the token's public description and the token itself (shown once).
        `workspaces` limits it (a list of workspace keys; None: all of them)."""
        errors = []
        try:
            limits = checked_keys("workspaces", workspaces)
        except ValidationFailed as e:
            errors.extend(e.errors)
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
                "workspaces": sorted(limits) if limits is not None else None,
                "created_at": _now(), "revoked_at": None}
        self.db.execute(
            "INSERT INTO nl_tokens (token_id, name, role, token_hash, created_at, workspaces) VALUES (?, ?, ?, ?, ?, ?)",
            [info["token_id"], name, role, token_digest(token), info["created_at"],
             None if limits is None else json.dumps(info["workspaces"])])
        self._unknown.pop(token_digest(token), None)
        return info, token

    def list(self) -> list[dict[str, Any]]:
        rows = self.db.query(f"SELECT {LISTED} FROM nl_tokens ORDER BY created_at, token_id")
        return [_described(r) for r in rows]

    def described(self, token_id: str) -> dict[str, Any] | None:
        row = self.db.query_one(f"SELECT {LISTED} FROM nl_tokens WHERE token_id = ?", [token_id])
        return None if row is None else _described(row)

    def revoke(self, token_id: str) -> dict[str, Any]:
        changed = self.db.execute("UPDATE nl_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
                                  [_now(), token_id])
        row = self.db.query_one(f"SELECT {LISTED} FROM nl_tokens WHERE token_id = ?", [token_id])
        self._cache.clear()
        if row is None:
            raise NotFound(f"no token {token_id}", rule="token-exists")
        if not changed:
            raise RuleViolation(f"token {token_id} was already revoked", rule="token-live")
        return _described(row)

    def remembered(self, token: str) -> tuple[bool, Principal | None]:
        """(True, the answer) when it is known without asking the database: a remembered
        token, a remembered unknown one, or one of the wrong shape; else (False, None)."""
        if not TOKEN_SHAPE.match(token):
            return True, None
        return self.remembered_digest(token_digest(token))

    def remembered_digest(self, digest: str) -> tuple[bool, Principal | None]:
        """As `remembered`, for a token known by its digest (a stream ticket's)."""
        now = time.monotonic()
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
        return self.by_digest(token_digest(token))

    def by_digest(self, digest: str) -> Principal | None:
        """The principal of the live token with this digest; may query the database."""
        settled, principal = self.remembered_digest(digest)
        if settled:
            return principal
        row = self.db.query_one("SELECT name, role, token_hash, workspaces FROM nl_tokens "
                                "WHERE token_hash = ? AND revoked_at IS NULL", [digest])
        if row is None or not hmac.compare_digest(row["token_hash"], digest):
            _remember(self._unknown, digest, time.monotonic() + UNKNOWN_CACHE_SECONDS)
            return None
        principal = Principal(row["name"], row["role"], _limits(row["workspaces"]))
        _remember(self._cache, digest, (principal, time.monotonic() + CACHE_SECONDS))
        return principal


LISTED = "token_id, name, role, workspaces, created_at, revoked_at"


def _limits(stored: str | None) -> Scope:
    return None if stored is None else frozenset(json.loads(stored))


def _described(row: Any) -> dict[str, Any]:
    limits = _limits(row["workspaces"])
    return {**dict(row), "workspaces": None if limits is None else sorted(limits)}


def _add_workspaces_column(db: Database) -> None:
    """Tokens made before workspaces existed reach all of them: a NULL limit."""
    try:
        db.query("SELECT workspaces FROM nl_tokens WHERE 1 = 0")
        return
    except PersistenceError:
        pass
    try:
        db.execute("ALTER TABLE nl_tokens ADD COLUMN workspaces TEXT")
    except PersistenceError:  # another process added it first
        db.query("SELECT workspaces FROM nl_tokens WHERE 1 = 0")


def _remember(cache: dict[str, Any], digest: str, entry: Any) -> None:
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[digest] = entry


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
