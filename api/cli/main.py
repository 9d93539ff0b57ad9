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

from domain import verifications
from domain.application import AppendRequest
from domain.errors import DomainError, RuleViolation
from domain.log_audit import SignedSize, verify_log
from domain.log_meta import LogIdentityError
from domain.principals import ROLES
from domain.workspaces import checked_keys
from domain.receipts import Failed, verify_receipt
from domain.signed_note import NoteError, VerifierKey, open_note, parse_verifier_key
from domain.signing_key import SigningKeyError
from domain.storage.upgrade_v1 import UpgradeRefused
from domain.tlog_formats import parse_checkpoint_text
from domain.valid_time import parse_instant
from projections.audit_index import AuditIndex
from projections.export.reading import read_record
from projections.export.record import Record, chunked
from projections.export.registry import NAMES as FORMAT_NAMES, UnknownFormat, export_format
from projections.store.rebuild import log_size, rebuild as rebuild_read_models
from projections.target_index import TargetIndex
from projections.timeline_index import TimelineIndex

from api.cli.memory import tune_for_serving
from api.cli.db_guard import missing_log
from api.cli.log_files import BadInput, read_note, verifier
from api.cli.transfer import ImportFailed, import_events
from api.identity_tokens import KeySetUnavailable
from api.metrics import serve_metrics
from api.routes.erasures import erasure_event
from api.services import Services
from api.settings import Settings

app = typer.Typer(help="An event-sourced, tamper-evident log of negotiations.", no_args_is_help=True,
                  add_completion=False)
tokens = typer.Typer(help="Manage principals' bearer tokens.", no_args_is_help=True)
app.add_typer(tokens, name="token")
err = Console(stderr=True)

Db = Annotated[str, typer.Option("--db", envvar="NEGOTIATION_LOG_DB",
                                 help="SQLite file path or postgresql:// URL")]
DEFAULT_DB = "./negotiation-log.db"


def _services(db: str, signing_key: Path | None = None, *, may_create: bool = False) -> Services:
    """The services on `db`; unless `may_create`, exit 2 if it is not an existing log."""
    problem = None if may_create else missing_log(db)
    if problem:
        raise _fail(problem)
    # Only what was given: Settings reads the rest from the environment.
    return _open(Settings(db=db, **({"signing_key": signing_key} if signing_key else {})))


