"""The `negotiation-log` command."""

from __future__ import annotations

import json
import resource
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from domain.errors import DomainError
from domain.principals import ROLES
from projections.audit_index import AuditIndex
from projections.chain_audit import verify_chain
from projections.checkpoint import prove_extends
from projections.store.rebuild import log_size, rebuild as rebuild_read_models

from api.cli.checkpoint_file import BadInput, read_checkpoint, read_public_key, service_public_key
from api.cli.db_guard import missing_log
from api.cli.transfer import ImportFailed, export_events, import_events
from api.services import Services
from api.settings import Settings
from api.signing_key import SigningKeyError, key_path

app = typer.Typer(help="An event-sourced, tamper-evident log of negotiations.", no_args_is_help=True,
                  add_completion=False)
tokens = typer.Typer(help="Manage principals' bearer tokens.", no_args_is_help=True)
app.add_typer(tokens, name="token")
err = Console(stderr=True)

Db = Annotated[str, typer.Option("--db", envvar="NEGOTIATION_LOG_DB",
                                 help="SQLite file path or postgresql:// URL")]
DEFAULT_DB = "./negotiation-log.db"


def _services(db: str, *, may_create: bool = False) -> Services:
    """The services on `db`; unless `may_create`, exit 2 if it is not an existing log."""
    problem = None if may_create else missing_log(db)
    if problem:
        raise _fail(problem)
    return Services.open(Settings(db=db))


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)  # paths and commands stay whole
    return typer.Exit(code)


@app.command()
def serve(
    db: Db = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    public_read: Annotated[bool, typer.Option("--public-read", envvar="NEGOTIATION_LOG_PUBLIC_READ",
                                              help="anonymous users may use the GET endpoints but /audit*")] = False,
    access_log: Annotated[bool, typer.Option("--access-log", help="log every request (costs ~10% throughput)")] = False,
    demo: Annotated[bool, typer.Option("--demo", help="load the Istanbul 2025 demo into an empty database, "
                                                      "open reads to the public, print a recorder token")] = False,
) -> None:
    """Run the HTTP service."""
    import uvicorn

    from api.app import create_app
    from api.http_limits import HttpLimits, bounded_protocol, connection_cap

    settings = Settings(db=db, public_read=public_read or demo)
    services = Services.open(settings)
    try:
        app_ = create_app(settings, services)
    except SigningKeyError as e:
        services.close()
        raise _fail(str(e)) from None
    url = f"http://{host}:{port}"
    if demo:
        loaded = load_demo(services)
        revoked = revoke_demo_tokens(services)
        _, token = services.principals.create(DEMO_RECORDER, "recorder")
        print(f"Demo: {loaded} events of the 2025 Istanbul talks loaded into {db}." if loaded
              else f"Demo: {db} already holds events; nothing loaded.")
        if revoked:
            print(f"Demo: revoked the demo recorder token of an earlier start ({revoked}); use the new one below.")
        print(f"Open {url}/ in a browser, or the API at {url}/negotiations (no token needed); docs at {url}/docs")
        print(f"Recorder token (send as 'Authorization: Bearer <token>'):\n{token}", flush=True)
    connections = connection_cap(settings.max_connections)
    if connections < settings.max_connections:
        err.print(f"At most {connections} connections (not {settings.max_connections}): the open-file limit is "
                  f"{resource.getrlimit(resource.RLIMIT_NOFILE)[0]}; raise it with ulimit -n.", highlight=False)
    limits = HttpLimits(settings.max_header_bytes, settings.header_timeout, connections)
    try:
        uvicorn.run(app_, host=host, port=port, log_level="info",
                    access_log=access_log, http=bounded_protocol(limits),
                    timeout_keep_alive=settings.keep_alive_seconds)  # type: ignore[arg-type]
    finally:
        services.close()


DEMO_RECORDER = "demo-recorder"


def revoke_demo_tokens(services: Services) -> int:
    """Each --demo start prints a new recorder token (only digests are stored, so an old one
    cannot be shown again): the ones printed before are revoked, so they do not pile up."""
    live = [t for t in services.principals.list() if t["name"] == DEMO_RECORDER and t["revoked_at"] is None]
    for token in live:
        services.principals.revoke(token["token_id"])
    return len(live)


def load_demo(services: Services) -> int:
    """Imports the bundled demo data set, unless the database already holds events."""
    if services.log.event_log.head()["position"]:
        return 0
    text = resources.files("api.demo").joinpath("istanbul-2025.jsonl").read_text(encoding="utf-8")
    return import_events(services.log, text.splitlines(), principal="demo")


