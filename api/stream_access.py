"""Who may follow the live stream, and how that is checked again while it runs: with the
Authorization header, as every request; or with a stream ticket (domain.stream_tickets), for
a browser's EventSource, which cannot send one. A ticket's stream is checked against what the
ticket stands on: the `nl_` token it was made with (revoked: the stream ends), or the JWT's
expiry."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from anyio import to_thread

from domain.principals import Principal, token_digest
from domain.stream_tickets import Grounds, TicketRefused

from api.auth import CHALLENGE, authenticate, bearer_token
from api.identity_tokens import looks_like_jwt
from api.problems import Problem
from api.services import Services

# Answers whether the stream may go on; called before each page and every heartbeat.
StillAllowed = Callable[[], Awaitable[bool]]


async def issue_ticket(svc: Services, principal: Principal, authorization: str | None) -> dict[str, str]:
    """A ticket for the principal that `authorization` authenticated just now."""
    token = bearer_token(authorization)
    if token is None:
        grounds = Grounds()  # the anonymous reader, with public reads
    elif svc.identity is not None and looks_like_jwt(token):
        grounds = Grounds(expires_at=svc.identity.expiry(token))
    else:
        grounds = Grounds(token_digest=token_digest(token))
    ticket, expires_at = await to_thread.run_sync(svc.tickets.issue, principal, grounds, limiter=svc.token_lookups)
    return {"ticket": ticket, "expires_at": _iso(expires_at)}


async def stream_access(svc: Services, authorization: str | None, ticket: str | None) -> tuple[Principal, StillAllowed]:
    """The stream's principal and its re-check; else the 401 (or 403) Problem."""
    if ticket is None:
        principal = await authenticate(svc, authorization, "read")
        return principal, lambda: _header_still_allowed(svc, authorization)
    try:
        redeemed = await to_thread.run_sync(svc.tickets.redeem, ticket, limiter=svc.token_lookups)
    except TicketRefused as e:
        raise Problem(401, str(e), rule="ticket", headers=CHALLENGE) from None

    async def still_allowed() -> bool:
        return await _grounds_hold(svc, redeemed.grounds)

    if not await still_allowed():
        raise Problem(401, "the token this stream ticket was made with is revoked or has expired", rule="ticket",
                      headers=CHALLENGE)
    return redeemed.principal, still_allowed


async def _header_still_allowed(svc: Services, authorization: str | None) -> bool:
    try:
        await authenticate(svc, authorization, "read")
    except Problem:
        return False
    return True


async def _grounds_hold(svc: Services, grounds: Grounds) -> bool:
    if grounds.token_digest is not None:
        settled, principal = svc.principals.remembered_digest(grounds.token_digest)
        if not settled:
            principal = await to_thread.run_sync(svc.principals.by_digest, grounds.token_digest,
                                                 limiter=svc.token_lookups)
        return principal is not None
    if grounds.expires_at is not None:
        return time.time() < grounds.expires_at
    return svc.settings.public_read


def _iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