def _open(settings: Settings, *, signing: bool = False) -> Services:
    """The services, or a clear refusal when the database and the configuration disagree;
    `signing` loads the signing key too (creating it for a log that never signed)."""
    try:
        services = Services.open(settings)
    except (LogIdentityError, UpgradeRefused) as e:
        raise _fail(str(e)) from None
    except KeySetUnavailable as e:
        raise _fail(f"NEGOTIATION_LOG_JWKS: {e}") from None
    if signing:
        try:
            services.signer.private_key()
        except SigningKeyError as e:
            services.close()
            raise _fail(str(e)) from None
    return services


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
    public_workspace: Annotated[list[str] | None, typer.Option(
        "--public-workspace", help="with --public-read or --demo: anonymous users see only this workspace "
                                   "(repeatable; default: all of them)")] = None,
    access_log: Annotated[bool, typer.Option("--access-log", help="log every request (costs ~10% throughput)")] = False,
    demo: Annotated[bool, typer.Option("--demo", help="load the Istanbul 2025 demo into an empty database, "
                                                      "open reads to the public, print a recorder token")] = False,
    proxy_headers: Annotated[bool, typer.Option(
        "--proxy-headers/--no-proxy-headers", envvar="NEGOTIATION_LOG_PROXY_HEADERS",
        help="take the client's address and scheme from X-Forwarded-For/-Proto sent by a trusted proxy")] = True,
    forwarded_allow_ips: Annotated[str, typer.Option(
        "--forwarded-allow-ips", envvar="NEGOTIATION_LOG_FORWARDED_ALLOW_IPS",
        help="comma-separated addresses (or networks, or *) of the proxies whose X-Forwarded-* are trusted")]
        = "127.0.0.1,::1",
    metrics_port: Annotated[int | None, typer.Option(
        "--metrics-port", envvar="NEGOTIATION_LOG_METRICS_PORT",
        help="also serve GET /metrics on this port, on the same host, with no token")] = None,
    jwks: Annotated[str | None, typer.Option(
        "--jwks", envvar="NEGOTIATION_LOG_JWKS",
        help="accept JWT access tokens from an identity provider, verified with this JWKS "
             "(a file path or an https:// URL)")] = None,
    jwt_issuer: Annotated[str | None, typer.Option(
        "--jwt-issuer", envvar="NEGOTIATION_LOG_JWT_ISSUER", help="a JWT's iss must be this")] = None,
    jwt_audience: Annotated[str | None, typer.Option(
        "--jwt-audience", envvar="NEGOTIATION_LOG_JWT_AUDIENCE", help="a JWT's aud must name this")] = None,
) -> None:
    """Run the HTTP service."""
    import uvicorn

    from api.app import create_app
    from api.http_limits import HttpLimits, bounded_protocol, connection_cap

    try:
        checked_keys("--public-workspace", public_workspace or None)
    except DomainError as e:
        raise _fail(e.detail) from None
    given = {"jwks": jwks, "jwt_issuer": jwt_issuer, "jwt_audience": jwt_audience}
    settings = Settings(db=db, public_read=public_read or demo, public_workspaces=public_workspace or None,
                        **{k: v for k, v in given.items() if v is not None})
    services = _open(settings, signing=True)
    app_ = create_app(settings, services)
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
    if metrics_port is not None:
        serve_metrics(services.metrics, host, metrics_port)
    connections = connection_cap(settings.max_connections)
    if connections < settings.max_connections:
        err.print(f"At most {connections} connections (not {settings.max_connections}): the open-file limit is "
                  f"{resource.getrlimit(resource.RLIMIT_NOFILE)[0]}; raise it with ulimit -n.", highlight=False)
    limits = HttpLimits(settings.max_header_bytes, settings.header_timeout, connections)
    tune_for_serving()
    try:
        uvicorn.run(app_, host=host, port=port, log_level="info", access_log=access_log,
                    proxy_headers=proxy_headers, forwarded_allow_ips=forwarded_allow_ips,
                    http=bounded_protocol(limits), timeout_keep_alive=settings.keep_alive_seconds)  # type: ignore[arg-type]
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
                 workspace: Annotated[list[str] | None, typer.Option(
                     help="limit the token to this workspace (repeatable; default: all of them)")] = None,
                 db: Db = DEFAULT_DB) -> None:
    """Create a token; the token alone is the last line of output."""
    services = _services(db, may_create=True)
    try:
        info, token = services.principals.create(name, role, list(workspace) if workspace else None)
    except DomainError as e:
        raise _fail(e.detail) from None
    finally:
        services.close()
    limits = f" in {', '.join(info['workspaces'])}" if info["workspaces"] else ""
    print(f"Created token {info['token_id']} for {name} ({role}{limits}). It is shown only now:")
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
        "--checkpoint", help="also hold the log to this checkpoint (a signed note saved from GET /log/checkpoint)")] = None,
    key: Annotated[str | None, typer.Option(
        "--key", help="the verifier key the checkpoint must be signed by (from GET /log/key), or @FILE; "
                      "default: the service's own")] = None,
    signing_key: Annotated[Path | None, typer.Option(
        "--signing-key", envvar="NEGOTIATION_LOG_SIGNING_KEY", help="the service's key file")] = None,
) -> None:
    """Recompute every leaf from the stored values and salts and the tree from the leaves, and
    hold the tree to the last checkpoint the service signed (or to --checkpoint): exit 0 when
    intact, 1 naming the first bad position or what failed."""
    services = _services(db, signing_key)
    try:
        signed = services.signer.last_signed()
        if checkpoint is not None:
            signed = _signed_size(read_note(checkpoint), verifier(key) if key else
                                  parse_verifier_key(services.signer.verifier_key()))
        result = verify_log(services.log.event_log, signed=signed, url=db)
        verifications.record(services.log.database, result)  # read by the API's metrics
    except BadInput as e:
        raise _fail(str(e)) from None
    finally:
        services.close()
    print(json.dumps(result))
    for problem in result["problems"]:
        err.print(problem, highlight=False, soft_wrap=True)
    if not result["ok"]:
        raise typer.Exit(1)


def _signed_size(note: str, key: VerifierKey) -> SignedSize:
    try:
        body = parse_checkpoint_text(open_note(note, key))
    except (NoteError, ValueError) as e:
        raise BadInput(f"the checkpoint does not verify with {key.name}: {e}") from None
    return SignedSize(body.size, body.root)


