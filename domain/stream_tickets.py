"""Stream tickets (docs/api.md §5): a browser's EventSource cannot send an Authorization
header, and a token must never travel in a URL, where logs and histories keep it. So a client
trades its token for a ticket that opens one live stream: it is good for TICKET_SECONDS, once,
and only at `GET /events/stream`, for the principal that asked, with its role and workspaces.

Tickets are kept in the database, so that any API process redeems what another issued, and
only one redeemer wins (an UPDATE that sets `used_at` where it is still NULL). Only a SHA-256 of
each ticket is stored, as for tokens. The stream then goes on checking what the ticket stood
for: the digest of the `nl_` token it was issued for (a revoked token ends the stream), or the
expiry of the JWT (docs/api.md §7)."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass

from eventsourcing.persistence import PersistenceError

from domain.principals import Principal
from domain.storage.database import Database
from domain.workspaces import Scope

TICKET_PREFIX = "nlst_"
TICKET_SHAPE = re.compile(r"nlst_[A-Za-z0-9_-]{43}\Z")
TICKET_SECONDS = 30.0
TABLE = "nl_stream_tickets"


@dataclass(frozen=True)
class Grounds:
    """What a ticket stands on, checked again while its stream runs: the digest of an `nl_`
    token, or the expiry (Unix time) of a JWT; neither for the anonymous reader."""

    token_digest: str | None = None
    expires_at: float | None = None


@dataclass(frozen=True)
class Redeemed:
    principal: Principal
    grounds: Grounds


class TicketRefused(Exception):
    pass


class StreamTickets:
    def __init__(self, db: Database, seconds: float = TICKET_SECONDS) -> None:
        self.db, self.seconds = db, seconds
        i = db.dialect.integer
        statement = (f"CREATE TABLE IF NOT EXISTS {TABLE} (ticket_hash TEXT PRIMARY KEY, name TEXT NOT NULL, "
                     f"role TEXT NOT NULL, workspaces TEXT, token_digest TEXT, principal_expires_ms {i}, "
                     f"expires_ms {i} NOT NULL, used_ms {i})")
        try:
            db.execute(statement)
        except PersistenceError:
            # Made by another process at the same moment, or a read-only database: there,
            # issuing a ticket fails as any write does (503), and the rest is served.
            pass

    def issue(self, principal: Principal, grounds: Grounds) -> tuple[str, float]:
        """A new ticket and when it expires (Unix time): in `seconds`, or when the JWT it
        stands on does, if sooner. Blocking (one insert); expired tickets are cleared first."""
        now_ms = _ms(time.time())
        expires_ms = now_ms + _ms(self.seconds)
        if grounds.expires_at is not None:
            expires_ms = min(expires_ms, _ms(grounds.expires_at))
        self.db.execute(f"DELETE FROM {TABLE} WHERE expires_ms < ?", [now_ms])
        ticket = TICKET_PREFIX + secrets.token_urlsafe(32)
        workspaces = None if principal.workspaces is None else json.dumps(sorted(principal.workspaces))
        self.db.execute(
            f"INSERT INTO {TABLE} (ticket_hash, name, role, workspaces, token_digest, principal_expires_ms, "
            "expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [_digest(ticket), principal.name, principal.role, workspaces, grounds.token_digest,
             None if grounds.expires_at is None else _ms(grounds.expires_at), expires_ms])
        return ticket, expires_ms / 1000

    def redeem(self, ticket: str) -> Redeemed:
        """The principal a ticket was issued to, using it up; TicketRefused saying why if it
        is unknown, used or expired. Blocking."""
        if not TICKET_SHAPE.match(ticket):
            raise TicketRefused("the stream ticket is unknown")
        digest, now_ms = _digest(ticket), _ms(time.time())
        won = self.db.execute(f"UPDATE {TABLE} SET used_ms = ? WHERE ticket_hash = ? AND used_ms IS NULL "
                              "AND expires_ms > ?", [now_ms, digest, now_ms])
        row = self.db.query_one(f"SELECT name, role, workspaces, token_digest, principal_expires_ms, expires_ms "
                                f"FROM {TABLE} WHERE ticket_hash = ?", [digest])
        if row is None:
            raise TicketRefused("the stream ticket is unknown")
        if not won:
            raise TicketRefused("the stream ticket has expired" if row["expires_ms"] <= now_ms
                                else "the stream ticket was used already: ask for a new one for each connection")
        limits: Scope = None if row["workspaces"] is None else frozenset(json.loads(row["workspaces"]))
        expires = row["principal_expires_ms"]
        return Redeemed(Principal(row["name"], row["role"], limits),
                        Grounds(row["token_digest"], None if expires is None else expires / 1000))


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def _ms(seconds: float) -> int:
    return int(seconds * 1000)
