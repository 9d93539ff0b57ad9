"""What every command shares: the `--db` option, opening the log's services (or refusing
clearly when the database and the configuration disagree), and failing with a message."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from domain.log_meta import LogIdentityError
from domain.signing_key import SigningKeyError
from domain.storage.upgrade_v1 import UpgradeRefused

from api.cli.db_guard import missing_log
from api.identity_tokens import KeySetUnavailable
from api.services import Services
from api.settings import Settings

err = Console(stderr=True)

Db = Annotated[str, typer.Option("--db", envvar="NEGOTIATION_LOG_DB",
                                 help="SQLite file path or postgresql:// URL")]
DEFAULT_DB = "./negotiation-log.db"


def services_on(db: str, signing_key: Path | None = None, *, may_create: bool = False) -> Services:
    """The services on `db`; unless `may_create`, exit 2 if it is not an existing log."""
    problem = None if may_create else missing_log(db)
    if problem:
        raise fail(problem)
    # Only what was given: Settings reads the rest from the environment.
    return open_services(Settings(db=db, **({"signing_key": signing_key} if signing_key else {})))


def open_services(settings: Settings, *, signing: bool = False) -> Services:
    """The services, or a clear refusal when the database and the configuration disagree;
    `signing` loads the signing key too (creating it for a log that never signed)."""
    try:
        services = Services.open(settings)
    except (LogIdentityError, UpgradeRefused) as e:
        raise fail(str(e)) from None
    except KeySetUnavailable as e:
        raise fail(f"NEGOTIATION_LOG_JWKS: {e}") from None
    if signing:
        try:
            services.signer.private_key()
        except SigningKeyError as e:
            services.close()
            raise fail(str(e)) from None
    return services


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)  # paths and commands stay whole
    return typer.Exit(code)