@app.command()
def erase(
    event_id: Annotated[str, typer.Argument(help="the event whose fields to erase")],
    field: Annotated[list[str], typer.Option("--field", help="a field to erase, as leaves name it (text, "
                                                             "speaker, sources[1], …); repeat for several")],
    reason: Annotated[str, typer.Option(help="why: kept on record, never the values")],
    as_: Annotated[str, typer.Option("--as", help="principal recorded as recorded_by")] = "cli-admin",
    db: Db = DEFAULT_DB,
) -> None:
    """Erase fields of an event (as POST /negotiations/{id}/erasures does): their values and salts
    are deleted everywhere the service keeps them; every leaf, proof and checkpoint stays valid."""
    services = _services(db)
    try:
        target = services.log.event(event_id)
        result = services.log.append(AppendRequest(
            principal=as_, negotiation_id=target["negotiation_id"], erasure=True,
            events=[erasure_event({"target_event_id": event_id, "fields": field, "reason": reason})]))
    except DomainError as e:
        raise _fail(e.detail, 1 if isinstance(e, RuleViolation) else 2) from None
    finally:
        services.close()
    erased = result.events[0]
    print(json.dumps(erased, ensure_ascii=False))
    err.print(f"Erased {', '.join(erased['fields'])} of event {event_id} (record.erased {erased['event_id']}).",
              highlight=False)


receipts = typer.Typer(help="Check receipts offline.", no_args_is_help=True)
app.add_typer(receipts, name="receipt")


@receipts.command("verify")
def receipt_verify(
    file: Annotated[Path, typer.Argument(help="a receipt saved from GET /events/{event_id}/receipt")],
    key: Annotated[str, typer.Option("--key", help="the log's verifier key (from GET /log/key), or @FILE")],
) -> None:
    """Check a receipt with the log's key alone (no database, no network): exit 0 if the
    event, its disclosures, the leaf, the inclusion proof and the signed checkpoint agree, 1
    naming the check that failed."""
    try:
        vkey = verifier(key)
        receipt = json.loads(file.read_bytes())
    except BadInput as e:
        raise _fail(str(e)) from None
    except OSError as e:
        raise _fail(f"cannot read {file}: {e.strerror}") from None
    except ValueError as e:
        print(json.dumps({"ok": False, "check": "format", "detail": f"not JSON: {e}"}))
        err.print(f"format: {file} is not JSON ({e})", highlight=False)
        raise typer.Exit(1) from None
    try:
        proved = verify_receipt(receipt, vkey)
    except Failed as e:
        print(json.dumps({"ok": False, "check": e.check, "detail": e.detail}))
        err.print(str(e), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    print(json.dumps({"ok": True, **proved}))


@app.command()
def export(db: Db = DEFAULT_DB,
           negotiation: Annotated[str | None, typer.Option(help="only this negotiation (needed by every format "
                                                                   "but jsonl)")] = None,
           format_: Annotated[str, typer.Option("--format", help=f"one of: {FORMAT_NAMES}")] = "jsonl",
           as_of: Annotated[str | None, typer.Option("--as-of", help="valid time: the record as of then")] = None,
           known_at: Annotated[str | None, typer.Option("--known-at", help="recorded time: as the log knew "
                                                                           "it then")] = None) -> None:
    """Write the record to stdout: JSON Lines of the events as stored (envelope included), or one
    negotiation as PLOVER, TimelineJS, CSV or iCalendar, corrections applied."""
    try:
        chosen = export_format(format_)
        axes = {name: parse_instant(text) if text else None
                for name, text in (("as_of", as_of), ("known_at", known_at))}
    except UnknownFormat as e:
        raise _fail(str(e)) from None
    except ValueError as e:
        raise _fail(f"--as-of / --known-at: {e}") from None
    if negotiation is None and not chosen.whole_log:
        raise _fail(f"--format {chosen.name} exports one negotiation: give --negotiation ID")
    if negotiation is None and any(axes.values()):
        raise _fail("--as-of and --known-at apply to one negotiation: give --negotiation ID")
    services = _services(db)
    try:
        if negotiation is None:
            record = Record(None, events=services.log.event_log.iterate)
        else:
            record = read_record(services.log, negotiation, **axes)
        # Bytes, UTF-8 whatever the locale, and line ends as the format has them (CRLF in CSV and iCalendar).
        out = sys.stdout.buffer
        for chunk in chunked(chosen.render(record)):
            out.write(chunk.encode())
        out.flush()
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
    """Rebuild every read model from the event log beside the live ones, while the service
    runs, and switch to them in one transaction; with a progress bar."""
    services = _services(db)
    database = services.log.database
    columns = (TextColumn("rebuilding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err) as progress:
            task = progress.add_task("rebuild", total=log_size(database))
            replayed = rebuild_read_models(database, lambda n: progress.advance(task, n),
                                           also=[AuditIndex(), TargetIndex(), TimelineIndex()])
    finally:
        services.close()
    print(f"Rebuilt the read models from {replayed} events.")


def main() -> None:
    app()