@tokens.command("create")
def token_create(name: str, role: Annotated[str, typer.Option(help=f"one of: {', '.join(ROLES)}")],
                 db: Db = DEFAULT_DB) -> None:
    """Create a token; the token alone is the last line of output."""
    services = _services(db, may_create=True)
    try:
        info, token = services.principals.create(name, role)
    except DomainError as e:
        raise _fail(e.detail) from None
    finally:
        services.close()
    print(f"Created token {info['token_id']} for {name} ({role}). It is shown only now:")
    print(token)


@tokens.command("list")
def token_list(db: Db = DEFAULT_DB) -> None:
    """List tokens (never the tokens themselves) as JSON Lines."""
    services = _services(db)
    try:
        for row in services.principals.list():
            print(json.dumps(row))
    finally:
        services.close()


@tokens.command("revoke")
def token_revoke(token_id: str, db: Db = DEFAULT_DB) -> None:
    """Revoke a token by its id; it is refused from the next request on."""
    services = _services(db)
    try:
        row = services.principals.revoke(token_id)
    except DomainError as e:
        raise _fail(e.detail) from None
    finally:
        services.close()
    print(f"Revoked token {row['token_id']} of {row['name']}.")


@app.command()
def verify(
    db: Db = DEFAULT_DB,
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", help="also prove the log extends this checkpoint (saved from GET /audit/checkpoint)")] = None,
    public_key: Annotated[Path | None, typer.Option(
        "--public-key", help="hold the checkpoint to this key (PEM, or saved GET /audit/public-key); "
                             "default: the service's own signing key")] = None,
    signing_key: Annotated[Path | None, typer.Option(
        "--signing-key", envvar="NEGOTIATION_LOG_SIGNING_KEY", help="the service's key file")] = None,
) -> None:
    """Re-check the hash chain: exit 0 when intact, 1 with the first bad position. With
    --checkpoint, also exit 1 unless the checkpoint's signature verifies and the log still holds
    exactly what it covered (nothing edited, dropped, reordered or cut back)."""
    proof = None
    try:
        if checkpoint is not None:
            proof = (read_checkpoint(checkpoint),
                     read_public_key(public_key) if public_key else service_public_key(key_path(db, signing_key)))
    except BadInput as e:
        raise _fail(str(e)) from None
    services = _services(db)
    try:
        result = prove_extends(services.log.event_log, *proof) if proof else verify_chain(services.log.event_log)
    finally:
        services.close()
    print(json.dumps(result))
    if proof:
        for problem in result["problems"]:
            err.print(problem, highlight=False, soft_wrap=True)
    elif not result["ok"]:
        err.print(f"chain broken at position {result['first_bad_position']}")
    if not result["ok"]:
        raise typer.Exit(1)


@app.command()
def export(db: Db = DEFAULT_DB,
           negotiation: Annotated[str | None, typer.Option(help="only this negotiation's events")] = None) -> None:
    """Write events as JSON Lines to stdout, envelope included."""
    services = _services(db)
    try:
        export_events(services.log, sys.stdout, negotiation)
    except DomainError as e:
        raise _fail(e.detail) from None
    finally:
        services.close()


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
            as_: Annotated[str, typer.Option("--as", help="principal recorded as recorded_by")],
            db: Db = DEFAULT_DB) -> None:
    """Append JSON Lines events as the principal NAME, with a progress bar."""
    services = _services(db)
    total = sum(1 for line in file.open(encoding="utf-8") if line.strip())
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err) as progress, file.open(encoding="utf-8") as lines:
            task = progress.add_task("import", total=total)
            imported = import_events(services.log, lines, as_, lambda n: progress.advance(task, n))
    except ImportFailed as e:
        raise _fail(f"{e} ({e.imported} events imported before it)", 1) from None
    finally:
        services.close()
    print(f"Imported {imported} events as {as_}.")


@app.command()
def rebuild(db: Db = DEFAULT_DB) -> None:
    """Drop every read model and recreate it from the event log, with a progress bar."""
    services = _services(db)
    database = services.log.database
    columns = (TextColumn("rebuilding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err) as progress:
            task = progress.add_task("rebuild", total=log_size(database))
            replayed = rebuild_read_models(database, lambda n: progress.advance(task, n), also=[AuditIndex()])
    finally:
        services.close()
    print(f"Rebuilt the read models from {replayed} events.")


def main() -> None:
    app()
