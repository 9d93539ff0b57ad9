"""Tokens, who the bearer is, health, and problems (RFC 9457)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.answers.enums import TokenRole
from api.answers.shapes import Shape


# -- tokens and health -----------------------------------------------------------------------


class Token(Shape):
    token_id: str
    name: str
    role: TokenRole
    workspaces: list[str] | None = Field(description="the workspaces it is limited to; null: all of them")
    created_at: str
    revoked_at: str | None


class CreatedToken(Token):
    token: str = Field(description="the token itself, shown this once")


class TokenList(Shape):
    items: list[Token]


class StreamTicket(Shape):
    ticket: str = Field(description="opens one live stream: `GET /events/stream?ticket=…`, once")
    expires_at: str = Field(description="when it can no longer open a stream (30 s after it was made, or "
                                        "when the JWT it was made with expires, if sooner)")


class Health(Shape):
    status: str


class Me(Shape):
    """Who the bearer is: a client (the web page) shows only what the role may do."""

    name: str = Field(description="the principal's name, as `recorded_by` will say it; `anonymous` for a "
                                  "request with no token on a service with public reads")
    role: TokenRole
    workspaces: list[str] | None = Field(description="the workspaces it is limited to; null: all of them")


# -- problems --------------------------------------------------------------------------------


class ProblemFieldError(Shape):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str = Field(description="names the field or rule")
    rule: str | None = None
    index: int | None = Field(None, description="the event of a batch")
    errors: list[ProblemFieldError] | None = Field(None, description="for validation errors: each field refused")
    correlation_id: str | None = Field(None, description="on a 500: names the failure in the service's log")
