"""`negotiation-log token`: principals' bearer tokens."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from domain.errors import DomainError
from domain.principals import ROLES

from api.cli.opening import DEFAULT_DB, Db, fail, services_on

tokens = typer.Typer(help="Manage principals' bearer tokens.", no_args_is_help=True)


@tokens.command("create")
def token_create(name: str, role: Annotated[str, typer.Option(help=f"one of: {', '.join(ROLES)}")],
                 workspace: Annotated[list[str] | None, typer.Option(
                     help="limit the token to this workspace (repeatable; default: all of them)")] = None,
                 db: Db = DEFAULT_DB) -> None:
    """Create a token; the token alone is the last line of output."""
    services = services_on(db, may_create=True)
    try:
        info, token = services.principals.create(name, role, list(workspace) if workspace else None)
    except DomainError as e:
        raise fail(e.detail) from None
    finally:
        services.close()
    limits = f" in {', '.join(info['workspaces'])}" if info["workspaces"] else ""
    print(f"Created token {info['token_id']} for {name} ({role}{limits}). It is shown only now:")
    print(token)


@tokens.command("list")
def token_list(db: Db = DEFAULT_DB) -> None:
    """List tokens (never the tokens themselves) as JSON Lines."""
    services = services_on(db)
    try:
        for row in services.principals.list():
            print(json.dumps(row))
    finally:
        services.close()


@tokens.command("revoke")
def token_revoke(token_id: str, db: Db = DEFAULT_DB) -> None:
    """Revoke a token by its id; it is refused from the next request on."""
    services = services_on(db)
    try:
        row = services.principals.revoke(token_id)
    except DomainError as e:
        raise fail(e.detail) from None
    finally:
        services.close()
    print(f"Revoked token {row['token_id']} of {row['name']}.")
